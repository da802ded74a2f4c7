import { resolve } from 'node:path';

export interface DiagnosticOutputDirectory {
  /** Where V8 writes near-limit heap snapshots and heap profiles: `--diagnostic-dir`, else the working directory. */
  readonly path: string;
  /** The `--diagnostic-dir` the process was started with, resolved; undefined without one. */
  readonly fromFlag: string | undefined;
}

/**
 * Node writes the files of `v8.setHeapSnapshotNearHeapLimit` and
 * `v8.setHeapProfileNearHeapLimit` to `--diagnostic-dir`, or to the working
 * directory of the moment they are written. Nothing at run time moves them
 * (`process.report.directory` is for reports only), so diagnostics read the
 * flag to know whether those files would land in their directory.
 */
export function diagnosticOutputDirectory(): DiagnosticOutputDirectory {
  const flag = nodeFlag('--diagnostic-dir');
  const fromFlag = flag === undefined || flag === '' ? undefined : resolve(flag);
  return { path: fromFlag ?? process.cwd(), fromFlag };
}

/**
 * The value of a Node flag that takes one (`--name=value` or `--name value`)
 * as the process was started with it: the command line wins over NODE_OPTIONS.
 */
export function nodeFlag(
  name: string,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string | undefined {
  return lastValue(name, execArgv) ?? lastValue(name, splitNodeOptions(nodeOptions ?? ''));
}

function lastValue(name: string, args: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--') break;
    if (arg.startsWith(`${name}=`)) found = arg.slice(name.length + 1);
    else if (arg === name && index + 1 < args.length) found = args[++index];
  }
  return found;
}

/** NODE_OPTIONS as Node splits it: on spaces, with double quotes grouping and `\` escaping inside them. */
function splitNodeOptions(value: string): string[] {
  const args: string[] = [];
  let current = '';
  let started = false;
  let quoted = false;
  for (let index = 0; index < value.length; index++) {
    const char = value[index];
    if (quoted && char === '\\' && index + 1 < value.length) {
      current += value[++index];
    } else if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (char === ' ' && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}
