// Renders docs/metrics.md from the catalog. `node scripts/gen-docs.cjs`
// writes it; the instrumentation test suite fails when the file is stale.
import { METRICS, type FamilyName, type MetricDefinition } from '../packages/instrumentation/src/catalog';
import { DEFAULT_OPTIONS, SLOTS_PER_WINDOW } from '../packages/instrumentation/src/options';
import { prometheusMetricName } from '../packages/exporter-presets/src/internal/prometheusUnits';
import { DataPointType } from '@opentelemetry/sdk-metrics';

const FAMILY_TITLES: Record<FamilyName, string> = {
  heap: 'Heap (`heap`)',
  gc: 'Garbage collection (`gc`)',
  eventLoop: 'Event loop (`eventLoop`)',
  resources: 'Active resources (`resources`)',
  process: 'Process (`process`)',
  workers: 'Worker threads (`workers`, off by default)',
  health: 'Health (the state of each check of [health](health.md), while a health monitor runs)',
  diagnostics: 'Diagnostics (the captures of [diagnostics](diagnostics.md), while they run)',
};

const DATA_POINT_TYPES: Record<MetricDefinition['instrument'], DataPointType> = {
  counter: DataPointType.SUM,
  updowncounter: DataPointType.SUM,
  gauge: DataPointType.GAUGE,
  histogram: DataPointType.HISTOGRAM,
};

/**
 * The series name the preset's Prometheus endpoint serves: the exporter-presets'
 * own naming (unit suffix, `_total` on counters), `_bucket` shown for histograms.
 */
export function prometheusNameOf(metric: MetricDefinition): string {
  const base = prometheusMetricName(
    { descriptor: { name: metric.name, unit: metric.unit }, dataPointType: DATA_POINT_TYPES[metric.instrument] },
    true,
  );
  if (metric.instrument === 'counter') return `${base}_total`;
  if (metric.instrument === 'histogram') return `${base}_bucket`;
  return base;
}

