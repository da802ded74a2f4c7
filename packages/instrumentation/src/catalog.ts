/**
 * The metric catalog: every metric this package can emit, and the only place
 * in `src/` where a metric or attribute name is written down. Families,
 * the generated reference (docs/metrics.md), the contract test and the
 * dashboard check all read it.
 */

/** The OpenTelemetry data type a metric is exported as. */
export type InstrumentKind = 'counter' | 'updowncounter' | 'gauge' | 'histogram';

/**
 * The families that can be switched on and off one by one (`health` is the
 * health monitor's state series, reported while a HealthMonitor runs).
 */
export type FamilyName = 'heap' | 'gc' | 'eventLoop' | 'resources' | 'process' | 'workers' | 'health' | 'diagnostics';

/**
 * `semconv`: name, instrument and unit follow the OpenTelemetry semantic
 * conventions (model/v8js, model/nodejs, model/process).
 * `extension`: our own metric where no convention exists.
 */
export type Convention = 'semconv' | 'extension';

export interface MetricDefinition {
  readonly name: string;
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Attribute keys on every data point; empty for a single series. */
  readonly attributes: readonly string[];
  readonly family: FamilyName;
  readonly convention: Convention;
  /** The Node.js API the value is read from. */
  readonly source: string;
  /**
   * The option that turns this metric on, for series few users need: off by
   * default to keep the default scrape small (docs/cost-and-cardinality.md).
   */
  readonly optIn?: string;
}

/** Attribute keys, and the closed sets of values where there is one. */
export const ATTRIBUTES = Object.freeze({
  heapSpaceName: 'v8js.heap.space.name',
  gcType: 'v8js.gc.type',
  eventLoopState: 'nodejs.eventloop.state',
  resourceType: 'v8js.resource.type',
  cpuMode: 'cpu.mode',
  contextSwitchType: 'process.context_switch.type',
  pagingFaultType: 'system.paging.fault.type',
  diskIoDirection: 'disk.io.direction',
  // The conventions' thread attributes (registry namespace `thread`): Node's
  // threadId (0 on the main thread) and the worker's `name` option.
  threadId: 'thread.id',
  threadName: 'thread.name',
  healthCheck: 'nodevitals.health.check',
  diagnosticsCapture: 'nodevitals.diagnostics.capture',
  diagnosticsOutcome: 'nodevitals.diagnostics.outcome',
} as const);

export const GC_TYPES = Object.freeze(['major', 'minor', 'incremental', 'weakcb'] as const);
export type GcType = (typeof GC_TYPES)[number];

const HEAP_SPACE = [ATTRIBUTES.heapSpaceName] as const;
const HEAP_SPACE_STATS = 'v8.getHeapSpaceStatistics()';
const HEAP_STATS = 'v8.getHeapStatistics()';
const DELAY_SOURCE =
  'monitorEventLoopDelay({ samplePerIteration: true }) on Node 24.21+/26.5+; elsewhere an unref\'d check-phase setImmediate + performance.nodeTiming.idleTime, per iteration';
const ELU = 'performance.eventLoopUtilization()';
const RESOURCE_USAGE = 'process.resourceUsage()';
const PROC_STAT = '/proc/self/stat';
const UV_METRICS = 'performance.nodeTiming.uvMetricsInfo';
const THREAD = [ATTRIBUTES.threadId, ATTRIBUTES.threadName] as const;
const WORKER_SEEN = "diagnostics_channel 'worker_threads' (every Worker created after start)";

function define<T extends Record<string, MetricDefinition>>(entries: T): Readonly<T> {
  for (const entry of Object.values(entries)) Object.freeze(entry);
  return Object.freeze(entries);
}

function delayGauge(stat: string, what: string): MetricDefinition {
  return {
    name: `nodejs.eventloop.delay.${stat}`,
    instrument: 'gauge',
    unit: 's',
    description: `Event-loop delay, ${what}, over the sliding window, sampling-resolution floor removed.`,
    attributes: [],
    family: 'eventLoop',
    convention: 'semconv',
    source: DELAY_SOURCE,
  };
}

