// Every family on, one collection, then count how often the main thread is
// woken while the process idles: each voluntary context switch is one sleep
// in epoll that something ended. An uninstrumented process reads ~0.2 a
// second; a 10 ms timer ~99.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '../../src/index';
import { samplesPerIteration } from '../../src/runtime';
import { TestReader } from '../helpers/collect';
import { mainThreadWakeups as wakeups } from '../helpers/wakeups';

const SECONDS = 3;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function main() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider });
  await sleep(200);
  await reader.metrics();
  await sleep(200);
  const before = wakeups();
  await sleep(SECONDS * 1000);
  const after = wakeups();
  handle.stop();
  await provider.shutdown();
  console.log(JSON.stringify({ perIteration: samplesPerIteration(), wakeupsPerSecond: (after - before) / SECONDS }));
}
void main();
