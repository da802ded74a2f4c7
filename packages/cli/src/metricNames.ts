/**
 * Where each figure the report needs lives, in the three namings it meets,
 * first match wins: nodevitals' own Prometheus names (docs/metrics.md), the
 * Collector's prometheus exporter (the same, but the descriptor count without
 * `_value`: docs/prometheus.md#names), and prom-client's
 * (`collectDefaultMetrics()`, or `runtimeViews({ naming: 'prom-client' })`,
 * which keeps prom-client's names where it has a true counterpart:
 * docs/migrate.md).
 */
export const METRIC_NAMES = Object.freeze({
  heapUsed: ['v8js_memory_heap_total_used_bytes', 'nodejs_heap_size_used_bytes'],
  heapLimit: ['v8js_memory_heap_total_limit_bytes'],
  /** By heap space; the old generation is every space but the young one's. */
  heapSpaceUsed: ['v8js_memory_heap_used_bytes'],
  heapSpaceLabel: ['v8js_heap_space_name'],
  oldGenerationLimit: ['v8js_memory_heap_old_generation_limit_bytes'],
  rss: ['process_memory_usage_bytes', 'process_resident_memory_bytes'],
  containerLimit: ['process_memory_limit_bytes'],
  /** Histograms: the base name, read as `_bucket`, `_sum` and `_count`. */
  gcDuration: ['v8js_gc_duration_seconds', 'nodejs_gc_duration_seconds'],
  allocated: ['v8js_memory_heap_allocated_bytes_total'],
  delayP99: ['nodejs_eventloop_delay_p99_seconds', 'nodejs_eventloop_lag_p99_seconds'],
  /** Counter by state (active, idle): its rate is the utilization over the period. */
  loopTime: ['nodejs_eventloop_time_seconds_total'],
  utilization: ['nodejs_eventloop_utilization_ratio'],
  /** By resource type, summed. */
  activeResources: ['v8js_resource_active', 'nodejs_active_resources'],
  /** prom-client's totals, when the by-type series are missing. */
  activeResourcesTotal: ['nodejs_active_resources_total'],
  activeHandlesAndRequests: ['nodejs_active_handles_total', 'nodejs_active_requests_total'],
  openFds: ['process_unix_file_descriptor_count_value', 'process_unix_file_descriptor_count', 'process_open_fds'],
  fdLimit: ['process_unix_file_descriptor_limit', 'process_max_fds'],
  /** The workers family (opt-in): one series per worker thread, by `thread_id`. */
  workerCount: ['nodejs_worker_count_value', 'nodejs_worker_count'],
  workerLoopTime: ['nodejs_worker_eventloop_time_seconds_total'],
  workerHeapUsed: ['nodejs_worker_heap_used_bytes'],
  workerHeapLimit: ['nodejs_worker_heap_limit_bytes'],
  threadLabel: ['thread_id'],
  /** The GC kind label: ours, or prom-client's. */
  gcKindLabel: ['v8js_gc_type', 'kind'],
  loopStateLabel: ['nodejs_eventloop_state'],
} as const);

/** Which naming a page uses, for the report's header and JSON. */
export type Naming = 'nodevitals' | 'collector' | 'prom-client' | 'unknown';
