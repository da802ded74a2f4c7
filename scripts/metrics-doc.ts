// Renders docs/metrics.md from the catalog. `node scripts/gen-docs.cjs`
// writes it; the instrumentation test suite fails when the file is stale.
import { METRICS, type FamilyName, type MetricDefinition } from '../packages/instrumentation/src/catalog';
import { DEFAULT_OPTIONS } from '../packages/instrumentation/src/options';
import { prometheusMetricName } from '../packages/exporter-presets/src/internal/prometheusUnits';
import { DataPointType } from '@opentelemetry/sdk-metrics';

const FAMILY_TITLES: Record<FamilyName, string> = {
  heap: 'Heap (`heap`)',
  gc: 'Garbage collection (`gc`)',
  eventLoop: 'Event loop (`eventLoop`)',
  resources: 'Active resources (`resources`)',
  process: 'Process (`process`)',
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

export function renderMetricsDoc(): string {
  const entries = Object.values(METRICS);
  const lines = [
    '<!-- Generated from packages/instrumentation/src/catalog.ts by `node scripts/gen-docs.cjs`. Do not edit. -->',
    '# Metric reference',
    '',
    `Every metric \`@nodevitals/instrumentation\` emits: ${entries.length} metrics in five families, each family switched off with its option (\`heap: false\`, …).`,
    '**semconv** names, instruments and units follow the OpenTelemetry semantic conventions (v8js, nodejs, process);',
    '**extension** marks our own metrics where no convention exists.',
    'The Prometheus column is the series name `@nodevitals/exporter-presets` serves on `/metrics`: unit suffix and `_total` as in',
    "OpenTelemetry's Prometheus compatibility rules, the same names the Collector's Prometheus exporters write (histograms also have",
    '`_sum` and `_count`; the Collector writes `process_unix_file_descriptor_count` without the `_value` that keeps it from reading as a histogram count).',
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
    '## How the event-loop values are made',
    '',
    `An unref'd timer wakes every \`eventLoopResolutionMillis\` (default ${DEFAULT_OPTIONS.eventLoopResolutionMillis} ms). Each sample is the stretch of busy`,
    'time that held it back: at least its lateness, at most the active time in the interval (from event-loop utilization), capped at twice',
    "the lateness so a loop saturated by many short callbacks is not read as one long stall. The resolution itself is never part of a",
    'value: an idle loop reads as microseconds, not ~10 ms, and a 50 ms stall reads as 50 ms at any phase.',
    '',
    `The delay gauges (\`nodejs.eventloop.delay.min\` to \`nodejs.eventloop.delay.p99\`) and \`nodejs.eventloop.utilization\` describe a sliding window (\`eventLoopWindowMillis\`, default ${DEFAULT_OPTIONS.eventLoopWindowMillis / 1000} s)`,
    'kept on the instrumentation\'s own clock, so any number of readers, collecting at any moments, read the same complete values.',
    'Every sample also goes into `nodejs.eventloop.delay.distribution`, which the SDK aggregates per reader and which, unlike the',
    'percentile gauges, can be summed across processes: `histogram_quantile(0.99, sum by (le) (rate(nodejs_eventloop_delay_distribution_seconds_bucket[5m])))`.',
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
  );
  return lines.join('\n');
}
