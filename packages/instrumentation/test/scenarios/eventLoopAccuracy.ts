// Idle for 2 s, then stall the loop with 50 ms busy-waits every 200 ms, and
// report what the event-loop family says about each phase.
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

  let blocks = 0;
  const stall = setInterval(() => {
    blocks++;
    const start = performance.now();
    while (performance.now() - start < BLOCK_MILLIS);
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
