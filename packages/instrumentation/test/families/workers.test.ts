import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregationTemporality, MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
import { ATTRIBUTES, METRICS } from '../../src/catalog';
import { startRuntimeMetrics, type RuntimeMetricsHandle } from '../../src/index';
import { ASYNC_READ_TIMEOUT_MILLIS, MAX_TRACKED_WORKERS } from '../../src/internal/WorkerRegistry';
import { DiagCapture, sleep, startHarness, TestReader, valueOf } from '../helpers/collect';
import { runScenario } from '../helpers/childProcess';
import { fakeRuntime } from '../helpers/fakeRuntime';
import { nodeRuntime } from '../../src/runtime';

const workersOnly = { heap: false, gc: false, eventLoop: false, resources: false, process: false, workers: true };

function start(temporality = AggregationTemporality.CUMULATIVE): {
  reader: TestReader;
  handle: RuntimeMetricsHandle;
  stop(): Promise<void>;
} {
  const reader = new TestReader(temporality);
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, ...workersOnly });
  return {
    reader,
    handle,
    async stop() {
      handle.stop();
      await provider.shutdown();
    },
  };
}

/** Values of a per-worker metric by thread id (and one more attribute when given). */
function byThread(metrics: Map<string, MetricData>, name: string, extra: Record<string, string> = {}): Map<number, number> {
  const values = new Map<number, number>();
  for (const point of metrics.get(name)?.dataPoints ?? []) {
    if (!Object.entries(extra).every(([key, value]) => point.attributes[key] === value)) continue;
    values.set(point.attributes[ATTRIBUTES.threadId] as number, point.value as number);
  }
  return values;
}

function seriesCount(metrics: Map<string, MetricData>): number {
  let count = 0;
  for (const metric of metrics.values()) count += metric.dataPoints.length;
  return count;
}

function online(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  });
}

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}

const BUSY = `
const { parentPort } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => { stop = true; });
(function spin() {
  const until = Date.now() + 200;
  while (Date.now() < until) {}
  if (!stop) setImmediate(spin); else parentPort.close();
})();`;
const IDLE = `
const { parentPort } = require('node:worker_threads');
const v8 = require('node:v8');
parentPort.on('message', () => parentPort.postMessage(v8.getHeapStatistics().heap_size_limit));
`;

