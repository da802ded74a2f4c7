// A process that either leaks (keeps a growing set of objects) or only churns
// (allocates as much, keeps nothing), with a major GC after each round: it
// prints what v8js.memory.heap.live and v8js.gc.major.last_time said after each.
// Run with --expose-gc; argv[2] is 'leak' or 'churn'.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { startRuntimeMetrics } from '../../src/index';
import { TestReader, sleep, valueOf } from '../helpers/collect';

const ROUNDS = 8;
/** Objects kept per round by the leak: about 4 MB of heap (two small objects each). */
const KEPT_PER_ROUND = 50_000;

const gc = (globalThis as { gc?: () => void }).gc!;
const retained: object[] = [];

function round(leak: boolean): void {
  // Garbage that the young generation mostly takes care of, the same in both modes.
  let garbage: object[] = [];
  for (let i = 0; i < 400_000; i++) {
    garbage.push({ i, text: `churn ${i}` });
    if (garbage.length >= 10_000) garbage = [];
  }
  if (leak) for (let i = 0; i < KEPT_PER_ROUND; i++) retained.push({ i, text: `kept ${retained.length}` });
}

async function main(): Promise<void> {
  const leak = process.argv[2] === 'leak';
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, heap: false, eventLoop: false, resources: false, process: false });
  const floors: number[] = [];
  const gcTimes: { before: number; after: number; reported: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    round(leak);
    const before = Date.now();
    gc();
    const after = Date.now();
    // Allocation right after the GC, before the observer runs: the reading must not count it.
    let young: object[] = [];
    for (let i = 0; i < 20_000; i++) young.push({ i });
    young = [];
    // The GC's entry reaches the observer a moment after the pause (a queued task): on a loaded machine that is
    // more than a few ms, so wait until the collection reports this GC, bounded, instead of assuming a delay.
    await sleep(30);
    let metrics = await reader.metrics();
    for (const until = Date.now() + 10_000; Date.now() < until; metrics = await reader.metrics()) {
      if ((valueOf(metrics, METRICS.lastMajorGc.name) ?? 0) * 1000 >= before - 5) break;
      await sleep(20);
    }
    floors.push(valueOf(metrics, METRICS.heapLive.name) ?? NaN);
    gcTimes.push({ before, after, reported: (valueOf(metrics, METRICS.lastMajorGc.name) ?? NaN) * 1000 });
  }
  handle.stop();
  await provider.shutdown();
  console.log(JSON.stringify({ floors, gcTimes, retained: retained.length }));
}

void main();
