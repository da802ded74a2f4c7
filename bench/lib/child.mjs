// Parent/child plumbing: every measurement runs in a fresh `node` process
// and hands its result back over IPC, so stdout stays free for --trace-gc.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKERS = fileURLToPath(new URL('../workers/', import.meta.url));

/** Starts a worker; resolves the returned handle's `result` with its final message. */
export function startWorker(name, args = [], { execArgv = [], captureStdout = false, timeoutMillis = 600_000, execPath } = {}) {
  const child = fork(WORKERS + name + '.mjs', args.map(String), {
    execArgv,
    ...(execPath && { execPath }),
    stdio: ['ignore', captureStdout ? 'pipe' : 'inherit', 'inherit', 'ipc'],
  });
  let stdout = '';
  if (captureStdout) child.stdout.on('data', (chunk) => (stdout += chunk));
  const listeners = [];
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const result = new Promise((resolve, reject) => {
    let last;
    child.on('message', (message) => {
      if (message?.type === 'result') last = message.data;
      for (const listener of listeners) listener(message);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (last !== undefined && code === 0) resolve({ data: last, stdout });
      else reject(new Error(`worker ${name} ${args.join(' ')} exited with ${signal ?? code}`));
    });
  });
  result.catch(() => {});
  const next = (type) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (message?.type === type) {
          listeners.splice(listeners.indexOf(listener), 1);
          resolve(message);
        }
      };
      listeners.push(listener);
    });
  return { child, result, next, send: (message) => child.send(message) };
}

export async function runWorker(name, args, options) {
  return (await startWorker(name, args, options).result).data;
}

/** For workers: report the result and leave. */
export function reply(data) {
  process.send({ type: 'result', data }, () => process.exit(0));
}
