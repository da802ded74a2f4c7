// A loop with nothing else to do: idle 2.5 s (long enough for the timer
// sampler of Node 22 to slow to one tick a second), then eight 50 ms stalls
// from timers of their own, 0.6 to 1.2 s apart so that they fall at every
// phase of the sampler's timer, then one collection. No probe interval runs
// (it would keep the loop turning and the sampler at 10 ms): each stall is
// timed by the stalling code itself, around an Atomics.wait (see
// eventLoopAccuracy.ts for why not a busy-wait), and again up to the check
// phase of its iteration (an immediate it schedules): the stall plus the rest
// of its iteration, which on a starved machine includes the time the process
// waited for a core. Every other iteration is timed too, by a check-phase
// callback of the scenario's own (an unref'd immediate that re-arms itself:
// it adds no iteration, so the sampler still slows), from the previous check
// phase minus the loop's idle time: on a starved machine the start-up
// iteration, or one the process spent waiting for a core, can be longer than
// any stall, and the sampler rightly reports it.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '../../src/index';
import { samplesPerIteration } from '../../src/runtime';
import { histogramBuckets } from './shared';
import { TestReader, valueOf } from '../helpers/collect';

const BLOCK_MILLIS = 50;
const GAPS_MILLIS = [730, 1170, 610, 890, 1030, 670, 950, 810];
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function main() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  let iterationAt = performance.now();
  let iterationIdle = performance.eventLoopUtilization().idle;
  let longestIteration = 0;
  let iterationsAbove25ms = 0;
  let watch: NodeJS.Immediate | undefined;
  const onCheckPhase = () => {
    const at = performance.now();
    const idle = performance.eventLoopUtilization().idle;
    const busy = at - iterationAt - (idle - iterationIdle);
    longestIteration = Math.max(longestIteration, busy);
    if (busy >= 25) iterationsAbove25ms++;
    iterationAt = at;
    iterationIdle = idle;
    watch = setImmediate(onCheckPhase).unref();
  };
  watch = setImmediate(onCheckPhase).unref();
  const handle = startRuntimeMetrics({ meterProvider: provider, gc: false, heap: false, process: false, resources: false });
  await sleep(2500);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const blocks: number[] = [];
  const iterations: number[] = [];
  for (const gap of GAPS_MILLIS) {
    await sleep(gap);
    const start = performance.now();
    setImmediate(() => iterations.push(performance.now() - start));
    Atomics.wait(cell, 0, 0, BLOCK_MILLIS);
    blocks.push(performance.now() - start);
  }
  // After a stall the sampler looks again within 100 ms.
  await sleep(300);
  clearImmediate(watch);
  const metrics = await reader.metrics();
  const distribution = histogramBuckets(metrics, 'nodejs.eventloop.delay.distribution');
  handle.stop();
  await provider.shutdown();
  console.log(
    JSON.stringify({
      perIteration: samplesPerIteration(),
      blocks: blocks.length,
      longestBlock: Math.max(...blocks) / 1000,
      shortestBlock: Math.min(...blocks) / 1000,
      longestStallIteration: Math.max(...iterations) / 1000,
      longestIteration: longestIteration / 1000,
      iterationsAbove25ms,
      max: valueOf(metrics, 'nodejs.eventloop.delay.max'),
      p50: valueOf(metrics, 'nodejs.eventloop.delay.p50'),
      samples: distribution.count,
      distributionMax: distribution.max,
      samplesAbove25ms: distribution.countAbove(0.025),
    }),
  );
}
void main();
