import type { MeterProvider } from '@opentelemetry/api';
import { describeValue } from '../options.js';
import { CHECK_NAMES, THRESHOLDS, type CheckName } from './thresholds.js';

/** `${check}Warning` / `${check}Critical`: one pair of fields per check of the table. */
export type ThresholdField = `${CheckName}${'Warning' | 'Critical'}`;

/**
 * Options of `HealthMonitor`. Every field is optional. Thresholds are in the
 * check's unit (THRESHOLDS[check].unit): seconds for `eventLoopDelay` and
 * `gcPause`, a share (0.9 = 90 %) or a ratio for the others; each defaults
 * to the table's number, and a warning must stay below its critical.
 */
export type HealthMonitorOptions = Partial<Record<ThresholdField, number>> & {
  /**
   * The window the loop delay, utilization and GC checks describe, in milliseconds, 1000 to 600000.
   * Default `10000`: long enough that one slow request is not a verdict, short enough that a probe sees a stall
   * within seconds (the metrics' own 60 s window would hold a stall for a minute after it ends).
   */
  windowMillis?: number;
  /** How often the checks are evaluated, in milliseconds, 1000 to 60000 and at most `windowMillis`. Default `5000`. */
  intervalMillis?: number;
  /** Where `nodevitals.health.status` is reported. Default: the global MeterProvider when `start()` runs. */
  meterProvider?: MeterProvider;
};

export interface ResolvedHealthOptions {
  readonly windowMillis: number;
  readonly intervalMillis: number;
  readonly thresholds: Readonly<Record<CheckName, { readonly warning: number; readonly critical: number }>>;
  readonly meterProvider: MeterProvider | undefined;
}

export const HEALTH_DEFAULTS = Object.freeze({ windowMillis: 10_000, intervalMillis: 5_000 });

/** Valid [min, max] of the integer options. */
export const HEALTH_INTEGER_RANGES = Object.freeze({
  windowMillis: Object.freeze([1_000, 600_000] as const),
  intervalMillis: Object.freeze([1_000, 60_000] as const),
});

export function thresholdField(check: CheckName, level: 'warning' | 'critical'): ThresholdField {
  return `${check}${level === 'warning' ? 'Warning' : 'Critical'}`;
}

const THRESHOLD_FIELDS: readonly ThresholdField[] = Object.freeze(
  CHECK_NAMES.flatMap((check) => [thresholdField(check, 'warning'), thresholdField(check, 'critical')]),
);
const KNOWN_FIELDS: readonly string[] = [...Object.keys(HEALTH_INTEGER_RANGES), ...THRESHOLD_FIELDS, 'meterProvider'];

/** Whether `value` can be a threshold: a finite number above 0. */
export function isThresholdValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Checks the options and merges them over the table's defaults, once; throws naming the field and value. */
export function resolveHealthOptions(input: unknown): ResolvedHealthOptions {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new TypeError(`options must be an object, got ${describeValue(input)}`);
  }
  const options = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN_FIELDS.includes(key)) throw new TypeError(`unknown option ${key}; known options: ${KNOWN_FIELDS.join(', ')}`);
  }
  const integers: { windowMillis: number; intervalMillis: number } = { ...HEALTH_DEFAULTS };
  for (const [field, [min, max]] of Object.entries(HEALTH_INTEGER_RANGES) as Array<[keyof typeof HEALTH_DEFAULTS, readonly [number, number]]>) {
    const value = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
    }
    integers[field] = value;
  }
  if (integers.intervalMillis > integers.windowMillis) {
    throw new RangeError(`intervalMillis must be at most windowMillis (${integers.windowMillis}), got ${integers.intervalMillis}`);
  }
  const thresholds = {} as Record<CheckName, { warning: number; critical: number }>;
  for (const check of CHECK_NAMES) {
    const levels = { warning: THRESHOLDS[check].warning, critical: THRESHOLDS[check].critical };
    for (const level of ['warning', 'critical'] as const) {
      const field = thresholdField(check, level);
      const value = options[field];
      if (value === undefined) continue;
      if (!isThresholdValue(value)) throw new RangeError(`${field} must be a finite number > 0, got ${describeValue(value)}`);
      levels[level] = value;
    }
    if (!(levels.warning < levels.critical)) {
      throw new RangeError(
        `${thresholdField(check, 'warning')} must be below ${thresholdField(check, 'critical')} (${levels.critical}), got ${levels.warning}`,
      );
    }
    thresholds[check] = Object.freeze(levels);
  }
  const meterProvider = options.meterProvider as MeterProvider | undefined;
  if (meterProvider !== undefined && typeof (meterProvider as { getMeter?: unknown })?.getMeter !== 'function') {
    throw new TypeError(`meterProvider must be a MeterProvider, got ${describeValue(meterProvider)}`);
  }
  return Object.freeze({ ...integers, thresholds: Object.freeze(thresholds), meterProvider });
}
