import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS, type MetricDefinition } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { attempt, guarded, MonotonicCounters, observeFinite } from '../internal/safeObserve.js';
import type { FileDescriptorCounter } from '../internal/FileDescriptorCounter.js';
import { realMemoryLimit } from '../internal/memoryLimit.js';
import type { RuntimeSources } from '../runtime.js';
import { createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

const attributes = (key: string, value: string): Attributes => Object.freeze({ [key]: value });
const USER = attributes(ATTRIBUTES.cpuMode, 'user');
const SYSTEM = attributes(ATTRIBUTES.cpuMode, 'system');
const VOLUNTARY = attributes(ATTRIBUTES.contextSwitchType, 'voluntary');
const INVOLUNTARY = attributes(ATTRIBUTES.contextSwitchType, 'involuntary');
const MINOR = attributes(ATTRIBUTES.pagingFaultType, 'minor');
const MAJOR = attributes(ATTRIBUTES.pagingFaultType, 'major');
const NO_ATTRIBUTES: Attributes = Object.freeze({});
const READ = attributes(ATTRIBUTES.diskIoDirection, 'read');
const WRITE = attributes(ATTRIBUTES.diskIoDirection, 'write');
/**
 * The limit changes only when the container is resized in place, and reading
 * it costs a cgroup file read (~20-40 us): once a minute is fresh enough.
 */
const LIMIT_REREAD_MILLIS = 60_000;

type OptionalSource = Exclude<keyof RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer'>;

/**
 * The process: one `process.resourceUsage()` per collection gives CPU time,
 * context switches and page faults; RSS comes from the collection's shared
 * memoryUsage() when the heap family read one; uptime and open descriptors are
 * one cheap read each. Descriptor metrics exist where /proc does (Linux); while
 * enabled, the family holds the one descriptor it counts them with.
 *
 * Container memory (limit and headroom), virtual memory, threads and the CPUs
 * the process may use are on by default. Disk I/O, the JavaScript thread's CPU and libuv's loop counters are
 * opt-in. The loop counters are libuv's view of the event loop, but they live
 * here rather than in the event-loop family: they are three plain cumulative
 * reads with none of that family's sampling machinery, and keeping them apart
 * lets the event-loop family change without touching them.
 */
export class ProcessFamily implements MetricFamily {
  readonly name = 'process';
  private readonly resourceUsage;
  private readonly counters = new MonotonicCounters();
  private readonly fileDescriptorLimit: number | undefined;
  private descriptors: FileDescriptorCounter | undefined;
  private readonly instruments: Record<
    'cpuTime' | 'memory' | 'uptime' | 'contextSwitches' | 'pageFaults' | 'fileDescriptors' | 'fileDescriptorLimit',
    Observable
  >;
  private readonly optional: Partial<
    Record<
      | 'memoryLimit' | 'memoryAvailable' | 'memoryVirtual' | 'threadCount' | 'availableParallelism' | 'diskIo' | 'threadCpuTime'
      | 'loopIterations' | 'loopEventsProcessed' | 'loopEventsWaiting',
      Observable
    >
  > = {};
  private readonly registration: BatchRegistration;
  private memoryLimit: { bytes: number | undefined; readAt: number } | undefined;

  constructor(private readonly context: FamilyContext) {
    const { runtime, meter, logger, options } = context;
    this.resourceUsage = requireSource(runtime.resourceUsage, 'process.resourceUsage');
    const o = this.optional;
    if (this.available('constrainedMemory', [METRICS.memoryLimit], 'process.constrainedMemory()')) {
      o.memoryLimit = createObservable(meter, METRICS.memoryLimit);
    }
    if (this.available('availableMemory', [METRICS.memoryAvailable], 'process.availableMemory()')) {
      o.memoryAvailable = createObservable(meter, METRICS.memoryAvailable);
    }
    if (this.available('processStatus', [METRICS.memoryVirtual, METRICS.threadCount], '/proc/self/stat')) {
      o.memoryVirtual = createObservable(meter, METRICS.memoryVirtual);
      o.threadCount = createObservable(meter, METRICS.threadCount);
    }
    if (this.available('availableParallelism', [METRICS.availableParallelism], 'os.availableParallelism()')) {
      o.availableParallelism = createObservable(meter, METRICS.availableParallelism);
    }
    if (options.diskIo && this.available('diskIo', [METRICS.diskIo], '/proc/self/io')) {
      o.diskIo = createObservable(meter, METRICS.diskIo);
    }
    if (options.threadCpu && this.available('threadCpuUsage', [METRICS.threadCpuTime], 'process.threadCpuUsage()')) {
      o.threadCpuTime = createObservable(meter, METRICS.threadCpuTime);
    }
    if (options.loopCounters && this.available('loopCounters', [METRICS.loopIterations, METRICS.loopEventsProcessed, METRICS.loopEventsWaiting], 'performance.nodeTiming.uvMetricsInfo')) {
      o.loopIterations = createObservable(meter, METRICS.loopIterations);
      o.loopEventsProcessed = createObservable(meter, METRICS.loopEventsProcessed);
      o.loopEventsWaiting = createObservable(meter, METRICS.loopEventsWaiting);
    }
    if (!runtime.fileDescriptorCounter) logger.debug('process.unix.file_descriptor.* skipped: no /proc/self/fd here');
    this.fileDescriptorLimit = attempt(runtime.fileDescriptorLimit);
    this.instruments = {
      cpuTime: createObservable(meter, METRICS.cpuTime),
      memory: createObservable(meter, METRICS.memoryUsage),
      uptime: createObservable(meter, METRICS.uptime),
      contextSwitches: createObservable(meter, METRICS.contextSwitches),
      pageFaults: createObservable(meter, METRICS.pageFaults),
      fileDescriptors: createObservable(meter, METRICS.fileDescriptors),
      fileDescriptorLimit: createObservable(meter, METRICS.fileDescriptorLimit),
    };
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'process collection', (result: BatchObservableResult) => this.collect(result)),
      [...Object.values(this.instruments), ...Object.values(this.optional)],
    );
  }

  /** Whether a source exists and answers here; if not, says once which metrics are skipped. */
  private available(source: OptionalSource, metrics: readonly MetricDefinition[], api: string): boolean {
    const read = this.context.runtime[source] as (() => unknown) | undefined;
    let problem = read ? undefined : 'is not available';
    if (read) {
      try {
        read();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        problem = `failed${typeof code === 'string' ? ` (${code})` : ''}`;
      }
    }
    if (problem) this.context.logger.debug(`${metrics.map((metric) => metric.name).join(', ')} skipped: ${api} ${problem}`);
    return !problem;
  }

  enable(): void {
    this.descriptors ??= this.context.runtime.fileDescriptorCounter?.();
    this.registration.register();
  }

  disable(): void {
    this.registration.remove();
    this.descriptors?.close();
    this.descriptors = undefined;
  }

  private counter(result: BatchObservableResult, observable: Observable, key: string, value: number | undefined, attrs: Attributes) {
    observeFinite(result, observable, this.counters.value(key, value), attrs);
  }

  private collect(result: BatchObservableResult): void {
    const { runtime } = this.context;
    const i = this.instruments;
    const usage = this.resourceUsage();
    this.counter(result, i.cpuTime, 'user', usage.userCPUTime / 1e6, USER);
    this.counter(result, i.cpuTime, 'system', usage.systemCPUTime / 1e6, SYSTEM);
    this.counter(result, i.contextSwitches, 'voluntary', usage.voluntaryContextSwitches, VOLUNTARY);
    this.counter(result, i.contextSwitches, 'involuntary', usage.involuntaryContextSwitches, INVOLUNTARY);
    this.counter(result, i.pageFaults, 'minor', usage.minorPageFault, MINOR);
    this.counter(result, i.pageFaults, 'major', usage.majorPageFault, MAJOR);
    observeFinite(result, i.memory, this.context.reads.rss());
    observeFinite(result, i.uptime, runtime.uptime?.());
    if (this.descriptors) observeFinite(result, i.fileDescriptors, this.descriptors.count());
    observeFinite(result, i.fileDescriptorLimit, this.fileDescriptorLimit);
    this.collectOptional(result);
  }

  private currentMemoryLimit(): number | undefined {
    const now = this.context.runtime.now();
    if (!this.memoryLimit || now - this.memoryLimit.readAt >= LIMIT_REREAD_MILLIS) {
      this.memoryLimit = { bytes: attempt(this.context.runtime.constrainedMemory), readAt: now };
    }
    return this.memoryLimit.bytes;
  }

  /** Each read on its own: one that fails here (a /proc file gone) costs only its own metrics. */
  private collectOptional(result: BatchObservableResult): void {
    const { runtime } = this.context;
    const o = this.optional;
    if (o.memoryLimit) {
      const limit = realMemoryLimit(this.currentMemoryLimit());
      if (limit !== undefined) observeFinite(result, o.memoryLimit, limit);
    }
    if (o.memoryAvailable) observeFinite(result, o.memoryAvailable, attempt(runtime.availableMemory));
    if (o.memoryVirtual && o.threadCount) {
      const status = attempt(runtime.processStatus);
      observeFinite(result, o.memoryVirtual, status?.virtualMemoryBytes);
      observeFinite(result, o.threadCount, status?.threads);
    }
    // Read every collection (~8 us): affinity can change under a running process (taskset -p).
    if (o.availableParallelism) observeFinite(result, o.availableParallelism, attempt(runtime.availableParallelism));
    if (o.diskIo) {
      const io = attempt(runtime.diskIo);
      this.counter(result, o.diskIo, 'diskRead', io?.readBytes, READ);
      this.counter(result, o.diskIo, 'diskWrite', io?.writeBytes, WRITE);
    }
    if (o.threadCpuTime) {
      const cpu = attempt(runtime.threadCpuUsage);
      this.counter(result, o.threadCpuTime, 'threadUser', cpu && cpu.user / 1e6, USER);
      this.counter(result, o.threadCpuTime, 'threadSystem', cpu && cpu.system / 1e6, SYSTEM);
    }
    if (o.loopIterations && o.loopEventsProcessed && o.loopEventsWaiting) {
      const loop = attempt(runtime.loopCounters);
      this.counter(result, o.loopIterations, 'loopCount', loop?.loopCount, NO_ATTRIBUTES);
      this.counter(result, o.loopEventsProcessed, 'events', loop?.events, NO_ATTRIBUTES);
      this.counter(result, o.loopEventsWaiting, 'eventsWaiting', loop?.eventsWaiting, NO_ATTRIBUTES);
    }
  }
}

