import type { Attributes, DiagLogger } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import type { WorkerThread } from './workerThreads.js';

/**
 * Workers reported one by one at most, 6 series each: a pool bigger than
 * this is rare, and an app that starts workers without end must not make
 * the series and this registry grow with it. Workers past the cap still
 * count in `nodejs.worker.count`.
 */
export const MAX_TRACKED_WORKERS = 64;
/**
 * A worker answers heap and CPU reads asynchronously, from its own thread.
 * One read per worker is in flight at a time; one that has not answered
 * after this long no longer holds the next back (a worker stuck in native
 * code never answers).
 */
export const ASYNC_READ_TIMEOUT_MILLIS = 5_000;

/** What is known of one tracked worker, and the attribute sets it is reported with (built once). */
export interface TrackedWorker {
  readonly worker: WorkerThread;
  readonly thread: Attributes;
  readonly active: Attributes;
  readonly idle: Attributes;
  readonly user: Attributes;
  readonly system: Attributes;
  /** Highest event-loop times seen, milliseconds: a counter never goes back. */
  eventLoop: { idle: number; active: number };
  /** From the last heap read that answered. */
  heapUsedBytes?: number;
  heapLimitBytes?: number;
  /** From the last CPU read that answered, microseconds. */
  cpu?: NodeJS.CpuUsage;
  readStartedAt?: number;
}

/**
 * The workers this thread created and that still run: added when Node
 * publishes one, removed on its exit, at most MAX_TRACKED_WORKERS of them
 * tracked. Reads that the worker answers asynchronously are started here
 * and their answers kept for the next collection, so a collection never
 * waits on a worker.
 */
export class WorkerRegistry {
  private readonly tracked = new Map<number, TrackedWorker>();
  /** Exit-listener removals of running workers past the cap: counted, not reported one by one. */
  private readonly untracked = new Set<() => void>();
  private readonly removals = new Map<number, () => void>();
  private warnedCap = false;
  private readonly missing = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly logger: DiagLogger,
  ) {}

  /** Workers running: tracked or past the cap. */
  get running(): number {
    return this.tracked.size + this.untracked.size;
  }

  workers(): IterableIterator<TrackedWorker> {
    return this.tracked.values();
  }

  add(worker: WorkerThread): void {
    if (this.tracked.has(worker.threadId)) return;
    if (this.tracked.size >= MAX_TRACKED_WORKERS) {
      if (!this.warnedCap) {
        this.warnedCap = true;
        this.logger.warn(
          `more than ${MAX_TRACKED_WORKERS} worker threads running: the others are counted in the worker count but not reported one by one`,
        );
      }
      const removal = worker.onExit(() => this.untracked.delete(removal));
      this.untracked.add(removal);
      return;
    }
    // The exit listener first: a worker that cannot be followed to its exit is never tracked (it would stay forever).
    const removal = worker.onExit(() => this.forget(worker.threadId));
    this.noteMissing(worker);
    const thread = Object.freeze({ [ATTRIBUTES.threadId]: worker.threadId, [ATTRIBUTES.threadName]: worker.threadName });
    const labelled = (key: string, value: string): Attributes => Object.freeze({ ...thread, [key]: value });
    this.removals.set(worker.threadId, removal);
    this.tracked.set(worker.threadId, {
      worker,
      thread,
      active: labelled(ATTRIBUTES.eventLoopState, 'active'),
      idle: labelled(ATTRIBUTES.eventLoopState, 'idle'),
      user: labelled(ATTRIBUTES.cpuMode, 'user'),
      system: labelled(ATTRIBUTES.cpuMode, 'system'),
      eventLoop: { idle: 0, active: 0 },
    });
  }

  /** Stops following every worker: no listener of ours is left on any of them. */
  clear(): void {
    for (const removal of [...this.removals.values(), ...this.untracked]) removal();
    this.removals.clear();
    this.untracked.clear();
    this.tracked.clear();
  }

  /** Starts the worker's asynchronous reads unless one is still in flight and young. */
  refresh(entry: TrackedWorker): void {
    const now = this.now();
    if (entry.readStartedAt !== undefined && now - entry.readStartedAt < ASYNC_READ_TIMEOUT_MILLIS) return;
    const { worker } = entry;
    if (!worker.heapStatistics && !worker.cpuUsage) return;
    entry.readStartedAt = now;
    const reads: Promise<unknown>[] = [];
    if (worker.heapStatistics) {
      reads.push(
        attemptAsync(worker.heapStatistics).then((heap) => {
          if (typeof heap?.used_heap_size === 'number') entry.heapUsedBytes = heap.used_heap_size;
          if (typeof heap?.heap_size_limit === 'number') entry.heapLimitBytes = heap.heap_size_limit;
        }),
      );
    }
    if (worker.cpuUsage) {
      reads.push(
        attemptAsync(worker.cpuUsage).then((cpu) => {
          if (!cpu || typeof cpu.user !== 'number' || typeof cpu.system !== 'number') return;
          // A counter never goes back, whatever order two answers arrive in.
          const before = entry.cpu;
          entry.cpu = before ? { user: Math.max(before.user, cpu.user), system: Math.max(before.system, cpu.system) } : cpu;
        }),
      );
    }
    void Promise.all(reads).then(() => {
      entry.readStartedAt = undefined;
    });
  }

  private forget(threadId: number): void {
    this.tracked.delete(threadId);
    this.removals.delete(threadId);
  }

  /** Says once per API which per-worker series this Node cannot give. */
  private noteMissing(worker: WorkerThread): void {
    const gaps: [string, unknown, string][] = [
      ['worker.getHeapStatistics()', worker.heapStatistics, METRICS.workerHeapUsed.name],
      ['worker.cpuUsage()', worker.cpuUsage, METRICS.workerCpuTime.name],
    ];
    for (const [api, source, metric] of gaps) {
      if (source || this.missing.has(api)) continue;
      this.missing.add(api);
      this.logger.debug(`${metric} skipped: ${api} is not available`);
    }
  }
}

/** A read the worker answers later, as undefined when it fails (the worker exited meanwhile, say). */
async function attemptAsync<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}
