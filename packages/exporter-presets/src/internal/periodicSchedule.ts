import { envInteger } from './environment.js';
import { MAX_MILLIS, DEFAULT_OPTIONS } from '../options.js';
import { optionalInteger } from './validate.js';

export interface PeriodicSchedule {
  readonly exportIntervalMillis: number;
  readonly exportTimeoutMillis: number;
}

/** The schedule options the user passed, checked (throws naming the field); absent ones stay undefined. */
export function checkPeriodicOptions(options: Record<string, unknown>): Partial<PeriodicSchedule> {
  const exportIntervalMillis = optionalInteger('exportIntervalMillis', options.exportIntervalMillis, 1, MAX_MILLIS);
  const exportTimeoutMillis = optionalInteger('exportTimeoutMillis', options.exportTimeoutMillis, 1, MAX_MILLIS);
  if (exportIntervalMillis !== undefined && exportTimeoutMillis !== undefined && exportTimeoutMillis > exportIntervalMillis) {
    throw new RangeError(
      `exportTimeoutMillis must be <= exportIntervalMillis (${exportIntervalMillis}), got ${exportTimeoutMillis}`,
    );
  }
  return { exportIntervalMillis, exportTimeoutMillis };
}

/**
 * Interval and timeout of a periodic reader: option, then
 * `OTEL_METRIC_EXPORT_{INTERVAL,TIMEOUT}`, then the default. The upstream SDK
 * only reads those variables inside NodeSDK; a reader built here honours them
 * wherever it is used.
 */
export function resolvePeriodicSchedule(options: Record<string, unknown>): PeriodicSchedule {
  const checked = checkPeriodicOptions(options);
  const exportIntervalMillis =
    checked.exportIntervalMillis ??
    envInteger(['OTEL_METRIC_EXPORT_INTERVAL'], 1, MAX_MILLIS, DEFAULT_OPTIONS.exportIntervalMillis)?.value ??
    DEFAULT_OPTIONS.exportIntervalMillis;
  const timeout =
    checked.exportTimeoutMillis ??
    envInteger(['OTEL_METRIC_EXPORT_TIMEOUT'], 1, MAX_MILLIS, DEFAULT_OPTIONS.exportTimeoutMillis)?.value ??
    DEFAULT_OPTIONS.exportTimeoutMillis;
  // An export that outlives the interval would overlap the next one; the SDK
  // spec clamps rather than fails when the values come from the environment.
  return Object.freeze({ exportIntervalMillis, exportTimeoutMillis: Math.min(timeout, exportIntervalMillis) });
}
