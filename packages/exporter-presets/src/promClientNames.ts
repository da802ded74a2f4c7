import type { MetricId } from '@nodevitals/instrumentation';

/**
 * prom-client's `collectDefaultMetrics()` names for the runtime metrics that
 * have a true counterpart (same meaning, same unit, same instrument kind).
 * These are the names of another library, keyed by our catalog ids, so no
 * name of ours is written here. A view can rename a metric but cannot rename
 * attribute keys (`kind`, `space`, `type` stay `v8js_gc_type`,
 * `v8js_heap_space_name`, `v8js_resource_type`), split one metric by an
 * attribute value (`process.cpu.time` into user/system), or sum an
 * asynchronous counter over a dropped attribute (the SDK keeps the last value),
 * so everything else keeps its OpenTelemetry name.
 */
export const PROM_CLIENT_NAMES: Readonly<Partial<Record<MetricId, string>>> = Object.freeze({
  heapSize: 'nodejs_heap_size_total_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  externalMemory: 'nodejs_external_memory_bytes',
  heapSpaceSize: 'nodejs_heap_space_size_total_bytes',
  heapSpaceUsed: 'nodejs_heap_space_size_used_bytes',
  heapSpaceAvailable: 'nodejs_heap_space_size_available_bytes',
  gcDuration: 'nodejs_gc_duration_seconds',
  eventLoopDelayMin: 'nodejs_eventloop_lag_min_seconds',
  eventLoopDelayMax: 'nodejs_eventloop_lag_max_seconds',
  eventLoopDelayMean: 'nodejs_eventloop_lag_mean_seconds',
  eventLoopDelayStddev: 'nodejs_eventloop_lag_stddev_seconds',
  eventLoopDelayP50: 'nodejs_eventloop_lag_p50_seconds',
  eventLoopDelayP90: 'nodejs_eventloop_lag_p90_seconds',
  eventLoopDelayP99: 'nodejs_eventloop_lag_p99_seconds',
  resourcesActive: 'nodejs_active_resources',
  memoryUsage: 'process_resident_memory_bytes',
  memoryVirtual: 'process_virtual_memory_bytes',
  fileDescriptors: 'process_open_fds',
  fileDescriptorLimit: 'process_max_fds',
});

/** prom-client's GC histogram buckets, so `le` labels in existing dashboards still match. */
export const PROM_CLIENT_GC_BUCKETS_SECONDS: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 2, 5]);
