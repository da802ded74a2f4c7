import type { Attributes, Histogram } from '@opentelemetry/api';
import { ATTRIBUTES, GC_TYPES, METRICS, type GcType } from '../catalog.js';
import type { GcEntry } from '../runtime.js';
import { createHistogram, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

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
 */
export class GcFamily implements MetricFamily {
  readonly name = 'gc';
  private readonly observeGc;
  private readonly histogram: Histogram;
  private readonly attributes: Record<GcType, Attributes>;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly context: FamilyContext) {
    this.observeGc = requireSource(context.runtime.observeGc, "PerformanceObserver entryTypes ['gc']");
    this.histogram = createHistogram(context.meter, METRICS.gcDuration, context.options.gcDurationBucketsSeconds);
    const attributes = {} as Record<GcType, Attributes>;
    for (const type of GC_TYPES) attributes[type] = Object.freeze({ [ATTRIBUTES.gcType]: type });
    this.attributes = attributes;
  }

  enable(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.observeGc(this.record);
  }

  disable(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private readonly record = (entries: readonly GcEntry[]): void => {
    try {
      for (const entry of entries) {
        if (entry.duration >= 0) this.histogram.record(entry.duration / 1000, this.attributes[gcTypeOf(entry.kind)]);
      }
    } catch (error) {
      this.context.logger.warn('recording gc entries failed', error);
    }
  };
}
