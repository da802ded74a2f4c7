// Prints what the heap family reports as the old generation's limit beside the
// heap limit, in this process and, with IN_WORKER=<MiB>, in a worker thread
// started with that maxOldGenerationSizeMb (the instrumentation running inside it).
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { startRuntimeMetrics } from '../../src/index';
import { TestReader, valueOf } from '../helpers/collect';

async function measure(): Promise<{ oldGenerationLimit: number | undefined; heapLimit: number }> {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, gc: false, eventLoop: false, resources: false, process: false });
  const metrics = await reader.metrics();
  handle.stop();
  await provider.shutdown();
  return { oldGenerationLimit: valueOf(metrics, METRICS.heapOldGenerationLimit.name), heapLimit: getHeapStatistics().heap_size_limit };
}

async function main(): Promise<void> {
  if (!isMainThread) {
    parentPort!.postMessage(await measure());
    return;
  }
  const inWorker = process.env.IN_WORKER;
  if (inWorker === undefined) {
    console.log(JSON.stringify(await measure()));
    return;
  }
  const worker = new Worker(__filename, {
    execArgv: [...process.execArgv],
    resourceLimits: { maxOldGenerationSizeMb: Number(inWorker) },
    workerData,
  });
  console.log(JSON.stringify(await new Promise((resolve) => worker.once('message', resolve))));
  await worker.terminate();
}

void main();