describe('workers family: every worker thread, from the thread that created it', () => {
  it('is off by default: no worker series unless workers: true', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const handle = startRuntimeMetrics({ meterProvider: provider });
    const worker = new Worker('setTimeout(() => {}, 500)', { eval: true });
    try {
      await online(worker);
      const metrics = await reader.metrics();
      expect([...metrics.keys()].filter((name) => name.startsWith('nodejs.worker.'))).toEqual([]);
    } finally {
      await worker.terminate();
      handle.stop();
      await provider.shutdown();
    }
  });

  it('a busy worker reads as busy and an idle one as idle, each labelled with its thread.id and thread.name; heap and CPU plausible', async () => {
    const harness = start();
    const busy = new Worker(BUSY, { eval: true, name: 'busy-worker' });
    const idle = new Worker(IDLE, { eval: true, name: 'idle-worker', resourceLimits: { maxOldGenerationSizeMb: 48 } });
    try {
      await Promise.all([online(busy), online(idle)]);
      await harness.reader.metrics(); // asks the workers for heap and CPU
      await sleep(1500);
      const first = await harness.reader.metrics();
      await sleep(1000);
      const metrics = await harness.reader.metrics();
      expect(valueOf(metrics, METRICS.workerCount.name)).toBe(2);

      const names = new Map(
        metrics
          .get(METRICS.workerHeapLimit.name)!
          .dataPoints.map((point) => [point.attributes[ATTRIBUTES.threadId], point.attributes[ATTRIBUTES.threadName]]),
      );
      expect(names).toEqual(new Map([[busy.threadId, 'busy-worker'], [idle.threadId, 'idle-worker']]));

      // Utilization over the last second, from the cumulative event-loop times.
      const utilization = (threadId: number) => {
        const time = (snapshot: Map<string, MetricData>, state: string) =>
          byThread(snapshot, METRICS.workerEventLoopTime.name, { [ATTRIBUTES.eventLoopState]: state }).get(threadId)!;
        const active = time(metrics, 'active') - time(first, 'active');
        const idleTime = time(metrics, 'idle') - time(first, 'idle');
        return active / (active + idleTime);
      };
      expect(utilization(busy.threadId)).toBeGreaterThan(0.9);
      expect(utilization(idle.threadId)).toBeLessThan(0.1);

      // The heap limit is what the worker's own V8 says (resourceLimits: 48 MiB old generation + the young one).
      const ownLimit = await new Promise<number>((resolve) => {
        idle.once('message', resolve);
        idle.postMessage('limit?');
      });
      expect(byThread(metrics, METRICS.workerHeapLimit.name).get(idle.threadId)).toBe(ownLimit);
      expect(ownLimit).toBeGreaterThanOrEqual(48 * 1024 ** 2);

      const used = byThread(metrics, METRICS.workerHeapUsed.name);
      for (const worker of [busy, idle]) {
        expect(used.get(worker.threadId)).toBeGreaterThan(1024 ** 2);
        expect(used.get(worker.threadId)).toBeLessThan(byThread(metrics, METRICS.workerHeapLimit.name).get(worker.threadId)!);
      }
      // The busy worker spins until stopped; on a loaded shared 2-core machine 2.5 s of wall time
      // gave it under 0.1 s of CPU, so collect until it has had that much (60 s at most).
      const userCpu = (snapshot: Map<string, MetricData>) =>
        byThread(snapshot, METRICS.workerCpuTime.name, { [ATTRIBUTES.cpuMode]: 'user' });
      let user = userCpu(metrics);
      for (const deadline = Date.now() + 60_000; !(user.get(busy.threadId)! > 0.1) && Date.now() < deadline; ) {
        await sleep(500);
        user = userCpu(await harness.reader.metrics());
      }
      expect(user.get(busy.threadId)).toBeGreaterThan(0.1);
      expect(user.get(busy.threadId)).toBeGreaterThan(user.get(idle.threadId)!);
    } finally {
      busy.postMessage('stop');
      await Promise.all([exited(busy), idle.terminate()]);
      await harness.stop();
    }
  }, 90_000);

  it("a process-wide --max-old-space-size=300: the worker's limit is what its own V8 says (~300 MB), not its resourceLimits' default", async () => {
    const result = await runScenario(join(__dirname, '..', 'scenarios', 'workerHeapLimit.ts'), { nodeArgs: ['--max-old-space-size=300'] });
    expect(result.stderr).toBe('');
    const { reported, own, fromResourceLimits } = JSON.parse(result.stdout) as Record<string, number>;
    expect(reported).toBe(own);
    expect(own).toBeGreaterThanOrEqual(300 * 1024 ** 2);
    expect(own).toBeLessThan(600 * 1024 ** 2);
    // What resourceLimits alone would have said: the 4 GiB default.
    expect(fromResourceLimits).toBeGreaterThan(2 * own);
  });

  it('workers started and stopped: their series appear, and a worker that exits is no longer observed', async () => {
    // Delta temporality: the SDK exports only what the callback observed (under cumulative,
    // @opentelemetry/sdk-metrics 3.1 repeats sets no longer observed: opentelemetry-js #4096).
    const harness = start(AggregationTemporality.DELTA);
    const workers = [0, 1, 2].map((index) => new Worker('setInterval(() => {}, 1000)', { eval: true, name: `w${index}` }));
    try {
      await Promise.all(workers.map(online));
      const running = await harness.reader.metrics();
      expect([...byThread(running, METRICS.workerEventLoopTime.name).keys()].sort()).toEqual(workers.map((w) => w.threadId).sort());
      const gone = workers[1].threadId;
      await workers[1].terminate();
      const after = await harness.reader.metrics();
      for (const name of [METRICS.workerEventLoopTime.name, METRICS.workerHeapLimit.name, METRICS.workerHeapUsed.name, METRICS.workerCpuTime.name]) {
        expect(byThread(after, name).has(gone)).toBe(false);
      }
      expect(byThread(after, METRICS.workerEventLoopTime.name).size).toBe(2);
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
      await harness.stop();
    }
  });

  it(`1,000 short-lived workers: at most ${MAX_TRACKED_WORKERS} reported one by one, none left once they are gone, one warning`, async () => {
    const diag = new DiagCapture().install();
    const harness = start(AggregationTemporality.DELTA);
    const wave = 100;
    let most = 0;
    let mostCounted = 0;
    try {
      for (let started = 0; started < 1000; started += wave) {
        // Each wave holds 100 workers alive together (more than the cap), then lets them all exit.
        const workers = Array.from({ length: wave }, () => new Worker('require("node:worker_threads").parentPort.once("message", () => {})', { eval: true }));
        const metrics = await harness.reader.metrics();
        most = Math.max(most, byThread(metrics, METRICS.workerEventLoopTime.name).size);
        mostCounted = Math.max(mostCounted, valueOf(metrics, METRICS.workerCount.name) ?? 0);
        await Promise.all(workers.map((worker) => worker.terminate()));
      }
      const after = await harness.reader.metrics();
      expect(most).toBe(MAX_TRACKED_WORKERS);
      expect(mostCounted).toBe(wave);
      // Nothing per worker is left: one series, the count.
      expect(seriesCount(after)).toBe(1);
      expect(diag.matching(/more than 64 worker threads running/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  }, 120_000);

  it('stop() takes back every listener it put on a running worker, and the channel subscription', async () => {
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    const before = worker.listenerCount('exit');
    const harness = start();
    const tracked = new Worker('setInterval(() => {}, 1000)', { eval: true });
    const trackedBefore = tracked.listenerCount('exit');
    try {
      expect(trackedBefore).toBeGreaterThan(0);
      await harness.stop();
      expect(tracked.listenerCount('exit')).toBe(0);
      expect(worker.listenerCount('exit')).toBe(before);
      // After stop, a new worker is not followed.
      const later = new Worker('setInterval(() => {}, 1000)', { eval: true });
      expect(later.listenerCount('exit')).toBe(0);
      await later.terminate();
    } finally {
      await Promise.all([worker.terminate(), tracked.terminate()]);
    }
  });
});

describe('asynchronous reads never make a collection wait or pile up', () => {
  it(`a worker that never answers: collections return at once, one read in flight, a new one only after ${ASYNC_READ_TIMEOUT_MILLIS / 1000} s`, async () => {
    let clock = 0;
    let heapReads = 0;
    let cpuReads = 0;
    const observe = nodeRuntime().observeWorkers!;
    const runtime = fakeRuntime({
      now: () => clock,
      observeWorkers: (onWorker) =>
        observe((worker) =>
          onWorker({
            ...worker,
            heapStatistics: () => {
              heapReads++;
              return new Promise(() => {});
            },
            cpuUsage: () => {
              cpuReads++;
              return new Promise(() => {});
            },
          }),
        ),
    });
    const harness = startHarness(workersOnly, runtime);
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    try {
      await online(worker);
      for (let i = 0; i < 10; i++) {
        const metrics = await harness.readers[0].metrics();
        // The loop time is read synchronously and reported even while heap and CPU never answer.
        expect(byThread(metrics, METRICS.workerEventLoopTime.name).has(worker.threadId)).toBe(true);
        clock += 100;
      }
      expect({ heapReads, cpuReads }).toEqual({ heapReads: 1, cpuReads: 1 });
      clock += ASYNC_READ_TIMEOUT_MILLIS;
      await harness.readers[0].metrics();
      await harness.readers[0].metrics();
      expect({ heapReads, cpuReads }).toEqual({ heapReads: 2, cpuReads: 2 });
    } finally {
      await worker.terminate();
      await harness.stop();
    }
  });
});

describe('workers family where Node lacks an API', () => {
  it('without the worker_threads channel: the family is skipped with one diag line, the others stay', async () => {
    const diag = new DiagCapture().install();
    const harness = startHarness({ workers: true }, fakeRuntime({ observeWorkers: undefined }));
    try {
      expect(harness.runtimeMetrics.activeFamilies).toEqual(['heap', 'gc', 'eventLoop', 'resources', 'process']);
      expect(diag.matching(/workers metrics skipped: diagnostics_channel 'worker_threads' is not available/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });

  it('workers without getHeapStatistics() and cpuUsage(): those series skipped with one diag line each, loop time and limit stay', async () => {
    const diag = new DiagCapture().install();
    const observe = nodeRuntime().observeWorkers!;
    const runtime = fakeRuntime({
      observeWorkers: (onWorker) => observe((worker) => onWorker({ ...worker, heapStatistics: undefined, cpuUsage: undefined })),
    });
    const harness = startHarness(workersOnly, runtime);
    const workers = [new Worker('setInterval(() => {}, 1000)', { eval: true }), new Worker('setInterval(() => {}, 1000)', { eval: true })];
    try {
      await Promise.all(workers.map(online));
      await harness.readers[0].metrics();
      await sleep(100);
      const metrics = await harness.readers[0].metrics();
      expect(byThread(metrics, METRICS.workerEventLoopTime.name).size).toBe(2);
      expect(byThread(metrics, METRICS.workerHeapLimit.name).size).toBe(2);
      expect(metrics.has(METRICS.workerHeapUsed.name)).toBe(false);
      expect(metrics.has(METRICS.workerCpuTime.name)).toBe(false);
      expect(diag.matching(/nodejs\.worker\.heap\.used skipped: worker\.getHeapStatistics\(\) is not available/)).toHaveLength(1);
      expect(diag.matching(/nodejs\.worker\.cpu\.time skipped: worker\.cpuUsage\(\) is not available/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await Promise.all(workers.map((worker) => worker.terminate()));
      await harness.stop();
    }
  });
});

describe('the instrumentation running inside a worker', () => {
  const dist = join(__dirname, '..', '..', 'dist', 'cjs', 'index.js');
  const sdk = require.resolve('@opentelemetry/sdk-metrics');

  it("labels every series it reports with the worker's thread.id and thread.name", async () => {
    const code = `
const { parentPort, threadId } = require('node:worker_threads');
const { MeterProvider, MetricReader } = require(${JSON.stringify(sdk)});
const { startRuntimeMetrics } = require(${JSON.stringify(dist)});
class Reader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
const reader = new Reader();
const provider = new MeterProvider({ readers: [reader] });
const handle = startRuntimeMetrics({ meterProvider: provider });
setTimeout(async () => {
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.flatMap((metric) =>
    metric.dataPoints.map((point) => ({ name: metric.descriptor.name, thread: point.attributes['thread.id'], threadName: point.attributes['thread.name'] }))));
  handle.stop();
  await provider.shutdown();
  parentPort.postMessage({ threadId, points });
}, 300);`;
    const worker = new Worker(code, { eval: true, name: 'reporting-worker' });
    const expectedId = worker.threadId;
    // Listened for before the report: when the main thread gets to the report only after the
    // worker has ended (a loaded machine), Node delivers it while draining the worker's port
    // on exit and emits 'exit' in the same turn, before any later listener could be added.
    const exit = exited(worker);
    const { threadId, points } = await new Promise<{ threadId: number; points: { name: string; thread: unknown; threadName: unknown }[] }>(
      (resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before reporting`)));
      },
    );
    await exit;
    expect(threadId).toBe(expectedId);
    const names = new Set(points.map((point) => point.name));
    // The default families all report from inside the worker.
    for (const metric of [METRICS.heapUsed, METRICS.eventLoopUtilization, METRICS.cpuTime, METRICS.heapSpaceUsed]) {
      expect(names.has(metric.name)).toBe(true);
    }
    expect(points.filter((point) => point.thread !== threadId || point.threadName !== 'reporting-worker')).toEqual([]);
    // A loaded 2-core machine (load average 30+ while other jobs build) can take long to start a worker and load the SDK in it.
  }, 60_000);
});

describe('the host is never hurt by the worker registry', () => {
  it("a failure while registering a worker never reaches the app's new Worker() nor becomes an uncaught exception", async () => {
    const observe = nodeRuntime().observeWorkers!;
    const runtime = fakeRuntime({
      observeWorkers: (onWorker) =>
        observe((worker) =>
          onWorker({
            ...worker,
            onExit: () => {
              throw new Error('listener refused');
            },
          }),
        ),
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    const jestHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    const harness = startHarness(workersOnly, runtime);
    const worker = new Worker('setTimeout(() => {}, 200)', { eval: true });
    const exit = exited(worker); // before it can end: a loaded machine may take 200 ms to get here
    try {
      await online(worker);
      await sleep(50);
      expect(uncaught).toEqual([]);
      // The registry gave up on that worker: nothing per worker, the family keeps collecting.
      const metrics = await harness.readers[0].metrics();
      expect(byThread(metrics, METRICS.workerEventLoopTime.name).size).toBe(0);
      expect(await exit).toBe(0);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      for (const handler of jestHandlers) process.on('uncaughtException', handler);
      await harness.stop();
    }
  });
});
