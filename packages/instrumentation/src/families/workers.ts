import type { BatchObservableResult, Observable } from '@opentelemetry/api';
import { METRICS } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded, observeFinite } from '../internal/safeObserve.js';
import { WorkerRegistry, type TrackedWorker } from '../internal/WorkerRegistry.js';
import { createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

/**
 * Every worker thread this thread creates, seen from here: Node publishes
 * each new Worker on the `worker_threads` diagnostics channel, so nothing is
 * wrapped or patched. Per worker: event-loop time (read synchronously),
 * heap used and limit and CPU time (answered by the worker asynchronously,
 * so reported as of the previous collection; the limit from resourceLimits
 * where the worker cannot answer). A
 * worker that exits is no longer observed. Workers created before the
 * family starts, or by other workers, are not seen here (a worker running
 * the instrumentation itself reports its own nested workers).
 */
export class WorkersFamily implements MetricFamily {
  readonly name = 'workers';
  private readonly observeWorkers;
  private readonly registry: WorkerRegistry;
  private readonly instruments: Record<'count' | 'eventLoopTime' | 'heapUsed' | 'heapLimit' | 'cpuTime', Observable>;
  private readonly registration: BatchRegistration;
  private unsubscribe: (() => void) | undefined;

  constructor(context: FamilyContext) {
    const { runtime, meter } = context;
    this.observeWorkers = requireSource(runtime.observeWorkers, "diagnostics_channel 'worker_threads'");
    this.registry = new WorkerRegistry(runtime.now, context.logger);
    this.instruments = {
      count: createObservable(meter, METRICS.workerCount),
      eventLoopTime: createObservable(meter, METRICS.workerEventLoopTime),
      heapUsed: createObservable(meter, METRICS.workerHeapUsed),
      heapLimit: createObservable(meter, METRICS.workerHeapLimit),
      cpuTime: createObservable(meter, METRICS.workerCpuTime),
    };
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'worker collection', (result: BatchObservableResult) => this.collect(result)),
      Object.values(this.instruments),
    );
  }

  enable(): void {
    this.unsubscribe ??= this.observeWorkers((worker) => this.registry.add(worker));
    this.registration.register();
  }

  disable(): void {
    this.registration.remove();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.registry.clear();
  }

  private collect(result: BatchObservableResult): void {
    observeFinite(result, this.instruments.count, this.registry.running);
    for (const entry of this.registry.workers()) {
      try {
        this.collectWorker(result, entry);
      } catch {
        // One worker's failed read (it is exiting) costs only its own values.
      }
      this.registry.refresh(entry);
    }
  }

  private collectWorker(result: BatchObservableResult, entry: TrackedWorker): void {
    const i = this.instruments;
    const { worker } = entry;
    const loop = worker.eventLoopUtilization();
    // After the exit Node answers zeros; keep the highest reading so the counter never goes back.
    entry.eventLoop = {
      idle: Math.max(entry.eventLoop.idle, finiteOr(loop.idle, 0)),
      active: Math.max(entry.eventLoop.active, finiteOr(loop.active, 0)),
    };
    observeFinite(result, i.eventLoopTime, entry.eventLoop.active / 1000, entry.active);
    observeFinite(result, i.eventLoopTime, entry.eventLoop.idle / 1000, entry.idle);
    // The worker's own V8 knows its limit; resourceLimits misses a process-wide --max-old-space-size.
    const limit = worker.heapStatistics ? entry.heapLimitBytes : worker.heapLimitBytes();
    observeFinite(result, i.heapLimit, limit, entry.thread);
    observeFinite(result, i.heapUsed, entry.heapUsedBytes, entry.thread);
    if (entry.cpu) {
      observeFinite(result, i.cpuTime, entry.cpu.user / 1e6, entry.user);
      observeFinite(result, i.cpuTime, entry.cpu.system / 1e6, entry.system);
    }
  }
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
