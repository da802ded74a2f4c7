import type { Attributes, DiagLogger, ObservableResult } from '@opentelemetry/api';

/** Observes only finite numbers: a NaN or Infinity from a source is dropped, not exported. */
export function observeFinite(
  result: { observe(observable: never, value: number, attributes?: Attributes): void },
  observable: unknown,
  value: number | undefined,
  attributes?: Attributes,
): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    (result.observe as (o: unknown, v: number, a?: Attributes) => void)(observable, value, attributes);
  }
}

/**
 * Keeps cumulative counters from ever going backwards: a source that reports
 * less than before (a wrap, a bad read) repeats the highest value seen.
 */
export class MonotonicCounters {
  private readonly highest = new Map<string, number>();

  value(key: string, reading: number | undefined): number | undefined {
    if (typeof reading !== 'number' || !Number.isFinite(reading) || reading < 0) {
      return this.highest.get(key);
    }
    const previous = this.highest.get(key);
    if (previous !== undefined && reading < previous) return previous;
    this.highest.set(key, reading);
    return reading;
  }
}

/**
 * Wraps a collection callback so that nothing it throws reaches the SDK or
 * the host: the first failure is reported once, later ones are silent.
 */
export function guarded<T extends unknown[]>(
  logger: DiagLogger,
  what: string,
  callback: (...args: T) => void,
): (...args: T) => void {
  let reported = false;
  return (...args: T) => {
    try {
      callback(...args);
    } catch (error) {
      if (!reported) {
        reported = true;
        logger.warn(`${what} failed; its values are skipped until it succeeds`, error);
      }
    }
  };
}

export type { ObservableResult };

/** A read that may be missing on this runtime or fail (a /proc file gone, an API that throws here): undefined instead of an exception. */
export function attempt<T>(source: (() => T) | undefined): T | undefined {
  try {
    return source?.();
  } catch {
    return undefined;
  }
}
