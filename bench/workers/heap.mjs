// Heap retained by a contender: used heap after forced GC, before it is set
// up (every module already imported), after `first` collections and after
// `second`. Each collection is a reader.collect() (prom-client:
// getMetricsAsJSON()); every 100 the loop yields to timers so samplers and
// observers run as in a real process. Run with --expose-gc.
// argv: contender first second
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../lib/contenders.mjs';
import { PROMETHEUS_TEXT_ENTRY, SNAPSHOT_ENTRY } from '../lib/build.mjs';
import { reply } from '../lib/child.mjs';

const [name, firstArg, secondArg] = process.argv.slice(2);
const first = Number(firstArg);
const second = Number(secondArg);

async function usedAfterGc() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(10);
  }
  // Compiled code (JIT and baseline) has a space of its own; bytecode and
  // feedback live in old space with the data, so "code" is a lower bound.
  const code = getHeapSpaceStatistics()
    .filter((space) => space.space_name.startsWith('code'))
    .reduce((sum, space) => sum + space.space_used_size, 0);
  return { used: getHeapStatistics().used_heap_size, code };
}

// Import everything setup() will need, so that code is in the baseline.
await Promise.all([
  import('@opentelemetry/sdk-metrics'),
  import('@opentelemetry/exporter-prometheus'),
  import('@opentelemetry/otlp-transformer'),
  name === 'prom-client' ? import('prom-client') : undefined,
  name === 'runtime-node' ? import('@opentelemetry/instrumentation-runtime-node') : undefined,
  name.startsWith('nodevitals') ? import(SNAPSHOT_ENTRY) : undefined,
  name.startsWith('nodevitals') ? import(PROMETHEUS_TEXT_ENTRY) : undefined,
]);
const before = await usedAfterGc();
const contender = await setup(name);
// Used heap after forced GCs still moves by ~0.1-0.2 MB from one reading to
// the next (what V8 has compiled, flushed or kept at that moment), so each
// figure is the median of three readings, 100 collections apart.
const READINGS = 3;
const samples = { [first]: [], [second]: [] };
for (let i = 1; i <= second + (READINGS - 1) * 100; i++) {
  await contender.collect();
  if (i % 100 === 0) await sleep(1);
  for (const at of [first, second]) {
    if (i >= at && (i - at) % 100 === 0 && samples[at].length < READINGS) samples[at].push(await usedAfterGc());
  }
}
const middle = (values, key) => values.map((value) => value[key]).sort((a, b) => a - b)[Math.floor(values.length / 2)];
const readings = {};
for (const at of [first, second]) readings[at] = { used: middle(samples[at], 'used'), code: middle(samples[at], 'code') };
reply({
  name,
  first,
  second,
  before: before.used,
  retainedFirst: readings[first].used - before.used,
  retainedSecond: readings[second].used - before.used,
  growth: readings[second].used - readings[first].used,
  codeFirst: readings[first].code - before.code,
  codeSecond: readings[second].code - before.code,
});
