// Idle for 2 s, then stall the loop for 50 ms every 200 ms, and report what
// the event-loop family says about each phase next to the stalls' own length.
//
// A stall is an Atomics.wait, not a busy-wait: a loop polling
// performance.now() allocates, and on cold code the scavenges and the
// optimising compiler it triggers keep the loop busy for another 1-5 ms after
// the loop ends (seen on Node 20 and 26). That time is real, and the sampler
// reports it, but no clock in the scenario can measure it, so the stall would
// not be a known length. Atomics.wait allocates nothing and compiles nothing;
// it can oversleep, which is why each stall is timed.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '../../src/index';
import { histogramBuckets } from './shared';
import { TestReader, valueOf } from '../helpers/collect';

const BLOCK_MILLIS = 50;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function main() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, gc: false, heap: false, process: false, resources: false });
  await sleep(2000);
  const idle = await reader.metrics();
  const idleSamples = histogramBuckets(idle, 'nodejs.eventloop.delay.distribution').count;

  const cell = new Int32Array(new SharedArrayBuffer(4));
  let blocks = 0;
  let longestBlock = 0;
  const stall = setInterval(() => {
    blocks++;
    const start = performance.now();
    Atomics.wait(cell, 0, 0, BLOCK_MILLIS);
    longestBlock = Math.max(longestBlock, performance.now() - start);
  }, 200);
  await sleep(3000);
  clearInterval(stall);
  await sleep(50);
  const blocked = await reader.metrics();
  const distribution = histogramBuckets(blocked, 'nodejs.eventloop.delay.distribution');
  handle.stop();
  await provider.shutdown();
  console.log(
    JSON.stringify({
      blocks,
      longestBlock: longestBlock / 1000,
      idle: {
        p50: valueOf(idle, 'nodejs.eventloop.delay.p50'),
        p99: valueOf(idle, 'nodejs.eventloop.delay.p99'),
        samples: idleSamples,
      },
      blocked: {
        max: valueOf(blocked, 'nodejs.eventloop.delay.max'),
        utilization: valueOf(blocked, 'nodejs.eventloop.utilization'),
        samplesAbove25ms: distribution.countAbove(0.025),
        samplesAbove100ms: distribution.countAbove(0.1),
      },
    }),
  );
}
void main();
