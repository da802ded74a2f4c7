import type { GcKindMeasurements, RuntimeMeasurements } from '@nodevitals/instrumentation';
import { METRIC_NAMES, type Naming } from './metricNames.js';
import type { MetricsPage, Sample } from './parsePrometheusText.js';

/** A page and when it arrived (performance.now(), milliseconds). */
export interface Scrape {
  readonly page: MetricsPage;
  readonly atMillis: number;
}

function samplesOf(page: MetricsPage, names: readonly string[]): readonly Sample[] | undefined {
  for (const name of names) {
    const samples = page.byName.get(name);
    if (samples && samples.length > 0) return samples;
  }
  return undefined;
}

/** A gauge's value; with several series (several processes behind a gateway), the largest. */
function gauge(page: MetricsPage, names: readonly string[]): number | undefined {
  const samples = samplesOf(page, names)?.filter((sample) => Number.isFinite(sample.value));
  if (!samples || samples.length === 0) return undefined;
  return Math.max(...samples.map((sample) => sample.value));
}

function sum(samples: readonly Sample[] | undefined, where: (sample: Sample) => boolean = () => true): number | undefined {
  const kept = samples?.filter((sample) => where(sample) && Number.isFinite(sample.value));
  return kept && kept.length > 0 ? kept.reduce((total, sample) => total + sample.value, 0) : undefined;
}

function labelOf(sample: Sample, keys: readonly string[]): string | undefined {
  for (const key of keys) if (sample.labels[key] !== undefined) return sample.labels[key];
  return undefined;
}

/** A counter's increase between two pages; undefined when missing or when it went back (the process restarted). */
function increase(first: number | undefined, last: number | undefined): number | undefined {
  if (first === undefined || last === undefined || last < first) return undefined;
  return last - first;
}

interface HistogramDelta {
  count: number;
  sum: number;
  /** Cumulative count increase per upper bound, ascending. */
  buckets: [number, number][];
}

function gcHistograms(first: MetricsPage, last: MetricsPage): Map<string, HistogramDelta> | undefined {
  const base = METRIC_NAMES.gcDuration.find((name) => last.byName.has(`${name}_sum`));
  if (!base) return undefined;
  const kinds = new Map<string, HistogramDelta>();
  const kindOf = (sample: Sample): string => labelOf(sample, METRIC_NAMES.gcKindLabel) ?? 'all';
  const delta = (suffix: string, kind: string, le?: string): number | undefined => {
    const pick = (page: MetricsPage): number | undefined =>
      sum(page.byName.get(`${base}${suffix}`), (sample) => kindOf(sample) === kind && (le === undefined || sample.labels.le === le)) ?? 0;
    return increase(pick(first), pick(last));
  };
  for (const sample of last.byName.get(`${base}_sum`) ?? []) {
    const kind = kindOf(sample);
    if (kinds.has(kind)) continue;
    const bounds = [...new Set((last.byName.get(`${base}_bucket`) ?? []).filter((bucket) => kindOf(bucket) === kind).map((bucket) => bucket.labels.le))];
    const buckets = bounds
      .map((le): [number, number] => [le === '+Inf' ? Infinity : Number(le), delta('_bucket', kind, le) ?? 0])
      .sort((a, b) => a[0] - b[0]);
    const seconds = delta('_sum', kind);
    // A sum that went back: the process restarted during the period, and no rate over it is true.
    if (seconds === undefined) return undefined;
    kinds.set(kind, { count: delta('_count', kind) ?? 0, sum: seconds, buckets });
  }
  return kinds;
}

/** The p99 of a histogram's increase, interpolated in its bucket as Prometheus' histogram_quantile does. */
function p99(histogram: HistogramDelta): Pick<GcKindMeasurements, 'p99Seconds' | 'p99IsLowerBound'> {
  if (histogram.count <= 0 || histogram.buckets.length === 0) return {};
  const rank = histogram.count * 0.99;
  let lowerBound = 0;
  let below = 0;
  for (const [bound, cumulative] of histogram.buckets) {
    if (cumulative >= rank) {
      if (bound === Infinity) return { p99Seconds: lowerBound, p99IsLowerBound: true };
      const inBucket = cumulative - below;
      return { p99Seconds: inBucket > 0 ? lowerBound + ((bound - lowerBound) * (rank - below)) / inBucket : bound };
    }
    lowerBound = bound;
    below = cumulative;
  }
  return { p99Seconds: lowerBound, p99IsLowerBound: true };
}

