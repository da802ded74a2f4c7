import type { Attributes, MeterProvider } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Options shared by every entry point. Every field is optional. */
export interface RuntimeMetricsOptions {
  /** Heap family: per-space and whole-heap memory, off-heap memory, contexts. Default `true`. */
  heap?: boolean;
  /** GC family: `v8js.gc.duration` by kind. Default `true`. */
  gc?: boolean;
  /** Event-loop family: delay gauges and histogram, utilization, time. Default `true`. */
  eventLoop?: boolean;
  /** Active-resources family: `v8js.resource.active` by type. Default `true`. */
  resources?: boolean;
  /** Process family: CPU, resident memory, uptime, file descriptors, context switches, page faults. Default `true`. */
  process?: boolean;
  /**
   * Workers family: every worker thread this thread creates, one by one (`thread.id`, `thread.name`):
   * event-loop time, heap used and limit, CPU time; 6 series per running worker (at most
   * 64 workers tracked), 1 more for the count. Default `false` (docs/cost-and-cardinality.md).
   */
  workers?: boolean;
  /**
   * `v8js.memory.heap.space.available_size` and `.physical_size`, one series per V8 heap space each
   * (11 to 13 spaces on Node 22 to 26, most of them near 0 all the time): 22 to 26 more series. The whole-heap
   * `v8js.memory.heap.total.available` and `.physical`, and per-space used and size, are on regardless. Default `false`.
   */
  heapSpaceDetail?: boolean;
  /** `process.disk.io` (read, write; Linux): 2 more series. Default `false`. */
  diskIo?: boolean;
  /** `nodejs.thread.cpu.time` (user, system) of the JavaScript thread: 2 more series. Default `false`. */
  threadCpu?: boolean;
  /** libuv's loop counters (`nodejs.eventloop.iterations`, `.events.processed`, `.events.waiting`): 3 more series. Default `false`. */
  loopCounters?: boolean;
  /**
   * Period of the fallback event-loop sampler, in milliseconds, 1 to 1000. Default `10`. Node 20 to 26 sample
   * every loop iteration instead and arm no sampling timer, so it changes nothing there; it applies only on a
   * runtime without `setImmediate` and the loop's idle time. The reported delay never includes it.
   */
  eventLoopResolutionMillis?: number;
  /**
   * The sliding window, in milliseconds, that the delay gauges and utilization describe, 1000 to 3600000.
   * Default `60000`: as long as the default OTLP export interval, so a stall between two exports is never missed.
   */
  eventLoopWindowMillis?: number;
  /** Bucket boundaries of `v8js.gc.duration`, in seconds, strictly increasing. */
  gcDurationBucketsSeconds?: readonly number[];
  /** Bucket boundaries of `nodejs.eventloop.delay.distribution`, in seconds, strictly increasing. */
  eventLoopDelayBucketsSeconds?: readonly number[];
}

/** Options of `startRuntimeMetrics()`. */
export interface StartRuntimeMetricsOptions extends RuntimeMetricsOptions {
  /** Where the metrics go. Default: the global MeterProvider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
}

/** Configuration of `NodeRuntimeInstrumentation`. */
export interface NodeRuntimeInstrumentationConfig extends InstrumentationConfig, RuntimeMetricsOptions {
  /** From `@opentelemetry/instrumentation-runtime-node`: the same as `eventLoopResolutionMillis` (give one of them). */
  monitoringPrecision?: number;
  /** From `@opentelemetry/instrumentation-runtime-node`: accepted and ignored (no exception log records here). */
  captureUncaughtException?: boolean;
  /** From `@opentelemetry/instrumentation-runtime-node`: accepted and ignored. */
  applyCustomExceptionAttributes?: (error: unknown, eventType: 'uncaughtException') => Attributes;
}

export type ResolvedOptions = Readonly<Required<RuntimeMetricsOptions>>;

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  heap: true,
  gc: true,
  eventLoop: true,
  resources: true,
  process: true,
  workers: false,
  heapSpaceDetail: false,
  diskIo: false,
  threadCpu: false,
  loopCounters: false,
  eventLoopResolutionMillis: 10,
  eventLoopWindowMillis: 60_000,
  // The semantic conventions' advice for v8js.gc.duration (0.005 to 10 s,
  // semantic-conventions PR #3761) plus five bounds below 5 ms: scavenges,
  // most of all pauses, take 0.1-5 ms and the advice alone puts them all in
  // one bucket; mark-compacts on large heaps pass 1 s, which the old 0.1 ms
  // to 1 s buckets lost to +Inf. Every bound of the advice is one of ours, so
  // queries and dashboards written against the advice work unchanged.
  gcDurationBucketsSeconds: Object.freeze([
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
  ]),
  eventLoopDelayBucketsSeconds: Object.freeze([
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  ]),
});

