import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded, MonotonicCounters, observeFinite } from '../internal/safeObserve.js';
import type { FileDescriptorCounter } from '../internal/FileDescriptorCounter.js';
import { createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

const attributes = (key: string, value: string): Attributes => Object.freeze({ [key]: value });
const USER = attributes(ATTRIBUTES.cpuMode, 'user');
const SYSTEM = attributes(ATTRIBUTES.cpuMode, 'system');
const VOLUNTARY = attributes(ATTRIBUTES.contextSwitchType, 'voluntary');
const INVOLUNTARY = attributes(ATTRIBUTES.contextSwitchType, 'involuntary');
const MINOR = attributes(ATTRIBUTES.pagingFaultType, 'minor');
const MAJOR = attributes(ATTRIBUTES.pagingFaultType, 'major');

/**
 * The process: one `process.resourceUsage()` per collection gives CPU time,
 * context switches and page faults; RSS comes from the collection's shared
 * memoryUsage() when the heap family read one; uptime and open descriptors are
 * one cheap read each. Descriptor metrics exist where /proc does (Linux); while
 * enabled, the family holds the one descriptor it counts them with.
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
  private readonly registration: BatchRegistration;

  constructor(private readonly context: FamilyContext) {
    const { runtime, meter, logger } = context;
    this.resourceUsage = requireSource(runtime.resourceUsage, 'process.resourceUsage');
    if (!runtime.fileDescriptorCounter) logger.debug('process.unix.file_descriptor.* skipped: no /proc/self/fd here');
    this.fileDescriptorLimit = readOnce(runtime.fileDescriptorLimit);
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
      Object.values(this.instruments),
    );
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

  private counter(result: BatchObservableResult, observable: Observable, key: string, value: number, attrs: Attributes) {
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
  }
}

function readOnce(source: (() => number | undefined) | undefined): number | undefined {
  try {
    return source?.();
  } catch {
    return undefined;
  }
}
