// What one read of a per-iteration histogram costs the main thread: the
// sampler's `readBuckets` (the same code that moves Node's own histogram into
// the window at every collection and every slot rotation) over
// `perf_hooks.createHistogram()`, which is Node's HDR histogram too, filled
// with iteration times of a chosen spread. Each `percentile()` call walks the
// HDR counts, so the cost follows how many of our ~4 % buckets the times fill.
//
//   node bench/readCost.mjs
import { createHistogram } from 'node:perf_hooks';
import { ensureBuilt, SNAPSHOT_ENTRY } from './lib/build.mjs';

ensureBuilt(() => {});
const { readBuckets } = await import(new URL('internal/IterationDelaySampler.js', SNAPSHOT_ENTRY).href);

/** A fixed pseudo-random sequence in [0, 1), so every run reads the same times. */
function sequence(seed) {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const CASES = [
  { samples: 10_000, label: '20-40 µs (one octave)', from: 20_000, to: 40_000 },
  { samples: 10_000, label: '5 µs-100 ms, log-uniform', from: 5_000, to: 100e6 },
  { samples: 100_000, label: '5 µs-100 ms, log-uniform', from: 5_000, to: 100e6 },
];
const ROUNDS = 20;
console.log(`Node ${process.version}; each figure the mean of ${ROUNDS} reads`);
for (const { samples, label, from, to } of CASES) {
  const random = sequence(7);
  const histogram = createHistogram();
  for (let i = 0; i < samples; i++) histogram.record(Math.max(1, Math.round(from * (to / from) ** random())));
  let calls = 0;
  const counted = { count: histogram.count, percentile: (p) => (calls++, histogram.percentile(p)) };
  let adds = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) readBuckets(counted, histogram.count, () => adds++);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / ROUNDS;
  console.log(
    `${String(samples).padStart(7)} iterations, ${label}: ${calls / ROUNDS} percentile() calls, ${adds / ROUNDS} bucket additions, ${(micros / 1000).toFixed(1)} ms a read`,
  );
}
