import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TS_REGISTER } from './paths';

export interface Child {
  readonly process: ChildProcess;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, timeoutMillis: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMillis`). */
  stop(graceMillis?: number): Promise<number | null>;
}

const running = new Set<Child>();

/** The examples import the built packages: fail with the fix rather than a module error. */
export function assertPackagesBuilt(): void {
  for (const name of ['instrumentation', 'exporter-presets']) {
    const entry = join(ROOT, 'packages', name, 'dist', 'cjs', 'index.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  }
}

/**
 * Runs a TypeScript entry point of an example straight from its sources
 * (scripts/ts-register.cjs, the same swc transform jest uses), in the
 * example's own folder so its own dependencies resolve.
 */
export function runExample(
  example: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  /** Arguments for the program itself, after the entry point. */
  args: string[] = [],
): Child {
  const cwd = join(ROOT, 'examples', example);
  const child = spawn(process.execPath, [...nodeArgs, '-r', TS_REGISTER, join(cwd, entry), ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      // NodeSDK would otherwise try to ship traces and logs to localhost.
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle: Child = {
    process: child,
    output: () => output,
    waitFor(pattern, timeoutMillis) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match) {
            finish();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${example}: no ${pattern} within ${timeoutMillis} ms; output:\n${output}`));
        }, timeoutMillis);
        const onExit = (): void => {
          finish();
          reject(new Error(`${example} exited (${child.exitCode}) before printing ${pattern}; output:\n${output}`));
        };
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(graceMillis = 10_000) {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every child still running (afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(2000)));
}

export { freePort } from '../../packages/exporter-presets/test/helpers/ports';
