// What a contender allocates between collections: the JavaScript heap a
// process fills while idle, over `seconds`, after one collection. Samplers
// that run JavaScript on a timer allocate on every tick; that garbage brings
// the next scavenge closer, and scavenges land in whatever runs next,
// collections included. Run with --expose-gc and a young generation large
// enough that no GC happens in the window (the result says if one did).
// The CPU the process uses in the same window (all threads) is what the
// samplers' wake-ups cost a service that is otherwise idle.
// argv: contender seconds
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const contender = await setup(name);
await contender.collect();
await sleep(1000);
globalThis.gc();
await sleep(100); // the forced GC's own entry is delivered in a later task
let collections = 0;
const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
observer.observe({ entryTypes: ['gc'] });
const start = getHeapStatistics().used_heap_size;
const cpuStart = process.cpuUsage();
await sleep(seconds * 1000);
const cpu = process.cpuUsage(cpuStart);
const end = getHeapStatistics().used_heap_size;
observer.disconnect();
reply({ name, seconds, bytesPerSecond: (end - start) / seconds, cpuMicrosPerSecond: (cpu.user + cpu.system) / seconds, gcs: collections });
