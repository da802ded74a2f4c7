import { readFileSync } from 'node:fs';

/**
 * The main thread's voluntary context switches so far: each is one sleep in
 * epoll that something ended. An uninstrumented idle process adds ~0.2 a
 * second; a 10 ms timer ~99.
 */
export function mainThreadWakeups(): number {
  const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
}
