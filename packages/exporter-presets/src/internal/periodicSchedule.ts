import { envInteger } from './environment.js';
import { MAX_MILLIS, DEFAULT_OPTIONS } from '../options.js';
import { optionalInteger } from './validate.js';

export interface PeriodicSchedule {
  readonly exportIntervalMillis: number;
  readonly exportTimeoutMillis: number;
}

/**
 * Interval and timeout of a periodic reader: option, then
 * `OTEL_METRIC_EXPORT_{INTERVAL,TIMEOUT}`, then the default. The upstream SDK
 * only reads those variables inside NodeSDK; a reader built here honours them
 * wherever it is used.
 */
export function resolvePeriodicSchedule(options: Record<string, unknown>): PeriodicSchedule {
  const intervalOption = optionalInteger('exportIntervalMillis', options.exportIntervalMillis, 1, MAX_MILLIS);
  const timeoutOption = optionalInteger('exportTimeoutMillis', options.exportTimeoutMillis, 1, MAX_MILLIS);
  if (intervalOption !== undefined && timeoutOption !== undefined && timeoutOption > intervalOption) {
    throw new RangeError(
      `exportTimeoutMillis must be <= exportIntervalMillis (${intervalOption}), got ${timeoutOption}`,
    );
  }
  const exportIntervalMillis =
    intervalOption ??
    envInteger(['OTEL_METRIC_EXPORT_INTERVAL'], 1, MAX_MILLIS, DEFAULT_OPTIONS.exportIntervalMillis)?.value ??
    DEFAULT_OPTIONS.exportIntervalMillis;
  const timeout =
    timeoutOption ??
    envInteger(['OTEL_METRIC_EXPORT_TIMEOUT'], 1, MAX_MILLIS, DEFAULT_OPTIONS.exportTimeoutMillis)?.value ??
    DEFAULT_OPTIONS.exportTimeoutMillis;
  // An export that outlives the interval would overlap the next one; the SDK
  // spec clamps rather than fails when the values come from the environment.
  return Object.freeze({ exportIntervalMillis, exportTimeoutMillis: Math.min(timeout, exportIntervalMillis) });
}
