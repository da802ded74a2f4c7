import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const PACKAGE_ROOT = join(__dirname, '..', '..');
export const TS_REGISTER = join(PACKAGE_ROOT, '..', '..', 'scripts', 'ts-register.cjs');
export const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningChild {
  child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when stdout contains `text`. */
  waitForOutput(text: string, timeoutMillis?: number): Promise<void>;
  exited: Promise<ChildResult>;
}

/**
 * A real Node process (the TypeScript sources run through scripts/ts-register.cjs
 * unless `nodeArgs` says otherwise), with only the variables given plus PATH:
 * the environment of the test runner cannot leak in.
 */
export function startNode(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = ['-r', TS_REGISTER],
  timeoutMillis = 30_000,
  /** Where module names given to --import/--require resolve from. */
  cwd = PACKAGE_ROOT,
  /** A command that runs node, given as its next arguments: `['sh', '-c', 'ulimit -n 256 && exec "$@"', 'sh']`. */
  launcher: readonly string[] = [],
): RunningChild {
  const [command, ...launcherArgs] = launcher.length > 0 ? launcher : [process.execPath];
  const nodeCommand = launcher.length > 0 ? [process.execPath] : [];
  const child = spawn(command, [...launcherArgs, ...nodeCommand, ...nodeArgs, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const exited = new Promise<ChildResult>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    }),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitForOutput(text, waitMillis = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          // When this process's own loop was blocked past the wait, the child's line may sit unread in the
          // pipe: setImmediate runs after the next poll phase has read it, so only a real silence fails.
          setImmediate(() => {
            if (stdout.includes(text)) resolve();
            else reject(new Error(`child never printed ${JSON.stringify(text)}; stdout: ${stdout}; stderr: ${stderr}`));
          });
        }, waitMillis);
        const poll = setInterval(() => {
          if (!stdout.includes(text)) return;
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }, 20);
      });
    },
    exited,
  };
}

export function runNode(args: string[], env: Record<string, string>, nodeArgs?: string[], timeoutMillis?: number) {
  return startNode(args, env, nodeArgs, timeoutMillis).exited;
}
