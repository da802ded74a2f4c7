import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_OPTIONS as RUNTIME_DEFAULTS, METRICS, startRuntimeMetrics } from '@nodevitals/instrumentation';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import * as promClient from 'prom-client';
import { prometheusMetricReader } from '../src/prometheusMetricReader';
import { runtimeViews } from '../src/runtimeViews';
import type { RuntimeViewsOptions } from '../src/options';
import { clearOtelEnvironment } from './helpers/env';
import { httpRequest } from './helpers/http';
import { promtoolCheckMetrics } from './helpers/promtool';

clearOtelEnvironment();

// A real collection needs real garbage collections; jest does not run with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage: () => void = runInNewContext('gc');

/** The plainest real reader: collect() on demand. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(
  views: ReturnType<typeof runtimeViews>,
  reader: MetricReader = new CollectingReader(),
  runtimeOptions: { heapSpaceDetail?: boolean } = {},
) {
  const provider = new MeterProvider({ readers: [reader], views });
  const runtime = startRuntimeMetrics({ meterProvider: provider, ...runtimeOptions });
  cleanups.push(() => provider.shutdown());
  cleanups.push(() => runtime.stop());
  return { provider, reader };
}

/** Collects until `name` has a data point with a count (GC entries and delay samples arrive asynchronously). */
async function histogramOf(reader: MetricReader, name: string): Promise<MetricData> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    collectGarbage();
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
    const counted = metric?.dataPoints.some((point) => (point.value as Histogram).count > 0);
    if (metric && counted) return metric;
    if (Date.now() > deadline) throw new Error(`${name} never had a data point`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const GC = METRICS.gcDuration.name;
const DELAY = METRICS.eventLoopDelayDistribution.name;

describe('runtimeViews: buckets in seconds', () => {
  it('by default, GC pauses land in sub-millisecond to ten-second buckets, recorded in seconds', async () => {
    // Node's own gc entries, seen independently (milliseconds): the histogram must hold the same pauses in seconds.
    const pausesMillis: number[] = [];
    const observer = new PerformanceObserver((list) => pausesMillis.push(...list.getEntries().map((entry) => entry.duration)));
    observer.observe({ entryTypes: ['gc'] });
    cleanups.push(() => observer.disconnect());
    const { reader } = start(runtimeViews());
    const gc = await histogramOf(reader, GC);
    // Both observers get each batch in the same task; one more turn lets ours catch up with the reader's.
    await new Promise((resolve) => setImmediate(resolve));
    expect(gc.dataPointType).toBe(DataPointType.HISTOGRAM);
    for (const point of gc.dataPoints) {
      const value = point.value as Histogram;
      expect(value.buckets.boundaries).toEqual([...RUNTIME_DEFAULTS.gcDurationBucketsSeconds]);
      // Seconds, not milliseconds: the longest recorded pause is at most the longest pause Node reported, / 1000.
      // (A pause's own length depends on the machine's load, so no fixed bound: forced full GCs of a jest worker
      // on a starved machine have passed 1 s.)
      expect(value.min).toBeGreaterThan(0);
      expect(value.max! * 1000).toBeLessThanOrEqual(Math.max(...pausesMillis) + 1e-6);
      expect(value.max! * 1000).toBeGreaterThanOrEqual(Math.min(...pausesMillis) - 1e-6);
    }
    const delay = await histogramOf(reader, DELAY);
    expect((delay.dataPoints[0].value as Histogram).buckets.boundaries).toEqual([...RUNTIME_DEFAULTS.eventLoopDelayBucketsSeconds]);
  });

  it('custom boundaries replace the defaults, for GC and event-loop delay', async () => {
    const { reader } = start(
      runtimeViews({ gcDurationBucketsSeconds: [0.000001, 60], eventLoopDelayBucketsSeconds: [0.000001, 0.002, 60] }),
    );
    const gc = await histogramOf(reader, GC);
    for (const point of gc.dataPoints) {
      const { buckets, count } = point.value as Histogram;
      expect(buckets.boundaries).toEqual([0.000001, 60]);
      // Every pause is between a microsecond and a minute.
      expect(buckets.counts).toEqual([0, count, 0]);
    }
    const delay = await histogramOf(reader, DELAY);
    expect((delay.dataPoints[0].value as Histogram).buckets.boundaries).toEqual([0.000001, 0.002, 60]);
  });

  it('touches only the runtime meter: an application histogram of the same name keeps its own buckets', async () => {
    const { provider, reader } = start(runtimeViews({ gcDurationBucketsSeconds: [0.5, 1] }));
    provider.getMeter('my-app').createHistogram(GC, { unit: 's' }).record(0.7);
    await histogramOf(reader, GC);
    const { resourceMetrics } = await reader.collect();
    const app = resourceMetrics.scopeMetrics.find((scope) => scope.scope.name === 'my-app')!.metrics[0];
    expect((app.dataPoints[0].value as Histogram).buckets.boundaries).not.toEqual([0.5, 1]);
  });
});

describe('runtimeViews: base-2 exponential histograms', () => {
  it('turns both runtime histograms exponential, bounded by exponentialMaxBuckets', async () => {
    const { reader } = start(runtimeViews({ exponentialHistograms: true, exponentialMaxBuckets: 4 }));
    // Stall the loop a few times so the delay samples span several orders of magnitude.
    for (let i = 0; i < 4; i++) {
      const until = Date.now() + 5 * 2 ** i;
      while (Date.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const name of [GC, DELAY]) {
      const metric = await histogramOf(reader, name);
      expect(metric.dataPointType).toBe(DataPointType.EXPONENTIAL_HISTOGRAM);
      for (const point of metric.dataPoints) {
        const value = point.value as ExponentialHistogram;
        expect(value.count).toBeGreaterThan(0);
        expect(value.positive.bucketCounts.length).toBeLessThanOrEqual(4);
        expect(value.max!).toBeLessThan(60);
      }
    }
  });

  it('keeps 160 buckets by default', async () => {
    const { reader } = start(runtimeViews({ exponentialHistograms: true }));
    const delay = await histogramOf(reader, DELAY);
    // With 160 buckets the scale stays fine-grained: far above what 4 buckets allow.
    expect((delay.dataPoints[0].value as ExponentialHistogram).scale).toBeGreaterThan(2);
  });
});

describe('runtimeViews: a wrong option throws at construction, naming the field and the value', () => {
  const CASES: Array<[keyof RuntimeViewsOptions | 'unknown', Record<string, unknown>, typeof TypeError | typeof RangeError, string]> = [
    ['gcDurationBucketsSeconds', { gcDurationBucketsSeconds: [] }, RangeError, '[]'],
    ['gcDurationBucketsSeconds', { gcDurationBucketsSeconds: [0.1, 0.05] }, RangeError, '[0.1, 0.05]'],
    ['gcDurationBucketsSeconds', { gcDurationBucketsSeconds: [0, 1] }, RangeError, '[0, 1]'],
    ['gcDurationBucketsSeconds', { gcDurationBucketsSeconds: [1, Infinity] }, RangeError, 'Infinity'],
    ['gcDurationBucketsSeconds', { gcDurationBucketsSeconds: '0.1,1' }, TypeError, '"0.1,1"'],
    ['eventLoopDelayBucketsSeconds', { eventLoopDelayBucketsSeconds: [1, 1] }, RangeError, '[1, 1]'],
    ['eventLoopDelayBucketsSeconds', { eventLoopDelayBucketsSeconds: ['1'] }, TypeError, '["1"]'],
    ['exponentialHistograms', { exponentialHistograms: 'true' }, TypeError, '"true"'],
    ['exponentialMaxBuckets', { exponentialMaxBuckets: 1 }, RangeError, '1'],
    ['exponentialMaxBuckets', { exponentialMaxBuckets: 16_385 }, RangeError, '16385'],
    ['exponentialMaxBuckets', { exponentialMaxBuckets: 80.5 }, RangeError, '80.5'],
    ['exponentialMaxBuckets', { exponentialMaxBuckets: '160' }, TypeError, '"160"'],
    ['naming', { naming: 'prometheus' }, RangeError, '"prometheus"'],
    ['gcDurationBucketsSeconds', { exponentialHistograms: true, gcDurationBucketsSeconds: [1, 2] }, TypeError, '[1,2]'],
    ['unknown', { gcBuckets: [1] }, TypeError, 'gcBuckets'],
  ];

  it('the table covers every field', () => {
    const fields = new Set(CASES.map(([field]) => field));
    for (const field of ['gcDurationBucketsSeconds', 'eventLoopDelayBucketsSeconds', 'exponentialHistograms', 'exponentialMaxBuckets', 'naming']) {
      expect(fields).toContain(field);
    }
  });

  it.each(CASES)('%s: %p', (field, options, ErrorClass, shown) => {
    let thrown: unknown;
    try {
      runtimeViews(options as RuntimeViewsOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ErrorClass);
    if (field !== 'unknown') expect((thrown as Error).message).toContain(field);
    expect((thrown as Error).message).toContain(shown);
  });

  it('accepts the bounds of exponentialMaxBuckets', () => {
    expect(runtimeViews({ exponentialHistograms: true, exponentialMaxBuckets: 2 }).length).toBeGreaterThan(0);
    expect(runtimeViews({ exponentialHistograms: true, exponentialMaxBuckets: 16_384 }).length).toBeGreaterThan(0);
  });
});

/** `# TYPE` lines of an exposition: name -> type. */
function types(exposition: string): Map<string, string> {
  return new Map(
    exposition
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ').slice(2, 4) as [string, string]),
  );
}

/** The `le` labels of a histogram's buckets. */
function bucketBounds(exposition: string, name: string): string[] {
  const bounds = [...exposition.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((match) => match[1]);
  return [...new Set(bounds)];
}

/** The prom-client default metrics that `naming: 'prom-client'` cannot produce, as the README lists them. */
function documentedWithoutEquivalent(): string[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split('<!-- prom-client: no equivalent -->')[1]?.split('<!-- /prom-client -->')[0] ?? '';
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]).sort();
}

describe("runtimeViews({ naming: 'prom-client' }) scraped through prometheusMetricReader", () => {
  let promClientText: string;
  beforeAll(async () => {
    // A real prom-client registry, as `collectDefaultMetrics()` fills it, in this very process.
    const registry = new promClient.Registry();
    promClient.collectDefaultMetrics({ register: registry });
    const deadline = Date.now() + 15_000;
    do {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 50));
      promClientText = await registry.metrics();
    } while (!promClientText.includes('nodejs_gc_duration_seconds_bucket') && Date.now() < deadline);
  });

  async function scrape(
    options: Parameters<typeof prometheusMetricReader>[0] = {},
    runtimeOptions: { heapSpaceDetail?: boolean } = {},
  ): Promise<string> {
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0, ...options });
    start(runtimeViews({ naming: 'prom-client' }), reader, runtimeOptions);
    const { url } = await reader.ready;
    const deadline = Date.now() + 15_000;
    for (;;) {
      collectGarbage();
      const { status, body } = await httpRequest(url);
      expect(status).toBe(200);
      // Wait for the first GC entry and the first event-loop window sample.
      if (body.includes('nodejs_gc_duration_seconds_bucket') && /^nodejs_eventloop_lag_p99_seconds\S* [0-9]/m.test(body)) return body;
      if (Date.now() > deadline) return body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it.each([[true], [false]])(
    'yields prom-client default names with prom-client types (withUnitSuffixes: %p), no suffix doubled',
    async (withUnitSuffixes) => {
      // Available bytes per heap space are opt-in here (prom-client has them by default).
      const ours = types(await scrape({ withUnitSuffixes }, { heapSpaceDetail: true }));
      const theirs = types(promClientText);
      const shared = [...theirs.keys()].filter((name) => ours.has(name)).sort();
      expect(shared).toEqual(
        [
          'nodejs_active_resources',
          'nodejs_eventloop_lag_max_seconds',
          'nodejs_eventloop_lag_mean_seconds',
          'nodejs_eventloop_lag_min_seconds',
          'nodejs_eventloop_lag_p50_seconds',
          'nodejs_eventloop_lag_p90_seconds',
          'nodejs_eventloop_lag_p99_seconds',
          'nodejs_eventloop_lag_stddev_seconds',
          'nodejs_external_memory_bytes',
          'nodejs_gc_duration_seconds',
          'nodejs_heap_size_total_bytes',
          'nodejs_heap_size_used_bytes',
          'nodejs_heap_space_size_available_bytes',
          'nodejs_heap_space_size_total_bytes',
          'nodejs_heap_space_size_used_bytes',
          'process_max_fds',
          'process_open_fds',
          'process_resident_memory_bytes',
          'process_virtual_memory_bytes',
        ].sort(),
      );
      for (const name of shared) expect([name, ours.get(name)]).toEqual([name, theirs.get(name)]);
      for (const name of ours.keys()) expect(name).not.toMatch(/_(bytes|seconds|ratio|total)_\1$/);
    },
  );

  it('the GC histogram has prom-client buckets, so existing `le` selectors keep matching', async () => {
    const ours = await scrape();
    expect(bucketBounds(promClientText, 'nodejs_gc_duration_seconds')).not.toEqual([]);
    expect(bucketBounds(ours, 'nodejs_gc_duration_seconds')).toEqual(bucketBounds(promClientText, 'nodejs_gc_duration_seconds'));
  });

  it('values agree with prom-client where both read the same source', async () => {
    const ours = await scrape();
    const value = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]);
    // Heap limits and descriptor limits do not move between the two reads.
    expect(value(ours, 'process_max_fds')).toBe(value(promClientText, 'process_max_fds'));
    const rssOurs = value(ours, 'process_resident_memory_bytes');
    const rssTheirs = value(promClientText, 'process_resident_memory_bytes');
    expect(rssOurs / rssTheirs).toBeGreaterThan(0.5);
    expect(rssOurs / rssTheirs).toBeLessThan(2);
    // Both read the kernel's virtual size (prom-client VmSize of /proc/self/status, we vsize of /proc/self/stat).
    const virtualOurs = value(ours, 'process_virtual_memory_bytes');
    const virtualTheirs = value(promClientText, 'process_virtual_memory_bytes');
    expect(virtualOurs / virtualTheirs).toBeGreaterThan(0.5);
    expect(virtualOurs / virtualTheirs).toBeLessThan(2);
    expect(value(ours, 'nodejs_eventloop_lag_p99_seconds')).toBeLessThan(10);
  });

  it('the output still passes `promtool check metrics`', async () => {
    const check = await promtoolCheckMetrics(await scrape());
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });

  it('what has no equivalent is exactly what the README says', async () => {
    // Every option that adds a prom-client counterpart on: what is left has none at all.
    const ours = types(await scrape({}, { heapSpaceDetail: true }));
    const missing = [...types(promClientText).keys()].filter((name) => !ours.has(name)).sort();
    expect(missing.length).toBeGreaterThan(0);
    expect(documentedWithoutEquivalent()).toEqual(missing);
  });

  it("semconv naming (the default) keeps OpenTelemetry's names", async () => {
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0 });
    start(runtimeViews(), reader);
    const { body } = await httpRequest((await reader.ready).url);
    expect(body).toContain('# TYPE v8js_memory_heap_total_used_bytes gauge');
    expect(body).not.toContain('nodejs_heap_size_used_bytes');
  });
});