const FAMILY_FLAGS = ['heap', 'gc', 'eventLoop', 'resources', 'process', 'workers'] as const;
/** Series few users need, inside a family: off by default (docs/cost-and-cardinality.md). */
const OPT_IN_FLAGS = ['heapSpaceDetail', 'diskIo', 'threadCpu', 'loopCounters'] as const;
/** Valid [min, max] of the integer options; the window must also be at least SLOTS_PER_WINDOW resolutions. */
export const INTEGER_RANGES = Object.freeze({
  eventLoopResolutionMillis: Object.freeze([1, 1000] as const),
  eventLoopWindowMillis: Object.freeze([1000, 3_600_000] as const),
});
const BUCKET_FIELDS = ['gcDurationBucketsSeconds', 'eventLoopDelayBucketsSeconds'] as const;
const OWN_FIELDS: readonly string[] = [
  ...FAMILY_FLAGS,
  ...OPT_IN_FLAGS,
  ...Object.keys(INTEGER_RANGES),
  ...BUCKET_FIELDS,
];

/** A value as the user wrote it, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'function') return 'a function';
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }
  return String(value);
}

/**
 * An unknown field's value, described without printing a string or an
 * object whole: a field meant for another library may carry a credential.
 */
function describeUnknown(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters (not shown)`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return 'an object (not shown)';
  if (Array.isArray(value)) return `an array of ${value.length} items (not shown)`;
  return describeValue(value);
}

/**
 * Validates user options and merges them over the defaults, once.
 * `extraFields` are the other fields the entry point accepts (for example
 * `enabled`, `meterProvider`); anything else is a typo and throws.
 */
export function resolveOptions(input: unknown, extraFields: readonly string[] = []): ResolvedOptions {
  if (input === undefined || input === null) return DEFAULT_OPTIONS;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError(`options must be an object, got ${describeValue(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!OWN_FIELDS.includes(key) && !extraFields.includes(key)) {
      throw new TypeError(
        `unknown option ${key} (got ${describeUnknown(options[key])}); known options: ${[...OWN_FIELDS, ...extraFields].join(', ')}`,
      );
    }
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const flag of [...FAMILY_FLAGS, ...OPT_IN_FLAGS]) {
    const value = options[flag];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new TypeError(`${flag} must be a boolean, got ${describeValue(value)}`);
    resolved[flag] = value;
  }
  for (const [field, [min, max]] of Object.entries(INTEGER_RANGES)) {
    const value = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new TypeError(`${field} must be a number, got ${describeValue(value)}`);
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
    }
    resolved[field] = value;
  }
  for (const field of BUCKET_FIELDS) {
    const value = options[field];
    if (value === undefined) continue;
    resolved[field] = Object.freeze(validateBuckets(field, value));
  }
  const resolution = resolved.eventLoopResolutionMillis as number;
  const window = resolved.eventLoopWindowMillis as number;
  if (window < resolution * SLOTS_PER_WINDOW) {
    throw new RangeError(
      `eventLoopWindowMillis must be at least ${SLOTS_PER_WINDOW} x eventLoopResolutionMillis (${resolution * SLOTS_PER_WINDOW}), got ${window}`,
    );
  }
  return Object.freeze(resolved) as ResolvedOptions;
}

/** The event-loop window is kept as this many rotating slots. */
export const SLOTS_PER_WINDOW = 6;

function validateBuckets(field: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((bound) => typeof bound !== 'number')) {
    throw new TypeError(`${field} must be an array of numbers, got ${describeValue(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${field} must have at least one boundary, got []`);
  value.forEach((bound: number, index) => {
    if (!Number.isFinite(bound) || bound <= 0) {
      throw new RangeError(`${field} must hold finite numbers > 0 (seconds), got ${describeValue(value)}`);
    }
    if (index > 0 && bound <= value[index - 1]) {
      throw new RangeError(`${field} must be strictly increasing, got ${describeValue(value)}`);
    }
  });
  return [...value];
}
