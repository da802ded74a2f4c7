import type { GcKindMeasurements, RuntimeMeasurements, WorkerMeasurements } from '@nodevitals/instrumentation';
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

/** The young generation's heap spaces, left out of the old generation. */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** A series' labels but `except`, as one key: which process (and scope) a sample belongs to on a page of several. */
function seriesKey(sample: Sample, except: readonly string[]): string {
  return JSON.stringify(
    Object.entries(sample.labels)
      .filter(([name]) => !except.includes(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * The old generation's used bytes (the per-space series but the young
 * generation's, summed per process) and its limit; of several processes
 * behind a gateway, the one nearest its limit. Undefined without both series.
 */
function oldGeneration(page: MetricsPage): { used: number; limit: number } | undefined {
  const limits = samplesOf(page, METRIC_NAMES.oldGenerationLimit);
  const spaces = samplesOf(page, METRIC_NAMES.heapSpaceUsed);
  if (!limits || !spaces) return undefined;
  const used = new Map<string, number>();
  for (const sample of spaces) {
    const space = labelOf(sample, METRIC_NAMES.heapSpaceLabel);
    if (space === undefined || YOUNG_SPACES.has(space) || !Number.isFinite(sample.value)) continue;
    const key = seriesKey(sample, METRIC_NAMES.heapSpaceLabel);
    used.set(key, (used.get(key) ?? 0) + sample.value);
  }
  let fullest: { used: number; limit: number } | undefined;
  for (const sample of limits) {
    const bytes = used.get(seriesKey(sample, []));
    if (bytes === undefined || !(sample.value > 0)) continue;
    if (!fullest || bytes / sample.value > fullest.used / fullest.limit) fullest = { used: bytes, limit: sample.value };
  }
  return fullest;
}

/** Per worker thread (`thread_id`), the values of a series. */
function byThread(samples: readonly Sample[] | undefined, where: (sample: Sample) => boolean = () => true): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of samples ?? []) {
    const thread = labelOf(sample, METRIC_NAMES.threadLabel);
    if (thread !== undefined && where(sample) && Number.isFinite(sample.value)) values.set(thread, (values.get(thread) ?? 0) + sample.value);
  }
  return values;
}

/** The workers family's figures: count, busiest loop over the period, fullest heap. Undefined without worker series. */
function workers(first: MetricsPage, last: MetricsPage): WorkerMeasurements | undefined {
  const heapUsed = byThread(samplesOf(last, METRIC_NAMES.workerHeapUsed));
  const heapLimit = byThread(samplesOf(last, METRIC_NAMES.workerHeapLimit));
  const count = gauge(last, METRIC_NAMES.workerCount) ?? (heapUsed.size > 0 ? heapUsed.size : undefined);
  if (count === undefined) return undefined;
  const loop = (page: MetricsPage, state: string): Map<string, number> =>
    byThread(samplesOf(page, METRIC_NAMES.workerLoopTime), (sample) => labelOf(sample, METRIC_NAMES.loopStateLabel) === state);
  const [activeBefore, idleBefore, activeAfter, idleAfter] = [loop(first, 'active'), loop(first, 'idle'), loop(last, 'active'), loop(last, 'idle')];
  const utilizations = [...activeAfter.keys()].flatMap((thread) => {
    const active = increase(activeBefore.get(thread), activeAfter.get(thread));
    const idle = increase(idleBefore.get(thread), idleAfter.get(thread));
    return active !== undefined && idle !== undefined && active + idle > 0 ? [active / (active + idle)] : [];
  });
  const shares = [...heapUsed].flatMap(([thread, used]) => {
    const limit = heapLimit.get(thread);
    return limit ? [used / limit] : [];
  });
  return {
    count,
    ...(utilizations.length > 0 ? { busiestUtilization: Math.max(...utilizations) } : {}),
    ...(shares.length > 0 ? { fullestHeapShare: Math.max(...shares) } : {}),
  };
}

/** The growth threshold compares the handle floor with the floor an hour earlier; each floor is the lowest count over 5 minutes. */
const HOUR_MILLIS = 3_600_000;
const FLOOR_MILLIS = 5 * 60_000;

/** Active-handle floor at the end over the floor at the start, for a period of an hour (the most --seconds allows). */
function handlesGrowth(scrapes: readonly Scrape[]): number | undefined {
  const first = scrapes[0].atMillis;
  const last = scrapes[scrapes.length - 1].atMillis;
  // Scrapes are timed from the first, so an hour's period ends a little short of 3600 s.
  if (last - first < HOUR_MILLIS * 0.99) return undefined;
  const floor = (from: number, to: number): number | undefined => {
    const counts = scrapes
      .filter((scrape) => scrape.atMillis >= from && scrape.atMillis <= to)
      .map((scrape) => activeHandles(scrape.page))
      .filter((count) => count !== undefined);
    return counts.length > 0 ? Math.min(...counts) : undefined;
  };
  const before = floor(first, first + FLOOR_MILLIS);
  const after = floor(last - FLOOR_MILLIS, last);
  return before !== undefined && after !== undefined && before > 0 ? after / before : undefined;
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
  const old = oldGeneration(last.page);
  const measured: Record<string, unknown> = {
    periodSeconds,
    heapUsedBytes: gauge(last.page, METRIC_NAMES.heapUsed),
    heapLimitBytes: gauge(last.page, METRIC_NAMES.heapLimit),
    oldGenerationUsedBytes: old?.used,
    oldGenerationLimitBytes: old?.limit,
    rssBytes: gauge(last.page, METRIC_NAMES.rss),
    containerLimitBytes: gauge(last.page, METRIC_NAMES.containerLimit),
    gc,
    allocationBytesPerSecond: allocated !== undefined && periodSeconds > 0 ? allocated / periodSeconds : undefined,
    eventLoopDelayP99Seconds: delays.length > 0 ? Math.max(...delays) : undefined,
    eventLoopUtilization: eventLoopUtilization(scrapes),
    activeHandles: activeHandles(last.page),
    activeHandlesGrowth: handlesGrowth(scrapes),
    openFileDescriptors: gauge(last.page, METRIC_NAMES.openFds),
    fileDescriptorLimit: gauge(last.page, METRIC_NAMES.fdLimit),
    workers: workers(first.page, last.page),
  };
  return Object.fromEntries(Object.entries(measured).filter(([, value]) => value !== undefined)) as unknown as RuntimeMeasurements;
}
