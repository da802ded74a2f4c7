import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as workerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import type { HeapInfo } from 'node:v8';

/**
 * Node publishes every `new Worker()` on this channel, synchronously in the
 * constructor, in the thread that creates it (Node 22, 24 and 26 checked).
 * Subscribing sees workers without wrapping the Worker class.
 */
const WORKER_CHANNEL = 'worker_threads';

/** One worker thread as the thread that created it sees it. */
export interface WorkerThread {
  /** Node's threadId, read when the worker was created (it reads -1 after the exit). */
  readonly threadId: number;
  /** The worker's `name` option ('' or 'WorkerThread' when none was given, depending on the line). */
  readonly threadName: string;
  /** Cumulative idle and active milliseconds of the worker's event loop. */
  eventLoopUtilization(): { idle: number; active: number };
  /**
   * The worker's heap limit in bytes from its resourceLimits, undefined once it has exited. Only a
   * fallback: a process-wide --max-old-space-size applies to workers too, and resourceLimits does not show it.
   */
  heapLimitBytes(): number | undefined;
  /** Asks the worker thread for its heap statistics (answered asynchronously); absent on lines without it. */
  heapStatistics?: () => Promise<HeapInfo>;
  /** The worker thread's CPU time in microseconds (asynchronous); absent on lines without it. */
  cpuUsage?: () => Promise<NodeJS.CpuUsage>;
  /** Calls `listener` once when the worker exits; returns the removal. */
  onExit(listener: () => void): () => void;
}

/** The thread this code runs on, where that is a worker. */
export interface CurrentThread {
  readonly id: number;
  readonly name: string;
}

type NewerWorker = Worker & {
  threadName?: string;
  getHeapStatistics?: () => Promise<HeapInfo>;
  cpuUsage?: () => Promise<NodeJS.CpuUsage>;
};

const MEBIBYTE = 1024 * 1024;

function asWorkerThread(worker: NewerWorker): WorkerThread {
  const id = worker.threadId;
  const name = typeof worker.threadName === 'string' ? worker.threadName : '';
  const heapStatistics = worker.getHeapStatistics;
  const cpuUsage = worker.cpuUsage;
  return {
    threadId: id,
    threadName: name,
    eventLoopUtilization: () => worker.performance.eventLoopUtilization(),
    heapLimitBytes: () => {
      const limits = worker.resourceLimits;
      if (!limits?.maxOldGenerationSizeMb || !limits.maxYoungGenerationSizeMb) return undefined;
      return (limits.maxOldGenerationSizeMb + limits.maxYoungGenerationSizeMb) * MEBIBYTE;
    },
    heapStatistics: typeof heapStatistics === 'function' ? () => heapStatistics.call(worker) : undefined,
    cpuUsage: typeof cpuUsage === 'function' ? () => cpuUsage.call(worker) : undefined,
    onExit: (listener) => {
      worker.once('exit', listener);
      return () => worker.removeListener('exit', listener);
    },
  };
}

/** Calls `onWorker` for every worker this thread creates from now on; returns the unsubscribe. */
export function observeWorkers(onWorker: (worker: WorkerThread) => void): () => void {
  const listener = (message: unknown): void => {
    // Runs inside the app's `new Worker()`; diagnostics_channel turns a subscriber's exception into an
    // uncaught exception of the host, so nothing may escape.
    try {
      const worker = (message as { worker?: NewerWorker } | null)?.worker;
      if (worker && typeof worker.threadId === 'number') onWorker(asWorkerThread(worker));
    } catch {
      // This worker goes unreported; the app's worker is unaffected.
    }
  };
  subscribe(WORKER_CHANNEL, listener);
  return () => {
    unsubscribe(WORKER_CHANNEL, listener);
  };
}

/** The current thread when it is a worker, else undefined (the main thread needs no label). */
export function currentWorkerThread(): CurrentThread | undefined {
  if (workerThreads.isMainThread) return undefined;
  const name = (workerThreads as { threadName?: unknown }).threadName;
  return { id: workerThreads.threadId, name: typeof name === 'string' ? name : '' };
}
