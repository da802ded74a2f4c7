import { AsyncResource } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as timers from 'node:timers';
import { monitorEventLoopDelay, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { subscribe as diagnosticsChannelSubscribe } from 'node:diagnostics_channel';
import { totalmem } from 'node:os';
import * as v8 from 'node:v8';
import { isMainThread, resourceLimits } from 'node:worker_threads';
import { CheckPhaseClock, CheckPhaseHistogram } from './internal/CheckPhaseHistogram.js';
import { openFileDescriptorCounter, type FileDescriptorCounter } from './internal/FileDescriptorCounter.js';
import { realMemoryLimit } from './internal/memoryLimit.js';
import { configuredOldGenerationBytes, splitNodeOptions } from './internal/oldGeneration.js';
import { currentWorkerThread, observeWorkers, type CurrentThread, type WorkerThread } from './internal/workerThreads.js';

export type { CurrentThread, WorkerThread };

/** One `gc` performance entry, reduced to what the GC family needs. */
export interface GcEntry {
  /** V8's GCType bit (`entry.detail.kind`). */
  readonly kind: number;
  /** Pause duration in milliseconds. */
  readonly duration: number;
  /** When the pause ended, Unix time in milliseconds. */
  readonly endedAtMillis?: number;
}

/** Threads and virtual memory of the process, from /proc (Linux). */
export interface ProcessStatus {
  readonly virtualMemoryBytes?: number;
  readonly threads?: number;
}

/** Bytes the process made the storage layer move, from /proc/self/io (Linux). */
export interface DiskIo {
  readonly readBytes: number;
  readonly writeBytes: number;
}

/** libuv's cumulative loop counters (`performance.nodeTiming.uvMetricsInfo`). */
export interface LoopCounters {
  readonly loopCount: number;
  readonly events: number;
  readonly eventsWaiting: number;
}

export type TimerHandle = object;

/** A histogram of each loop iteration's busy time, in nanoseconds: Node's native one, or its JavaScript rebuild. */
export interface IterationHistogram {
  enable(): void;
  disable(): void;
  reset(): void;
  readonly count: number;
  /** The value at `percentile` (0 < percentile <= 100), nanoseconds. */
  percentile(percentile: number): number;
}

/**
 * Everything the families read from the runtime. Each source is optional:
 * a runtime without it (an old Node, Bun, Deno) leaves it out and the family
 * that needs it is skipped. Tests inject fakes here instead of patching globals.
 */
export interface RuntimeSources {
  /** Monotonic clock, milliseconds. */
  now(): number;
  /**
   * A repeating timer that never keeps the process alive: `callback` runs
   * every `everyMillis`, each period counted from when the previous one fired.
   */
  setRepeatingTimer(callback: () => void, everyMillis: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /**
   * A new per-iteration histogram: one sample per loop iteration, Node's own
   * where it has one (24.21+, 26.5+), timed from the check phase elsewhere.
   * Left out where neither exists (a runtime without immediates).
   */
  iterationHistogram?: () => IterationHistogram;
  /**
   * A new native histogram of how late Node's own libuv timer fires every
   * `resolutionMillis` (`monitorEventLoopDelay`): health's delay source where
   * there is no per-iteration histogram. Not a JavaScript timer, never holds the process.
   */
  timerDelayHistogram?: (resolutionMillis: number) => IterationHistogram;
  /** Runs `callback` once, in the check phase of the current loop iteration; returns its cancel. */
  onCheckPhase?: (callback: () => void) => () => void;
  eventLoopUtilization?: () => { idle: number; active: number };
  /** Milliseconds the event loop has spent idle since it started, on the `now()` clock's scale. */
  eventLoopIdleMillis?: () => number;
  heapStatistics?: () => v8.HeapInfo;
  heapSpaceStatistics?: () => v8.HeapSpaceInfo[];
  /**
   * Bytes the old generation may grow to where this thread's flags
   * (`--max-old-space-size`, `--max-old-space-size-percentage`) or its
   * Worker's resourceLimits set it; undefined where V8 picked it.
   */
  configuredOldGeneration?: () => number | undefined;
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** Subscribes to every `gc` entry of every observer batch; returns the unsubscribe. */
  observeGc?: (onEntries: (entries: readonly GcEntry[]) => void) => () => void;
  activeResources?: () => string[];
  resourceUsage?: () => NodeJS.ResourceUsage;
  rss?: () => number;
  uptime?: () => number;
  /** Opens a counter of the process's open descriptors (the process family holds one while enabled). */
  fileDescriptorCounter?: () => FileDescriptorCounter;
  fileDescriptorLimit?: () => number | undefined;
  /** The OS memory limit of the process (cgroup); 0 or a huge value (2^64 unconstrained) means none. */
  constrainedMemory?: () => number;
  /** Bytes the process can still use under its limit, or the free system memory. */
  availableMemory?: () => number;
  processStatus?: () => ProcessStatus;
  /** CPUs the process may run on (libuv: the affinity mask, capped by a cgroup CPU quota). */
  availableParallelism?: () => number;
  diskIo?: () => DiskIo;
  /** CPU time of the current thread, microseconds. */
  threadCpuUsage?: () => NodeJS.CpuUsage;
  loopCounters?: () => LoopCounters;
  /** Calls back with every worker thread this thread creates from now on; returns the unsubscribe. */
  observeWorkers?: (onWorker: (worker: WorkerThread) => void) => () => void;
  /** The thread running this code where it is a worker (its series are labelled with it); undefined on the main thread. */
  currentThread?: CurrentThread;
}

type GcPerformanceEntry = PerformanceEntry & { detail?: { kind?: number } | null; kind?: number };

function gcKind(entry: GcPerformanceEntry): number {
  // `detail.kind` since Node 16; reading `entry.kind` there prints a deprecation warning.
  const detail = entry.detail;
  if (detail && typeof detail.kind === 'number') return detail.kind;
  return typeof entry.kind === 'number' ? entry.kind : 0;
}

function observeGc(onEntries: (entries: readonly GcEntry[]) => void): () => void {
  const observer = new PerformanceObserver((list) => {
    const entries = list.getEntries() as GcPerformanceEntry[];
    // Wall clock of the monotonic origin, taken now rather than from performance.timeOrigin: Node reads the
    // origin's monotonic and wall clocks at start-up one after the other (a preempted start-up puts ms between
    // them), and the two clocks drift apart over a long-lived process as NTP adjusts the wall clock.
    const wallOrigin = Date.now() - performance.now();
    const batch: GcEntry[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      batch[i] = {
        kind: gcKind(entry),
        duration: entry.duration,
        endedAtMillis: wallOrigin + entry.startTime + entry.duration,
      };
    }
    onEntries(batch);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function readFileDescriptorLimit(): number | undefined {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const line = limits.split('\n').find((row) => row.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return Number.isFinite(value) ? value : undefined;
}

/** The number on a `key: 1234` line of a /proc file (a `kB` after it read as bytes). */
function procField(status: string, key: string): number | undefined {
  const start = status.indexOf(`\n${key}:`);
  if (start < 0) return undefined;
  const end = status.indexOf('\n', start + 1);
  const line = status.slice(start + key.length + 2, end < 0 ? undefined : end);
  const match = /^\s*(\d+)(\s*kB)?/.exec(line);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? 1024 : 1);
}

/**
 * Threads and virtual size from /proc/self/stat: the same figures as
 * /proc/self/status's Threads and VmSize, from a file the kernel builds with
 * less work. Fields are counted after the command name's closing parenthesis
 * (the name may hold spaces and parentheses itself).
 */
function readProcessStatus(): ProcessStatus {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): num_threads is field 20, vsize (bytes) field 23.
  return { threads: Number(fields[17]), virtualMemoryBytes: Number(fields[20]) };
}

function readDiskIo(): DiskIo {
  const io = `\n${readFileSync('/proc/self/io', 'utf8')}`;
  return { readBytes: procField(io, 'read_bytes') ?? NaN, writeBytes: procField(io, 'write_bytes') ?? NaN };
}

function linuxProcfs(): boolean {
  try {
    return process.platform === 'linux' && readdirSync('/proc/self/fd').length > 0;
  } catch {
    return false;
  }
}

/**
 * The loop's idle time alone, for the event-loop sampler's 100 reads a
 * second: `performance.nodeTiming.idleTime` allocates nothing on Node 22+,
 * where a whole `eventLoopUtilization()` allocates ~80-250 bytes.
 */
function eventLoopIdleMillis(elu: (() => { idle: number }) | undefined): (() => number) | undefined {
  const timing = (performance as { nodeTiming?: { idleTime?: unknown } }).nodeTiming;
  if (typeof timing?.idleTime === 'number') return () => timing.idleTime as number;
  return elu && (() => elu().idle);
}

/**
 * Whether `monitorEventLoopDelay({ samplePerIteration: true })` samples per
 * iteration here. Decided by version: older lines accept the option silently
 * and fall back to a 10 ms timer that reads an idle loop as 10 ms busy.
 * (26.5 brought it; the 24 line has it from 24.21.)
 */
export function samplesPerIteration(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  if (major === 24) return minor >= 21;
  if (major === 26) return minor >= 5;
  return major > 26;
}

function iterationHistogram(): IterationHistogram {
  return monitorEventLoopDelay({ samplePerIteration: true } as Parameters<typeof monitorEventLoopDelay>[0]);
}

/**
 * One sample per loop iteration on every line: Node's own histogram where it
 * has one, the same measurement from an unref'd check-phase callback
 * elsewhere (`CheckPhaseHistogram`), never Node's 10 ms timer.
 */
function iterationHistogramSource(): (() => IterationHistogram) | undefined {
  if (samplesPerIteration() && typeof monitorEventLoopDelay === 'function') return iterationHistogram;
  return checkPhaseHistograms();
}

/**
 * New `CheckPhaseHistogram`s on Node's own clock, idle time and immediates
 * (on any line: the tests run it where Node has its own histogram too);
 * undefined where the runtime lacks the idle time or immediates. All of them
 * listen to one `CheckPhaseClock` per process (per copy of this module), so
 * the metrics and health together pay for one callback per loop iteration.
 */
export function checkPhaseHistograms(): (() => CheckPhaseHistogram) | undefined {
  if (sharedClock === undefined) {
    const idleMillis = eventLoopIdleMillis(ifFunction(performance.eventLoopUtilization)?.bind(performance));
    sharedClock =
      idleMillis && typeof timers.setImmediate === 'function'
        ? new CheckPhaseClock({ now: () => performance.now(), eventLoopIdleMillis: idleMillis, checkPhase })
        : null;
  }
  const clock = sharedClock;
  return clock ? () => new CheckPhaseHistogram(clock) : undefined;
}

/** The process's one check-phase clock; null where the runtime lacks the idle time or immediates. */
let sharedClock: CheckPhaseClock | null | undefined;

/** Runs callbacks once, in a check phase of the loop; see `checkPhaseScheduler`. */
export interface CheckPhaseScheduler {
  /** Schedules `callback` from the caller's async context; returns the handle `cancel` takes. */
  schedule(callback: () => void): unknown;
  /**
   * Schedules `callback` from the async context this module was loaded in,
   * so the immediate holds no request's context (an AsyncLocalStorage store,
   * an active span), and neither does any immediate re-armed from inside it.
   */
  scheduleDetached?(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

/**
 * A check-phase scheduler on the given immediates, one unref'd immediate per
 * callback: it runs once, in the check phase of this loop iteration (or the
 * next, from inside one), and neither holds a finished process nor keeps
 * libuv's poll from blocking. Nothing is allocated besides the immediate,
 * which matters to a callback that re-arms itself every iteration. A
 * stand-in whose handle cannot be unref'd (a fake timer's id) is cleared at
 * once and refused with a throw: a ref'd immediate re-armed every iteration
 * would spin the loop and never let it exit. `detach` runs a function in
 * the context the immediates should carry (the module's load context).
 */
export function checkPhaseScheduler(
  set: (callback: () => void) => unknown,
  clear: (handle: never) => void,
  detach: <T>(run: () => T) => T = (run) => run(),
): CheckPhaseScheduler {
  const schedule = (callback: () => void): unknown => {
    const immediate = set(callback) as { unref?: unknown } | undefined;
    if (typeof immediate?.unref !== 'function') {
      clear(immediate as never);
      throw new TypeError('setImmediate returned a handle without unref(): not sampling the check phase');
    }
    immediate.unref();
    return immediate;
  };
  return {
    schedule,
    scheduleDetached: (callback) => detach(() => schedule(callback)),
    cancel: (handle) => clear(handle as never),
  };
}

/** `onCheckPhase` on a scheduler: the callback once, in a check phase; returns its cancel. */
export function checkPhaseCallbacks(scheduler: CheckPhaseScheduler): (callback: () => void) => () => void {
  return (callback) => {
    const handle = scheduler.schedule(callback);
    return () => scheduler.cancel(handle);
  };
}

// Node's own immediates, taken from node:timers when this module loads: fake
// timers a test installs, before or after (Jest's and sinon's replace the
// globals), or an agent's wrapper must not capture a callback that re-arms
// itself every iteration. The immediates carry the load-time async context.
const loadContext = asyncScope('nodevitals.checkPhase');
const checkPhase = checkPhaseScheduler(timers.setImmediate, timers.clearImmediate, loadContext);
const onCheckPhase = checkPhaseCallbacks(checkPhase);

/** Runs a function in the async context of this call (where AsyncResource exists; as it is elsewhere). */
function asyncScope(name: string): <T>(run: () => T) => T {
  try {
    const scope = new AsyncResource(name);
    return (run) => scope.runInAsyncScope(run);
  } catch {
    return (run) => run();
  }
}

function ifFunction<T>(candidate: T | undefined): T | undefined {
  return typeof candidate === 'function' ? candidate : undefined;
}

type NodeTimingWithUv = { uvMetricsInfo?: LoopCounters };

function loopCounters(): (() => LoopCounters) | undefined {
  const timing = (performance as { nodeTiming?: NodeTimingWithUv }).nodeTiming;
  // A getter that asks libuv each time (Node 20.18+, 22.8+).
  if (typeof timing?.uvMetricsInfo !== 'object') return undefined;
  return () => timing.uvMetricsInfo as LoopCounters;
}

/** The configured old-generation maximum of this thread: its flags as Node applies them, its Worker's limits. */
function configuredOldGeneration(constrainedMemory: (() => number) | undefined): number | undefined {
  const container = realMemoryLimit(constrainedMemory?.());
  return configuredOldGenerationBytes({
    flags: [...splitNodeOptions(process.env.NODE_OPTIONS), ...process.execArgv],
    workerMaxOldGenerationMb: isMainThread ? undefined : resourceLimits.maxOldGenerationSizeMb,
    memoryBytes: container ?? totalmem(),
  });
}

type ProcessWithNewerApis = NodeJS.Process & {
  constrainedMemory?: () => number;
  availableMemory?: () => number;
  threadCpuUsage?: () => NodeJS.CpuUsage;
};

/** The real Node.js sources, each left out where this runtime lacks it. */
export function nodeRuntime(): RuntimeSources {
  const procfs = linuxProcfs();
  const newer = process as ProcessWithNewerApis;
  const elu = ifFunction(performance.eventLoopUtilization);
  const rss = ifFunction(process.memoryUsage?.rss);
  const eventLoopUtilization = elu && (() => elu.call(performance));
  const constrainedMemory = ifFunction(newer.constrainedMemory) && (() => newer.constrainedMemory!());
  const idleMillis = eventLoopIdleMillis(eventLoopUtilization);
  return {
    now: () => performance.now(),
    // An interval rather than a re-armed timeout: Node re-inserts an interval
    // into its timer list while the list is still live, where refresh() of the
    // only 10 ms timeout rebuilt the list on every tick (~1.6 KB of garbage a
    // tick on Node 20, ~120 bytes on 22+).
    setRepeatingTimer: (callback, everyMillis) => setInterval(callback, everyMillis).unref(),
    clearTimer: (handle) => clearInterval(handle as NodeJS.Timeout),
    iterationHistogram: iterationHistogramSource(),
    timerDelayHistogram: typeof monitorEventLoopDelay === 'function' ? (resolution) => monitorEventLoopDelay({ resolution }) : undefined,
    onCheckPhase,
    eventLoopUtilization,
    eventLoopIdleMillis: idleMillis,
    heapStatistics: ifFunction(v8.getHeapStatistics),
    heapSpaceStatistics: ifFunction(v8.getHeapSpaceStatistics),
    configuredOldGeneration: () => configuredOldGeneration(constrainedMemory),
    memoryUsage: ifFunction(process.memoryUsage) && (() => process.memoryUsage()),
    observeGc: typeof PerformanceObserver === 'function' ? observeGc : undefined,
    activeResources: ifFunction(process.getActiveResourcesInfo) && (() => process.getActiveResourcesInfo()),
    resourceUsage: ifFunction(process.resourceUsage) && (() => process.resourceUsage()),
    rss: rss && (() => rss.call(process.memoryUsage)),
    uptime: () => process.uptime(),
    fileDescriptorCounter: procfs ? openFileDescriptorCounter : undefined,
    fileDescriptorLimit: procfs ? readFileDescriptorLimit : undefined,
    constrainedMemory,
    availableMemory: ifFunction(newer.availableMemory) && (() => newer.availableMemory!()),
    processStatus: procfs ? readProcessStatus : undefined,
    availableParallelism: ifFunction(os.availableParallelism) && (() => os.availableParallelism()),
    diskIo: procfs ? readDiskIo : undefined,
    threadCpuUsage: ifFunction(newer.threadCpuUsage) && (() => newer.threadCpuUsage!()),
    loopCounters: loopCounters(),
    observeWorkers: typeof diagnosticsChannelSubscribe === 'function' ? observeWorkers : undefined,
    currentThread: currentWorkerThread(),
  };
}
