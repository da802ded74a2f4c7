import type { Attributes, BatchObservableResult, Histogram, Observable } from '@opentelemetry/api';
import { oldGenerationUsedBytes } from '../internal/oldGeneration.js';
import { ATTRIBUTES, GC_TYPES, METRICS, type GcType } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded, observeFinite } from '../internal/safeObserve.js';
import type { GcEntry } from '../runtime.js';
import { createHistogram, createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

// V8's GCType bits, as Node reports them in `entry.detail.kind`.
const SCAVENGE = 1;
const MINOR_MARK_SWEEP = 2; // V8's young-generation mark-sweep (--minor-ms); a minor GC too
const MARK_SWEEP_COMPACT = 4;
const INCREMENTAL_MARKING = 8;
const PROCESS_WEAK_CALLBACKS = 16;

/** The `v8js.gc.type` of a V8 GCType bit set; every kind maps to one of the four. */
export function gcTypeOf(kind: number): GcType {
  if (kind & MARK_SWEEP_COMPACT) return 'major';
  if (kind & (SCAVENGE | MINOR_MARK_SWEEP)) return 'minor';
  if (kind & INCREMENTAL_MARKING) return 'incremental';
  if (kind & PROCESS_WEAK_CALLBACKS) return 'weakcb';
  // An unknown future kind is still a pause: count it rather than lose it.
  return 'major';
}

/**
 * GC pauses: every `gc` entry of every observer batch is recorded into a real
 * histogram, which the SDK aggregates per reader.
 *
 * The live heap is read when a batch holding a major GC's entry arrives: the
 * observer runs a moment after the pause, in the same loop turn, so what was
 * allocated since sits in the young generation, which the reading leaves out.
 * `v8.GCProfiler` would give V8's own after-GC statistics, but it keeps a
 * record with full heap-space statistics of every GC, scavenges included,
 * until stopped: memory and work that grow with the GC rate between two
 * collections, for one number. One space read per major GC (a few a minute
 * on a busy server) costs a few microseconds.
 */
export class GcFamily implements MetricFamily {
  readonly name = 'gc';
  private readonly observeGc;
  private readonly histogram: Histogram;
  private readonly attributes: Record<GcType, Attributes>;
  private unsubscribe: (() => void) | undefined;
  private readonly heapSpaceStatistics;
  private readonly live: Observable | undefined;
  private readonly lastMajor: Observable;
  private liveBytes: number | undefined;
  private lastMajorSeconds: number | undefined;
  private readonly registration: BatchRegistration;

  constructor(private readonly context: FamilyContext) {
    const { runtime, meter, logger } = context;
    this.observeGc = requireSource(runtime.observeGc, "PerformanceObserver entryTypes ['gc']");
    this.histogram = createHistogram(meter, METRICS.gcDuration, context.options.gcDurationBucketsSeconds);
    const attributes = {} as Record<GcType, Attributes>;
    for (const type of GC_TYPES) attributes[type] = Object.freeze({ [ATTRIBUTES.gcType]: type });
    this.attributes = attributes;
    this.heapSpaceStatistics = runtime.heapSpaceStatistics;
    if (this.heapSpaceStatistics) this.live = createObservable(meter, METRICS.heapLive);
    else logger.debug(`${METRICS.heapLive.name} skipped: v8.getHeapSpaceStatistics is not available`);
    this.lastMajor = createObservable(meter, METRICS.lastMajorGc);
    this.registration = new BatchRegistration(
      context.batch,
      guarded(logger, 'gc collection', (result: BatchObservableResult) => this.collect(result)),
      this.live ? [this.live, this.lastMajor] : [this.lastMajor],
    );
  }

  enable(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.observeGc(this.record);
    this.registration.register();
  }

  disable(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.registration.remove();
    this.liveBytes = undefined;
    this.lastMajorSeconds = undefined;
  }

  /** Nothing until the first major GC: there is no floor to report before one. */
  private collect(result: BatchObservableResult): void {
    if (this.live) observeFinite(result, this.live, this.liveBytes);
    observeFinite(result, this.lastMajor, this.lastMajorSeconds);
  }

  private afterMajor(entry: GcEntry): void {
    if (entry.endedAtMillis !== undefined) this.lastMajorSeconds = entry.endedAtMillis / 1000;
    if (this.heapSpaceStatistics) this.liveBytes = oldGenerationUsedBytes(this.heapSpaceStatistics());
  }

  private readonly record = (entries: readonly GcEntry[]): void => {
    try {
      let major: GcEntry | undefined;
      for (const entry of entries) {
        if (entry.duration >= 0) this.histogram.record(entry.duration / 1000, this.attributes[gcTypeOf(entry.kind)]);
        if (entry.kind & MARK_SWEEP_COMPACT) major = entry;
      }
      if (major) this.afterMajor(major);
    } catch (error) {
      this.context.logger.warn('recording gc entries failed', error);
    }
  };
}
