// Idle for 2 s, then stall the loop for 50 ms every 200 ms, and report what
// the event-loop family says about each phase next to the stalls' own length.
//
// A 1 ms interval runs throughout: it times each stall independently of the
// stall's own clock (the longest gap between two of its fires), and it keeps
// the loop turning while "idle", as any server's housekeeping does. Where
// Node samples every loop iteration (24.21+, 26.5+) an idle loop with no
// timer at all runs no iteration and has nothing to report.
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
  const startedAt = performance.now();
  const handle = startRuntimeMetrics({ meterProvider: provider, gc: false, heap: false, process: false, resources: false });
  let lastFire = performance.now();
  let longestGap = 0;
  let longestStallGap = 0;
  let stalled = false;
  let gapsAbove25ms = 0;
  let gapsAbove100ms = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastFire);
    if (stalled) longestStallGap = Math.max(longestStallGap, now - lastFire);
    stalled = false;
    if (now - lastFire >= 25) gapsAbove25ms++;
    if (now - lastFire >= 100) gapsAbove100ms++;
    lastFire = now;
  }, 1);
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
    stalled = true;
    longestBlock = Math.max(longestBlock, performance.now() - start);
  }, 200);
  await sleep(3000);
  clearInterval(stall);
  await sleep(50);
  clearInterval(probe);
  const blocked = await reader.metrics();
  const distribution = histogramBuckets(blocked, 'nodejs.eventloop.delay.distribution');
  handle.stop();
  await provider.shutdown();
  console.log(
    JSON.stringify({
      blocks,
      seconds: (performance.now() - startedAt) / 1000,
      longestBlock: longestBlock / 1000,
      longestGap: longestGap / 1000,
      longestStallGap: longestStallGap / 1000,
      gapsAbove25ms,
      gapsAbove100ms,
      idle: {
        p50: valueOf(idle, 'nodejs.eventloop.delay.p50'),
        p99: valueOf(idle, 'nodejs.eventloop.delay.p99'),
        samples: idleSamples,
      },
      blocked: {
        max: valueOf(blocked, 'nodejs.eventloop.delay.max'),
        utilization: valueOf(blocked, 'nodejs.eventloop.utilization'),
        samples: distribution.count,
        distributionMax: distribution.max,
        samplesAbove25ms: distribution.countAbove(0.025),
        samplesAbove100ms: distribution.countAbove(0.1),
      },
    }),
  );
}
void main();
