import type { DiagLogger, Histogram, Meter, Observable } from '@opentelemetry/api';
import type { FamilyName, MetricDefinition } from '../catalog.js';
import type { ResolvedOptions } from '../options.js';
import type { SharedBatch } from '../internal/BatchRegistration.js';
import type { CollectionReads } from '../internal/CollectionReads.js';
import type { RuntimeSources } from '../runtime.js';

/** What every family is built from. */
export interface FamilyContext {
  readonly meter: Meter;
  readonly options: ResolvedOptions;
  readonly runtime: RuntimeSources;
  readonly logger: DiagLogger;
  /** Reads shared by several families within one collection. */
  readonly reads: CollectionReads;
  /** The one batch callback every family's observable instruments report through. */
  readonly batch: SharedBatch;
}

/**
 * The shape of every family: the constructor creates the instruments it owns
 * (and throws `UnsupportedRuntimeError` if the runtime lacks what it reads),
 * `enable()` starts observing, `disable()` undoes exactly that. Both are safe
 * to call twice.
 */
export interface MetricFamily {
  readonly name: FamilyName;
  enable(): void;
  disable(): void;
}

/** Thrown by a family's constructor when the runtime lacks an API it needs. */
export class UnsupportedRuntimeError extends Error {
  constructor(readonly api: string, cause?: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super(`${api} is not available${typeof code === 'string' ? ` (${code})` : ''}`);
    this.name = 'UnsupportedRuntimeError';
  }
}

/** Returns the source, or throws `UnsupportedRuntimeError` naming the API. */
export function requireSource<T>(source: T | undefined, api: string): T {
  if (source === undefined) throw new UnsupportedRuntimeError(api);
  return source;
}

/** Calls a source once to be sure it works here (Bun ships some APIs that only throw). */
export function probe(source: () => unknown, api: string): void {
  try {
    source();
  } catch (error) {
    throw new UnsupportedRuntimeError(api, error);
  }
}

/** The asynchronous instrument for a catalog entry of kind counter, updowncounter or gauge. */
export function createObservable(meter: Meter, metric: MetricDefinition): Observable {
  const options = { description: metric.description, unit: metric.unit };
  switch (metric.instrument) {
    case 'counter':
      return meter.createObservableCounter(metric.name, options);
    case 'updowncounter':
      return meter.createObservableUpDownCounter(metric.name, options);
    case 'gauge':
      return meter.createObservableGauge(metric.name, options);
    default:
      throw new TypeError(`${metric.name} is a ${metric.instrument}, not an observable instrument`);
  }
}

/** The histogram for a catalog entry, with its default bucket boundaries. */
export function createHistogram(meter: Meter, metric: MetricDefinition, boundaries: readonly number[]): Histogram {
  return meter.createHistogram(metric.name, {
    description: metric.description,
    unit: metric.unit,
    advice: { explicitBucketBoundaries: [...boundaries] },
  });
}