function eventLoopUtilization(scrapes: readonly Scrape[]): number | undefined {
  const first = scrapes[0].page;
  const last = scrapes[scrapes.length - 1].page;
  const state = (page: MetricsPage, value: string): number | undefined =>
    sum(samplesOf(page, METRIC_NAMES.loopTime), (sample) => labelOf(sample, METRIC_NAMES.loopStateLabel) === value);
  const active = increase(state(first, 'active'), state(last, 'active'));
  const idle = increase(state(first, 'idle'), state(last, 'idle'));
  if (active !== undefined && idle !== undefined && active + idle > 0) return active / (active + idle);
  const values = scrapes.map((scrape) => gauge(scrape.page, METRIC_NAMES.utilization)).filter((value) => value !== undefined);
  return values.length > 0 ? values.reduce((total, value) => total + value, 0) / values.length : undefined;
}

function activeHandles(page: MetricsPage): number | undefined {
  return (
    sum(samplesOf(page, METRIC_NAMES.activeResources)) ??
    gauge(page, METRIC_NAMES.activeResourcesTotal) ??
    sum(METRIC_NAMES.activeHandlesAndRequests.flatMap((name) => page.byName.get(name) ?? []))
  );
}

/**
 * Worker threads, from whatever worker series the page has: the distinct
 * thread ids on series named after workers. Undefined when there are none.
 */
function workers(page: MetricsPage): number | undefined {
  const names = [...page.byName.keys()].filter((name) => /(^|_)workers?(_|$)/.test(name));
  if (names.length === 0) return undefined;
  const ids = new Set<string>();
  for (const name of names) {
    for (const sample of page.byName.get(name)!) {
      for (const [key, value] of Object.entries(sample.labels)) if (/thread|worker/.test(key)) ids.add(value);
    }
  }
  return ids.size;
}

export function namingOf(page: MetricsPage): Naming {
  if (page.byName.has('process_unix_file_descriptor_count_value') || page.byName.has('v8js_memory_heap_total_used_bytes')) {
    return page.byName.has('process_unix_file_descriptor_count') ? 'collector' : 'nodevitals';
  }
  if (page.byName.has('nodejs_heap_size_used_bytes') || page.byName.has('nodejs_gc_duration_seconds_sum')) return 'prom-client';
  return 'unknown';
}

/** Whether the page has any of the runtime figures the report reads. */
export function hasRuntimeMetrics(page: MetricsPage): boolean {
  return (['heapUsed', 'gcDuration', 'delayP99', 'rss', 'openFds'] as const).some((key) =>
    METRIC_NAMES[key].some((name) => page.byName.has(name) || page.byName.has(`${name}_sum`)),
  );
}

/** The figures over the sampling period: rates between the first and the last scrape, levels from the last. */
export function measureScrapes(scrapes: readonly Scrape[]): RuntimeMeasurements {
  const first = scrapes[0];
  const last = scrapes[scrapes.length - 1];
  const periodSeconds = (last.atMillis - first.atMillis) / 1000;
  const histograms = gcHistograms(first.page, last.page);
  let gc: RuntimeMeasurements['gc'];
  if (histograms && periodSeconds > 0) {
    const byKind: Record<string, GcKindMeasurements> = {};
    let pauseSeconds = 0;
    for (const [kind, histogram] of histograms) {
      byKind[kind] = { count: histogram.count, seconds: histogram.sum, ...p99(histogram) };
      pauseSeconds += histogram.sum;
    }
    gc = { timeShare: pauseSeconds / periodSeconds, byKind };
  }
  const allocated = increase(gauge(first.page, METRIC_NAMES.allocated), gauge(last.page, METRIC_NAMES.allocated));
  const delays = scrapes.map((scrape) => gauge(scrape.page, METRIC_NAMES.delayP99)).filter((value) => value !== undefined);
  const measured: Record<string, unknown> = {
    periodSeconds,
    heapUsedBytes: gauge(last.page, METRIC_NAMES.heapUsed),
    heapLimitBytes: gauge(last.page, METRIC_NAMES.heapLimit),
    rssBytes: gauge(last.page, METRIC_NAMES.rss),
    containerLimitBytes: gauge(last.page, METRIC_NAMES.containerLimit),
    gc,
    allocationBytesPerSecond: allocated !== undefined && periodSeconds > 0 ? allocated / periodSeconds : undefined,
    eventLoopDelayP99Seconds: delays.length > 0 ? Math.max(...delays) : undefined,
    eventLoopUtilization: eventLoopUtilization(scrapes),
    activeHandles: activeHandles(last.page),
    openFileDescriptors: gauge(last.page, METRIC_NAMES.openFds),
    fileDescriptorLimit: gauge(last.page, METRIC_NAMES.fdLimit),
    workers: workers(last.page),
  };
  return Object.fromEntries(Object.entries(measured).filter(([, value]) => value !== undefined)) as unknown as RuntimeMeasurements;
}
