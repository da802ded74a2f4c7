// What a contender allocates between collections: the JavaScript heap a
// process fills while idle, over `seconds`, after one collection. Samplers
// that run JavaScript on a timer allocate on every tick; that garbage brings
// the next scavenge closer, and scavenges land in whatever runs next,
// collections included. Run with --expose-gc and a young generation large
// enough that no GC happens in the window (the result says if one did).
// The CPU the process uses in the same window (all threads, from the
// scheduler's nanosecond clock where /proc has it) is what the
// samplers' wake-ups cost a service that is otherwise idle; the main
// thread's voluntary context switches in the window count those wake-ups
// (each time the loop sleeps in epoll and something wakes it; an
// uninstrumented process reads ~0.2 a second, a 10 ms timer ~99).
// The window opens `warm` seconds after the collection (1 by default): a
// contender whose timers fire rarely (nodevitals' slot rotation, every 10 s)
// compiles and tiers up their code in their first few runs, a one-off that
// a short early window would read as a rate; past it, a window of a whole
// number of slots reads the steady state.
// argv: contender seconds [warm]
import { readdirSync, readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';
import { SNAPSHOT_ENTRY } from '../lib/build.mjs';

const [name, secondsArg, warmArg = '1'] = process.argv.slice(2);

/**
 * Nanoseconds all threads of this process have run so far, from the
 * scheduler's own clock (/proc/self/task/<tid>/schedstat; undefined without
 * it). getrusage (process.cpuUsage) counts in scheduler ticks on this kernel:
 * 10 ms grains, as much as a whole idle window's CPU.
 */
function cpuNanos() {
  try {
    let total = 0;
    for (const task of readdirSync('/proc/self/task')) {
      total += Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return Number.isFinite(total) ? total : undefined;
  } catch {
    return undefined;
  }
}

/** The main thread's voluntary context switches so far (undefined without /proc). */
function wakeups() {
  try {
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

const seconds = Number(secondsArg);
const contender = await setup(name);
await contender.collect();
await sleep(Number(warmArg) * 1000);
globalThis.gc();
await sleep(100); // the forced GC's own entry is delivered in a later task
let collections = 0;
const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
observer.observe({ entryTypes: ['gc'] });
const start = getHeapStatistics().used_heap_size;
const cpuStart = process.cpuUsage();
const nanosStart = cpuNanos();
const wakeupsStart = wakeups();
await sleep(seconds * 1000);
const wakeupsEnd = wakeups();
const nanosEnd = cpuNanos();
const cpu = process.cpuUsage(cpuStart);
const end = getHeapStatistics().used_heap_size;
observer.disconnect();
const schedstat = nanosStart !== undefined && nanosEnd !== undefined;
const { samplesPerIteration } = await import(new URL('runtime.js', SNAPSHOT_ENTRY).href);
reply({
  name,
  node: process.version,
  /** Whether this line has Node's own per-iteration histogram (nodevitals then runs no JavaScript per iteration). */
  nativePerIteration: samplesPerIteration(),
  seconds,
  bytesPerSecond: (end - start) / seconds,
  cpuMicrosPerSecond: schedstat ? (nanosEnd - nanosStart) / 1000 / seconds : (cpu.user + cpu.system) / seconds,
  cpuClock: schedstat ? 'schedstat' : 'getrusage',
  wakeupsPerSecond: wakeupsStart === undefined ? undefined : (wakeupsEnd - wakeupsStart) / seconds,
  gcs: collections,
});
