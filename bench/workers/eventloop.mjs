// Event-loop delay accuracy: block the loop for `blockMillis` (an
// Atomics.wait, timed with performance.now()) after an idle stretch, then read
// the contender's reported max. prom-client and runtime-node report Node's
// monitorEventLoopDelay as is, and reset it on every read; nodevitals
// reports a 60 s window, so its max is the largest block so far. A busy-wait
// would allocate, and on cold code its scavenges and compilation keep the
// loop busy for 1-5 ms after its own clock stops: a block of unknown length.
// argv: contender trials blockMillis
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, trialsArg, blockArg] = process.argv.slice(2);
const blockMillis = Number(blockArg);
const contender = await setup(name);
await sleep(500);
await contender.read(); // peers reset on read: start every trial clean
const trials = [];
const cell = new Int32Array(new SharedArrayBuffer(4));
let largest = 0;
for (let t = 0; t < Number(trialsArg); t++) {
  await sleep(300 + Math.random() * 20); // a random phase against the 10 ms sampling timers
  const start = performance.now();
  Atomics.wait(cell, 0, 0, blockMillis);
  const actual = performance.now() - start;
  largest = Math.max(largest, actual);
  await sleep(60);
  const { eventLoopMax } = await contender.read();
  trials.push({ blockMillis: actual, largestMillis: largest, reportedMillis: eventLoopMax * 1000 });
}
reply({ name, trials });
