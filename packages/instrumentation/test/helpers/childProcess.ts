import { spawn } from 'node:child_process';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', '..', '..', '..', 'scripts', 'ts-register.cjs');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMillis: number;
}

/**
 * Runs a TypeScript scenario in a fresh Node process (so timing-sensitive
 * measurements are not disturbed by jest) and returns what it printed.
 * `launcher` is a command Node runs under (`['taskset', '-c', '0']`).
 */
export function runScenario(
  file: string,
  {
    args = [],
    nodeArgs = [],
    timeoutMillis = 30_000,
    launcher = [],
  }: { args?: string[]; nodeArgs?: string[]; timeoutMillis?: number; launcher?: string[] } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const command = [...launcher, process.execPath, ...nodeArgs, '-r', REGISTER, file, ...args];
    const child = spawn(command[0], command.slice(1), {
      env: { ...process.env, OTEL_METRICS_EXPORTER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMillis: Date.now() - started });
    });
  });
}

/** The last line of stdout, parsed as JSON (scenarios print their findings there). */
export function lastJson<T>(result: ChildResult): T {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`scenario printed no JSON result (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