function heapTotal(field: string, name: string, description: string): MetricDefinition {
  return {
    name: `v8js.memory.heap.total.${name}`,
    instrument: 'updowncounter',
    unit: 'By',
    description,
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} ${field}`,
  };
}

export const METRICS = define({
  // heap: per space (semantic conventions)
  heapSpaceUsed: {
    name: 'v8js.memory.heap.used',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes used in a V8 heap space.',
    attributes: HEAP_SPACE,
    family: 'heap',
    convention: 'semconv',
    source: `${HEAP_SPACE_STATS} space_used_size`,
  },
  heapSpaceSize: {
    name: 'v8js.memory.heap.space.size',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes reserved for a V8 heap space.',
    attributes: HEAP_SPACE,
    family: 'heap',
    convention: 'semconv',
    source: `${HEAP_SPACE_STATS} space_size`,
  },
  heapSpaceAvailable: {
    name: 'v8js.memory.heap.space.available_size',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes still available in a V8 heap space.',
    attributes: HEAP_SPACE,
    family: 'heap',
    convention: 'semconv',
    source: `${HEAP_SPACE_STATS} space_available_size`,
    optIn: 'heapSpaceDetail',
  },
  heapSpacePhysical: {
    name: 'v8js.memory.heap.space.physical_size',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes of a V8 heap space committed to physical memory.',
    attributes: HEAP_SPACE,
    family: 'heap',
    convention: 'semconv',
    source: `${HEAP_SPACE_STATS} physical_space_size`,
    optIn: 'heapSpaceDetail',
  },
  // heap: whole heap and off-heap memory (extensions)
  heapLimit: heapTotal(
    'heap_size_limit',
    'limit',
    'The most the V8 heap may grow to (--max-old-space-size and friends); the process aborts past it.',
  ),
  heapOldGenerationLimit: {
    name: 'v8js.memory.heap.old_generation.limit',
    instrument: 'updowncounter',
    unit: 'By',
    description:
      'The most the old generation (every V8 heap space but the young one) may hold: V8 aborts the process when it cannot grow past it. The configured maximum, else the whole heap limit; the heap limit also reserves the young generation (192 MiB on Node 24), so judge the old generation against this one.',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source:
      '--max-old-space-size or --max-old-space-size-percentage (NODE_OPTIONS, then process.execArgv), or a Worker\'s resourceLimits.maxOldGenerationSizeMb, where it fits under v8.getHeapStatistics() heap_size_limit; else heap_size_limit',
  },
  heapSize: heapTotal('total_heap_size', 'size', 'Bytes reserved for the whole V8 heap.'),
  heapUsed: heapTotal('used_heap_size', 'used', 'Bytes used in the whole V8 heap.'),
  heapAvailable: heapTotal(
    'total_available_size',
    'available',
    'Bytes the V8 heap can still grow by before it reaches its limit.',
  ),
  heapPhysical: heapTotal('total_physical_size', 'physical', 'Bytes of the V8 heap committed to physical memory.'),
  mallocedMemory: {
    name: 'v8js.memory.malloced',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes V8 allocated with malloc outside the heap.',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} malloced_memory`,
  },
  externalMemory: {
    name: 'v8js.memory.external',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes of C++ objects bound to JavaScript objects (Buffers included).',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} external_memory`,
  },
  arrayBuffers: {
    name: 'v8js.memory.array_buffers',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Bytes allocated for ArrayBuffers and SharedArrayBuffers (Buffers included).',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: 'process.memoryUsage() arrayBuffers',
  },
  nativeContexts: {
    name: 'v8js.context.native',
    instrument: 'updowncounter',
    unit: '{context}',
    description: 'Top-level V8 contexts alive (one per realm: main, vm contexts, iframes of jsdom).',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} number_of_native_contexts`,
  },
  detachedContexts: {
    name: 'v8js.context.detached',
    instrument: 'updowncounter',
    unit: '{context}',
    description: 'V8 contexts detached but not yet collected; steady growth is a leak.',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} number_of_detached_contexts`,
  },

  // gc
  gcDuration: {
    name: 'v8js.gc.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Garbage-collection pause duration, every gc performance entry recorded.',
    attributes: [ATTRIBUTES.gcType],
    family: 'gc',
    convention: 'semconv',
    source: "PerformanceObserver entryTypes ['gc']",
  },

  // event loop
  eventLoopDelayMin: delayGauge('min', 'minimum'),
  eventLoopDelayMax: delayGauge('max', 'maximum'),
  eventLoopDelayMean: delayGauge('mean', 'mean'),
  eventLoopDelayStddev: delayGauge('stddev', 'standard deviation'),
  eventLoopDelayP50: delayGauge('p50', '50th percentile'),
  eventLoopDelayP90: delayGauge('p90', '90th percentile'),
  eventLoopDelayP99: delayGauge('p99', '99th percentile'),
  eventLoopDelayDistribution: {
    name: 'nodejs.eventloop.delay.distribution',
    instrument: 'histogram',
    unit: 's',
    description:
      'Event-loop delay samples as a histogram: unlike the percentile gauges it merges across processes and time.',
    attributes: [],
    family: 'eventLoop',
    convention: 'extension',
    source: DELAY_SOURCE,
  },
  eventLoopUtilization: {
    name: 'nodejs.eventloop.utilization',
    instrument: 'gauge',
    unit: '1',
    description: 'Share of time the event loop was busy over the sliding window, 0 to 1.',
    attributes: [],
    family: 'eventLoop',
    convention: 'semconv',
    source: 'loop idle time over the window, performance.nodeTiming.idleTime (sampler)',
  },
  eventLoopTime: {
    name: 'nodejs.eventloop.time',
    instrument: 'counter',
    unit: 's',
    description: 'Cumulative time the event loop spent in each state.',
    attributes: [ATTRIBUTES.eventLoopState],
    family: 'eventLoop',
    convention: 'semconv',
    source: ELU,
  },

  // active resources
  resourcesActive: {
    name: 'v8js.resource.active',
    instrument: 'gauge',
    unit: '{resource}',
    description: 'Active libuv handles, requests and timers keeping the event loop alive, by type.',
    attributes: [ATTRIBUTES.resourceType],
    family: 'resources',
    convention: 'semconv',
    source: 'process.getActiveResourcesInfo()',
  },

  // process
  cpuTime: {
    name: 'process.cpu.time',
    instrument: 'counter',
    unit: 's',
    description: 'CPU time consumed by the process, by mode.',
    attributes: [ATTRIBUTES.cpuMode],
    family: 'process',
    convention: 'semconv',
    source: `${RESOURCE_USAGE} userCPUTime, systemCPUTime`,
  },
  memoryUsage: {
    name: 'process.memory.usage',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Resident set size: physical memory the process uses.',
    attributes: [],
    family: 'process',
    convention: 'semconv',
    source: 'process.memoryUsage() rss (shared with the heap family)',
  },
  uptime: {
    name: 'process.uptime',
    instrument: 'gauge',
    unit: 's',
    description: 'Time since the process started.',
    attributes: [],
    family: 'process',
    convention: 'semconv',
    source: 'process.uptime()',
  },
  fileDescriptors: {
    name: 'process.unix.file_descriptor.count',
    instrument: 'updowncounter',
    unit: '{file_descriptor}',
    description: 'File descriptors open in the process (Linux), the one nodevitals counts them with included.',
    attributes: [],
    family: 'process',
    convention: 'semconv',
    source: 'fstat of a kept /proc/self/fd descriptor (Linux 6.2+), else readdir /proc/self/fd',
  },
  fileDescriptorLimit: {
    name: 'process.unix.file_descriptor.limit',
    instrument: 'updowncounter',
    unit: '{file_descriptor}',
    description: 'Soft limit on open file descriptors (RLIMIT_NOFILE), for "near the limit" alerts (Linux).',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: '/proc/self/limits (read at start)',
  },
  contextSwitches: {
    name: 'process.context_switches',
    instrument: 'counter',
    unit: '{context_switch}',
    description: 'Times the process was context-switched, voluntarily (waiting) or not (preempted).',
    attributes: [ATTRIBUTES.contextSwitchType],
    family: 'process',
    convention: 'semconv',
    source: `${RESOURCE_USAGE} voluntaryContextSwitches, involuntaryContextSwitches`,
  },
  pageFaults: {
    name: 'process.paging.faults',
    instrument: 'counter',
    unit: '{fault}',
    description: 'Page faults, minor (no I/O) and major (read from disk).',
    attributes: [ATTRIBUTES.pagingFaultType],
    family: 'process',
    convention: 'semconv',
    source: `${RESOURCE_USAGE} minorPageFault, majorPageFault`,
  },

  // Signals added for issue 12 (appended so the families' existing order stays put).
  // heap
  heapAllocated: {
    name: 'v8js.memory.heap.allocated',
    instrument: 'counter',
    unit: 'By',
    description: 'Bytes allocated on the V8 heap since the isolate started; its rate is the allocation rate.',
    attributes: [],
    family: 'heap',
    convention: 'extension',
    source: `${HEAP_STATS} total_allocated_bytes (Node 26+)`,
  },
  // gc: read when a major GC's entry arrives, so the value is the retained set, not a random point of the sawtooth
  heapLive: {
    name: 'v8js.memory.heap.live',
    instrument: 'updowncounter',
    unit: 'By',
    description:
      'Bytes used by the old generation (every V8 heap space but the young one) right after the last major GC: the retained set. A floor that keeps rising is a leak.',
    attributes: [],
    family: 'gc',
    convention: 'extension',
    source: `${HEAP_SPACE_STATS} space_used_size, read when a major gc performance entry arrives`,
  },
  lastMajorGc: {
    name: 'v8js.gc.major.last_time',
    instrument: 'gauge',
    unit: 's',
    description: 'Unix time at which the last major (mark-compact) GC ended.',
    attributes: [],
    family: 'gc',
    convention: 'extension',
    source: 'gc performance entry startTime + duration, on the wall clock read when the entry arrives',
  },
  // process: container memory
  memoryLimit: {
    name: 'process.memory.limit',
    instrument: 'updowncounter',
    unit: 'By',
    description:
      'The memory limit the OS puts on the process (the cgroup memory.max of its container); not reported when there is none.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: 'process.constrainedMemory() (read at most once a minute)',
  },
  memoryAvailable: {
    name: 'process.memory.available',
    instrument: 'updowncounter',
    unit: 'By',
    description:
      'Bytes the process can still use: the headroom under its memory limit, or the free system memory where there is no limit.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: 'process.availableMemory()',
  },
  // process: semantic-convention metrics read from /proc
  memoryVirtual: {
    name: 'process.memory.virtual',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Virtual memory the process has mapped (Linux).',
    attributes: [],
    family: 'process',
    convention: 'semconv',
    source: `${PROC_STAT} vsize`,
  },
  threadCount: {
    name: 'process.thread.count',
    instrument: 'updowncounter',
    unit: '{thread}',
    description: 'Threads of the process: the main thread, V8 and libuv helpers, workers (Linux).',
    attributes: [],
    family: 'process',
    convention: 'semconv',
    source: `${PROC_STAT} num_threads`,
  },
  // process: the CPUs it may use; the semantic conventions have it for the JVM
  // (jvm.cpu.count), .NET (dotnet.process.cpu.count) and Go (go.processor.limit), not for Node
  availableParallelism: {
    name: 'nodejs.cpu.count',
    instrument: 'updowncounter',
    unit: '{cpu}',
    description:
      'CPUs the process may run on: the logical CPUs of its affinity mask, capped by its cgroup CPU quota; the count to size worker pools by.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: 'os.availableParallelism() (libuv: sched_getaffinity, capped by the cgroup CPU quota rounded down)',
  },
  diskIo: {
    name: 'process.disk.io',
    instrument: 'counter',
    unit: 'By',
    description: 'Bytes the process made the storage layer read and write (page-cache hits not counted) (Linux).',
    attributes: [ATTRIBUTES.diskIoDirection],
    family: 'process',
    convention: 'semconv',
    source: '/proc/self/io read_bytes, write_bytes',
    optIn: 'diskIo',
  },
  // process: CPU of the thread running JavaScript
  threadCpuTime: {
    name: 'nodejs.thread.cpu.time',
    instrument: 'counter',
    unit: 's',
    description:
      'CPU time of the thread running JavaScript, by mode; process.cpu.time minus this is what GC helpers, the libuv pool and workers used.',
    attributes: [ATTRIBUTES.cpuMode],
    family: 'process',
    convention: 'extension',
    source: 'process.threadCpuUsage() (Node 22.19+, 23.9+)',
    optIn: 'threadCpu',
  },
  // process: libuv's own loop counters (see families/process.ts for why they live here)
  loopIterations: {
    name: 'nodejs.eventloop.iterations',
    instrument: 'counter',
    unit: '{iteration}',
    description: 'Turns of the event loop since it started.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: `${UV_METRICS} loopCount`,
    optIn: 'loopCounters',
  },
  loopEventsProcessed: {
    name: 'nodejs.eventloop.events.processed',
    instrument: 'counter',
    unit: '{event}',
    description: 'I/O events the event loop has handled since it started.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: `${UV_METRICS} events`,
    optIn: 'loopCounters',
  },
  loopEventsWaiting: {
    name: 'nodejs.eventloop.events.waiting',
    instrument: 'counter',
    unit: '{event}',
    description:
      'I/O events that were already waiting when the loop polled, summed since it started; a share of processed events that grows means the loop is saturated.',
    attributes: [],
    family: 'process',
    convention: 'extension',
    source: `${UV_METRICS} eventsWaiting`,
    optIn: 'loopCounters',
  },

  // workers: every worker thread, read from the thread that created it
  workerCount: {
    name: 'nodejs.worker.count',
    instrument: 'updowncounter',
    unit: '{thread}',
    description:
      'Worker threads running that this thread created, reported one by one or not (past the cap of tracked workers).',
    attributes: [],
    family: 'workers',
    convention: 'extension',
    source: `${WORKER_SEEN}, until its exit event`,
    optIn: 'workers',
  },
  workerEventLoopTime: {
    name: 'nodejs.worker.eventloop.time',
    instrument: 'counter',
    unit: 's',
    description: "Cumulative time a worker thread's event loop spent in each state; its active share is the worker's utilization.",
    attributes: [ATTRIBUTES.eventLoopState, ...THREAD],
    family: 'workers',
    convention: 'extension',
    source: 'worker.performance.eventLoopUtilization()',
    optIn: 'workers',
  },
  workerHeapUsed: {
    name: 'nodejs.worker.heap.used',
    instrument: 'updowncounter',
    unit: 'By',
    description: "Bytes used in a worker thread's V8 heap, as of the previous collection (the read is asynchronous).",
    attributes: [...THREAD],
    family: 'workers',
    convention: 'extension',
    source: 'worker.getHeapStatistics() used_heap_size, where the Worker has it (22.16+)',
    optIn: 'workers',
  },
  workerHeapLimit: {
    name: 'nodejs.worker.heap.limit',
    instrument: 'updowncounter',
    unit: 'By',
    description: "The most a worker thread's V8 heap may grow to; the worker is stopped past it.",
    attributes: [...THREAD],
    family: 'workers',
    convention: 'extension',
    source:
      "worker.getHeapStatistics() heap_size_limit; where the Worker lacks it, worker.resourceLimits maxOldGenerationSizeMb + maxYoungGenerationSizeMb (which misses a process-wide --max-old-space-size)",
    optIn: 'workers',
  },
  workerCpuTime: {
    name: 'nodejs.worker.cpu.time',
    instrument: 'counter',
    unit: 's',
    description: 'CPU time of a worker thread, by mode, as of the previous collection (the read is asynchronous).',
    attributes: [ATTRIBUTES.cpuMode, ...THREAD],
    family: 'workers',
    convention: 'extension',
    source: 'worker.cpuUsage(), where the Worker has it (22.19+)',
    optIn: 'workers',
  },
  // health: one series per check of the thresholds table (src/health/thresholds.ts)
  healthStatus: {
    name: 'nodevitals.health.status',
    instrument: 'gauge',
    unit: '{status}',
    description:
      'State of a health check at its last evaluation: 0 ok, 1 warning, 2 critical, by the thresholds /health uses. Reported while a HealthMonitor runs (the presets run one unless NODEVITALS_HEALTH=false).',
    attributes: [ATTRIBUTES.healthCheck],
    family: 'health',
    convention: 'extension',
    source: 'HealthMonitor: event-loop delay and utilization, heap, container memory, GC, descriptors, active resources',
  },
  // diagnostics: what the captures on threshold did (src/diagnostics)
  diagnosticsCaptures: {
    name: 'nodevitals.diagnostics.captures',
    instrument: 'counter',
    unit: '{capture}',
    description:
      'Diagnostic captures of this process by kind (heap-snapshot, heap-profile, cpu-profile) and outcome: written (its file is in the directory), skipped (by maxCaptures, maxBytes or the rate limit) or failed. Reported while startDiagnostics() runs (the presets: NODEVITALS_DIAGNOSTICS).',
    attributes: [ATTRIBUTES.diagnosticsCapture, ATTRIBUTES.diagnosticsOutcome],
    family: 'diagnostics',
    convention: 'extension',
    source: "startDiagnostics(): this process's files in the capture directory; the skips and failures it counted",
  },
});

export type MetricId = keyof typeof METRICS;

/** Catalog entries of one family, in catalog order. */
export function metricsOf(family: FamilyName): MetricDefinition[] {
  return Object.values(METRICS).filter((metric) => metric.family === family);
}
