// Run with --max-old-space-size: a worker started without resourceLimits gets
// that limit too (V8 flags are process-wide), though its resourceLimits still
// say the default. Prints the reported limit, the worker's own and resourceLimits'.
import { Worker } from 'node:worker_threads';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTRIBUTES, METRICS } from '../../src/catalog';
import { startRuntimeMetrics } from '../../src/index';
import { sleep, TestReader } from '../helpers/collect';

async function main(): Promise<void> {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, heap: false, gc: false, eventLoop: false, resources: false, process: false, workers: true });
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit); setInterval(() => {}, 1000);",
    { eval: true },
  );
  const own = await new Promise<number>((resolve) => worker.once('message', resolve));
  await reader.metrics();
  await sleep(200);
  const metrics = await reader.metrics();
  const point = metrics.get(METRICS.workerHeapLimit.name)?.dataPoints.find((candidate) => candidate.attributes[ATTRIBUTES.threadId] === worker.threadId);
  const limits = worker.resourceLimits!;
  console.log(
    JSON.stringify({
      reported: point?.value,
      own,
      fromResourceLimits: (limits.maxOldGenerationSizeMb! + limits.maxYoungGenerationSizeMb!) * 1024 * 1024,
    }),
  );
  await worker.terminate();
  handle.stop();
  await provider.shutdown();
}

void main();
