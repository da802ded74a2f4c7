/**
 * What the report judges: the runtime's figures over one sampling period,
 * whoever measured them (the CLI from a Prometheus endpoint, `runtimeReport()`
 * from the runtime APIs). A figure the source does not have stays undefined
 * and its finding says `unknown`, never a guessed value.
 */
export interface RuntimeMeasurements {
  /** Seconds between the first and the last read the rates are taken over. */
  readonly periodSeconds: number;
  readonly heapUsedBytes?: number;
  /** V8's heap limit (`heap_size_limit`): the old generation's maximum plus the young generation's reserve. */
  readonly heapLimitBytes?: number;
  /** Bytes used by every heap space but the young generation's. */
  readonly oldGenerationUsedBytes?: number;
  /** The most the old generation may hold (`--max-old-space-size`), where V8 aborts the process. */
  readonly oldGenerationLimitBytes?: number;
  readonly rssBytes?: number;
  /** The container's memory limit (cgroup memory.max); undefined where there is none. */
  readonly containerLimitBytes?: number;
  /** Undefined when the source reports no GC durations at all. */
  readonly gc?: GcMeasurements;
  /** Bytes allocated on the V8 heap per second over the period (Node 26+ reports the counter). */
  readonly allocationBytesPerSecond?: number;
  /** Worst event-loop delay p99 seen over the period. */
  readonly eventLoopDelayP99Seconds?: number;
  /** Busy share of the event loop over the period, 0 to 1. */
  readonly eventLoopUtilization?: number;
  readonly activeHandles?: number;
  /** Active-handle floor at the end / the floor an hour earlier; only from a period of at least an hour. */
  readonly activeHandlesGrowth?: number;
  readonly openFileDescriptors?: number;
  readonly fileDescriptorLimit?: number;
  /** Worker threads; undefined when the source does not report workers. */
  readonly workers?: WorkerMeasurements;
}

export interface WorkerMeasurements {
  /** Worker threads running. */
  readonly count: number;
  /** The highest event-loop utilization of any worker over the period, 0 to 1. */
  readonly busiestUtilization?: number;
  /** The highest heap used / heap limit of any worker. */
  readonly fullestHeapShare?: number;
}

export interface GcMeasurements {
  /** Seconds of GC pauses per second of wall time over the period. */
  readonly timeShare: number;
  /** Per GC type (major, minor, incremental, weakcb: the catalog's GC_TYPES): pauses in the period. */
  readonly byKind: Readonly<Record<string, GcKindMeasurements>>;
}

export interface GcKindMeasurements {
  readonly count: number;
  readonly seconds: number;
  /** Pause p99; undefined without a pause in the period. */
  readonly p99Seconds?: number;
  /** True when the p99 lies past the last finite histogram bucket, so `p99Seconds` is a lower bound. */
  readonly p99IsLowerBound?: boolean;
}
