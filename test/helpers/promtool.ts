import { spawnSync } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  output: string;
}

/**
 * How long one promtool run may take. `promtool test rules` on the alert cases is
 * about 8 s of CPU on an idle machine; on a shared 2-core machine under load it took
 * more than 60 s, so the bound is generous (a hang still ends).
 */
export const PROMTOOL_TIMEOUT_MILLIS = 240_000;

/** Debian's promtool (apt install prometheus); CI installs it. */
export function promtool(args: string[], cwd?: string): ToolResult {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MILLIS });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new Error(`promtool ${args.join(' ')} did not finish in ${PROMTOOL_TIMEOUT_MILLIS / 1000} s (killed)`);
  }
  if (result.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${result.error.message}`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
