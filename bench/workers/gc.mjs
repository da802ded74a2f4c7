// GC accuracy. Run with --expose-gc --trace-gc: an independent
// PerformanceObserver counts and sums every `gc` entry, the contender does
// its own thing, and V8's trace goes to stdout between two markers so the
// parent can sum the same pauses from V8's side. The workload makes many
// scavenges, some promotion and a few full collections.
// argv: contender rounds
import { writeSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, roundsArg] = process.argv.slice(2);
const contender = await setup(name);
const GC_TYPE = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
const entries = { count: 0, sumMillis: 0, byType: {} };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const type = GC_TYPE[entry.detail?.kind] ?? 'major';
    entries.count++;
    entries.sumMillis += entry.duration;
    entries.byType[type] ??= { count: 0, sumMillis: 0 };
    entries.byType[type].count++;
    entries.byType[type].sumMillis += entry.duration;
  }
});
// Compare deltas over one stretch. Entries reach every observer in a later
// task, so after the sleeps both sides have seen the same entries; a GC
// during either read() is delivered after it, to both, and the trace markers
// bracket exactly the same stretch.
observer.observe({ entryTypes: ['gc'] });
await sleep(150);
const copy = () => JSON.parse(JSON.stringify(entries));
writeSync(1, 'BENCH-GC-START\n');
const entriesBefore = copy();
const baseline = (await contender.read()).gc;
let keep = [];
for (let round = 0; round < Number(roundsArg); round++) {
  for (let i = 0; i < 20_000; i++) {
    const garbage = { round, i, text: 'x'.repeat(i % 64), list: [i, i + 1, i + 2] };
    if (i % 10 === 0) keep.push(garbage);
  }
  if (keep.length > 200_000) keep = [];
  if (round % 50 === 49) globalThis.gc();
  await new Promise((resolve) => setImmediate(resolve));
}
keep = [];
await sleep(200); // observers get their last batches
writeSync(1, 'BENCH-GC-END\n');
const entriesAfter = copy();
const final = (await contender.read()).gc;
observer.disconnect();
const reported = {};
for (const [type, value] of Object.entries(final)) {
  const before = baseline[type] ?? { count: 0, sum: 0 };
  reported[type] = { count: value.count - before.count, sumMillis: (value.sum - before.sum) * 1000 };
}
const observed = { count: entriesAfter.count - entriesBefore.count, sumMillis: entriesAfter.sumMillis - entriesBefore.sumMillis, byType: {} };
for (const [type, value] of Object.entries(entriesAfter.byType)) {
  const before = entriesBefore.byType[type] ?? { count: 0, sumMillis: 0 };
  observed.byType[type] = { count: value.count - before.count, sumMillis: value.sumMillis - before.sumMillis };
}
reply({ name, observed, reported });