/** Metrics that are off by default say which option turns them on. */
function optInNote(metric: MetricDefinition): string {
  return metric.optIn ? ` Off by default: \`${metric.optIn}: true\`.` : '';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The names the preset suffixes with `_value` (and the Collector does not), backticked: `a`, `b` and `c`. */
function withoutValueSuffix(entries: readonly MetricDefinition[]): string {
  const names = entries
    .map((metric) => prometheusNameOf(metric))
    .filter((name) => name.endsWith('_value'))
    .map((name) => `\`${name.slice(0, -'_value'.length)}\``);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
}

export function renderMetricsDoc(): string {
  const entries = Object.values(METRICS);
  const lines = [
    '<!-- Generated from packages/instrumentation/src/catalog.ts by `node scripts/gen-docs.cjs`. Do not edit. -->',
    '# Metric reference',
    '',
    `Every metric \`@nodevitals/instrumentation\` emits: ${entries.length} metrics in six families, each family switched off with its option (\`heap: false\`, …; \`workers\` is off until \`workers: true\`), the health monitor's state series, and the diagnostics' capture counter.`,
    '**semconv** names, instruments and units follow the OpenTelemetry semantic conventions (v8js, nodejs, process);',
    '**extension** marks our own metrics where no convention exists.',
    'The Prometheus column is the series name `@nodevitals/exporter-presets` serves on `/metrics`: unit suffix and `_total` as in',
    "OpenTelemetry's Prometheus compatibility rules, the same names the Collector's Prometheus exporters write (histograms also have",
    `\`_sum\` and \`_count\`; the Collector writes ${withoutValueSuffix(entries)} without the \`_value\` that keeps a name ending in \`_count\` from reading as a histogram count).`,
    '',
    'Metrics whose description ends "Off by default" are opt-in: their option turns them on ([cost-and-cardinality.md](cost-and-cardinality.md) lists what each adds).',
    '',
    'Instrument kinds: *counter* is a monotonic sum, *updowncounter* a non-monotonic sum (a Prometheus gauge),',
    '*gauge* a last value, *histogram* an explicit-bucket histogram.',
    '',
  ];
  for (const family of Object.keys(FAMILY_TITLES) as FamilyName[]) {
    lines.push(`## ${FAMILY_TITLES[family]}`, '');
    lines.push('| Metric | Prometheus | Kind | Unit | Attributes | Convention | Read from | Description |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const metric of entries.filter((entry) => entry.family === family)) {
      const attributes = metric.attributes.length ? metric.attributes.map((key) => `\`${key}\``).join(', ') : '—';
      lines.push(
        `| \`${metric.name}\` | \`${prometheusNameOf(metric)}\` | ${metric.instrument} | \`${metric.unit}\` | ${attributes} | ${metric.convention} | ${cell(metric.source)} | ${cell(metric.description)}${optInNote(metric)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Histogram buckets',
    '',
    `- \`v8js.gc.duration\` (seconds): ${DEFAULT_OPTIONS.gcDurationBucketsSeconds.join(', ')}. Option \`gcDurationBucketsSeconds\`.`,
    `- \`nodejs.eventloop.delay.distribution\` (seconds): ${DEFAULT_OPTIONS.eventLoopDelayBucketsSeconds.join(', ')}. Option \`eventLoopDelayBucketsSeconds\`.`,
    '',
    'The GC buckets are the semantic conventions\' advice for `v8js.gc.duration` (0.005 to 10 s, semantic-conventions PR #3761,',
    'also what `@opentelemetry/instrumentation-runtime-node` 0.37 uses) with five more bounds below 5 ms. Scavenges are most of all',
    'pauses and take 0.1-5 ms on a quiet machine: with the advice alone every one of them lands in the first bucket, so a scavenge that',
    'doubles in length does not move any quantile. Mark-compacts of large heaps pass 1 s, which the earlier 0.1 ms to 1 s buckets lost',
    'to `+Inf`. Every bound of the advice is also one of ours, so a query or dashboard written for the advice (`le="0.005"`, `le="10"`)',
    'reads the same series here, and re-aggregating to the advice\'s buckets is exact. The cost is six more bounds per GC kind (one',
    'Prometheus series each). Measured on this project\'s 2-core VM under heavy load from other jobs (load average 60-90, which',
    'stretches every pause), a service-like workload still put 30-53 % of its scavenges under 5 ms on Node 22, 24 and 26: one bucket',
    'with the advice, five with these.',
    '',
    '## How the event-loop values are made',
    '',
    'One delay sample is one loop iteration\'s busy time, on every Node line; what measures it depends on the line:',
    '',
    '- **Node 24.21+ and 26.5+: Node itself** (`monitorEventLoopDelay({ samplePerIteration: true })`, from libuv\'s prepare and',
    '  check hooks). The first sample after the instrumentation starts spans from the start to the end of the first iteration',
    '  (at process start, the whole first idle wait) and is dropped. The line is chosen by version: older lines accept the option',
    '  silently and fall back to a 10 ms timer.',
    "- **Node 22 (and 20): an unref'd check-phase callback** (`setImmediate`, re-armed from itself), which takes the time since",
    "  the previous iteration's check phase minus the time the loop waited for I/O in between (`performance.nodeTiming.idleTime`).",
    '  The unref\'d immediate neither keeps the process alive nor stops libuv\'s poll from blocking, so it runs only in iterations',
    '  that happen anyway. Its first sample is the busy time since the start.',
    '',
    'Either way there is no sampling timer: an idle loop is not woken and reports nothing until something runs, a 50 ms stall reads',
    'as the iteration that held it (within 3 ms of an independent timing on every line, test/accuracy/eventLoop.test.ts), every',
    'short stall is seen, and a busy server gets one sample per iteration, so the percentiles describe "a loop iteration" on every',
    'line. The price is paid per iteration where Node lacks the hooks. On Node 22 it is one unref\'d immediate and one JavaScript',
    'call per iteration, shared by the metrics and the health monitor: +1.3 µs an iteration on a loop that only echoes a byte over',
    'loopback, most of it the immediate itself (a bare one re-armed every iteration costs ~0.8-0.9 µs there), against 0-0.3 µs for',
    'Node\'s own hooks on 24 and 26 (`node bench/iterationCost.mjs`, docs/benchmarks.md). Idle, that is nothing; a trivial HTTP',
    'server at ~39k requests a second measured 1.05x CPU per request on Node 22 (runtime-node 1.08x, prom-client 1.16x, same run).',
    'The chain of immediates starts in the async context the module was loaded in, so it holds no request\'s context (an',
    'AsyncLocalStorage store, an active span) as long as the package loads at start-up (a preload or a top-level import, as any',
    'instrumentation should), and it takes Node\'s immediates from `node:timers` when the module loads, so fake',
    'timers installed before or after do not capture it. Only a runtime with neither falls back to an unref\'d JavaScript timer every',
    `\`eventLoopResolutionMillis\` (default ${DEFAULT_OPTIONS.eventLoopResolutionMillis} ms), whose sample is the busy time that held it back.`,
    '',
    `The delay gauges (\`nodejs.eventloop.delay.min\` to \`nodejs.eventloop.delay.p99\`) and \`nodejs.eventloop.utilization\` describe a sliding window (\`eventLoopWindowMillis\`, default ${DEFAULT_OPTIONS.eventLoopWindowMillis / 1000} s)`,
    `kept on the instrumentation's own clock in ${SLOTS_PER_WINDOW} slots, so any number of readers, collecting at any moments, read the same complete values. The`,
    'sampler reads the per-iteration histogram into the current slot at every collection and at every slot boundary (one unref\'d',
    'timer per slot length, every 10 s by default: its only wake-up).',
    'Every sample also goes into `nodejs.eventloop.delay.distribution`, which the SDK aggregates per reader and which, unlike the',
    'percentile gauges, can be summed across processes: `histogram_quantile(0.99, sum by (le) (rate(nodejs_eventloop_delay_distribution_seconds_bucket[5m])))`.',
    'It gets every iteration up to 100 a second and, above that, a proportional sample of them: every bucket scaled alike,',
    'fractions carried to the next collection so each bucket keeps its share over time, the longest and shortest iteration always',
    'recorded as they are. A busy server\'s thousands of iterations a second would otherwise be thousands of SDK records a second.',
    'Its count and its bucket counts are then a sample (the rate of stalls above a bound is scaled like everything else, use the',
    'window gauges or the quantiles for them); its quantiles are unbiased and its max exact.',
    'Samples reach it at the next collection, not one by one. Min and max are exact, and so is the count below that bound; each value is placed within ~4 % of itself',
    '(the sampler\'s own buckets), which only matters for a sample that close to a bucket boundary; the sum is within that ~4 %',
    '(the per-iteration histogram is read bucket by bucket, not value by value).',
    '',
    '## Leaks, allocation and container memory',
    '',
    '`v8js.memory.heap.live` is read when the performance entry of a major GC arrives, a moment after the pause: the old generation',
    '(every heap space but the young one, which takes what was allocated since) is then the set of objects that survived. The sawtooth of',
    '`v8js.memory.heap.total.used` hides a leak; this floor shows it: `deriv(v8js_memory_heap_live_bytes[1h]) > 0` hour after hour.',
    'Nothing is reported before the first major GC. `v8js.gc.major.last_time` says when that floor was taken.',
    '',
    '`v8js.memory.heap.allocated` (Node 26+) is a counter: `rate(v8js_memory_heap_allocated_bytes_total[5m])` is the allocation rate.',
    'Older lines skip it with one diag line rather than estimate it.',
    '',
    '`process.memory.limit` is the memory limit of the container the process runs in; it is left out where there is none (Node answers',
    '0 or 2^64 there). A V8 heap limit above it is the classic OOM-kill misconfiguration: the kernel kills the process before V8',
    'ever reports the heap full (`v8js_memory_heap_total_limit_bytes > process_memory_limit_bytes`). `process.memory.available` is the',
    'headroom under that limit, or the free system memory without one.',
    '',
    '## Worker threads',
    '',
    'With `workers: true` (`NODEVITALS_WORKERS=true`), the thread running the instrumentation reports every worker thread it creates',
    "from then on, one by one, labelled with the conventions' `thread.id` (Node's `threadId`) and `thread.name` (the `name` option).",
    "Workers are seen through Node's `worker_threads` diagnostics channel (Node 22, 24, 26): nothing is wrapped, but a worker created",
    'before the instrumentation started, or by another worker, is not seen. Event-loop time is read at the collection; heap used,',
    'heap limit and CPU time are answered by the worker thread itself, asynchronously, so each collection reports what',
    'the previous one asked for (one read per worker in flight, given up after 5 s): a collection never waits on a worker.',
    'A worker that exits is no longer observed. At most 64 workers are reported one by one; more are counted in `nodejs.worker.count`',
    'only (one warning). `rate(nodejs_worker_eventloop_time_seconds_total{nodejs_eventloop_state="active"}[5m])` is a worker\'s utilization.',
    '',
    'Inside a worker, `startRuntimeMetrics()` (or `NodeRuntimeInstrumentation`) works as on the main thread and adds the worker\'s',
    '`thread.id` and `thread.name` to every series it reports, so its export never collides with the main thread\'s. The zero-code',
    "entry (`--import @nodevitals/exporter-presets/register`) still starts only on the main thread: workers started from a file inherit the preload, and",
    'one exporter per worker would open one Prometheus port (or OTLP stream) per thread and repeat the process-wide series (CPU,',
    'memory, descriptors) once per thread. The main thread\'s `workers` family covers what a worker adds: its loop, heap and CPU.',
    '',
    'Exited workers under `@opentelemetry/sdk-metrics` 3.1 and cumulative temporality: the specification says an attribute set an',
    'observable callback no longer reports is not exported, but that SDK keeps exporting its last value (opentelemetry-js issue #4096)',
    'and keeps one entry per attribute set up to its cardinality limit (2000 per instrument). With delta temporality the series go as',
    'specified. That is why the family is opt-in: turn it on for long-lived worker pools, not for an app that starts a worker per task.',
    '',
  );
  return lines.join('\n');
}
