import { startRuntimeMetrics } from '@nodevitals/instrumentation';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { PrometheusTextSerializer } from '../src/internal/prometheusText';
import { prometheusName } from '../src/internal/prometheusUnits';
import { runtimeViews } from '../src/runtimeViews';
import { DiagCapture } from './helpers/diagCapture';
import { promtoolCheckMetrics } from './helpers/promtool';

/** A plain pull reader: the collection a scrape serialises, without the HTTP server around it. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
  async resourceMetrics(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    return resourceMetrics;
  }
}

/** What the reader used to send: upstream's serializer after our name mapping, exponential histograms left out. */
function upstreamText(resourceMetrics: ResourceMetrics, withUnitSuffixes: boolean): string {
  const scopeMetrics = resourceMetrics.scopeMetrics.map((scope) => ({
    ...scope,
    metrics: scope.metrics
      .filter((metric) => metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM)
      .map((metric) => prometheusName(metric, withUnitSuffixes)),
  }));
  return new PrometheusSerializer().serialize({ ...resourceMetrics, scopeMetrics });
}

/** Reads a label set `{a="x",b="y"}` from `line` at `start` (just after `{`), unescaping values. */
function readLabels(line: string, start: number): { labels: Array<[string, string]>; end: number } {
  const labels: Array<[string, string]> = [];
  let i = start;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    const name = line.slice(i, eq);
    expect(line[eq + 1]).toBe('"');
    let value = '';
    i = eq + 2;
    while (line[i] !== '"') {
      if (line[i] === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        value += line[i++];
      }
      if (i >= line.length) throw new Error(`unterminated label value in ${line}`);
    }
    labels.push([name, value]);
    i++;
    if (line[i] === ',') i++;
  }
  return { labels, end: i + 1 };
}

interface Parsed {
  /** One `name{sorted labels} value` per sample. */
  samples: string[];
  /** `# HELP` and `# TYPE` lines. */
  metadata: string[];
}

function parse(text: string): Parsed {
  const samples: string[] = [];
  const metadata: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) metadata.push(line);
    if (line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Array<[string, string]> = [];
    let rest: string;
    if (brace !== -1 && brace < space) {
      name = line.slice(0, brace);
      const read = readLabels(line, brace + 1);
      labels = read.labels;
      rest = line.slice(read.end);
    } else {
      name = line.slice(0, space);
      rest = line.slice(space);
    }
    const fields = rest.trim().split(' ');
    // No timestamps, as before.
    expect(fields).toHaveLength(1);
    labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    samples.push(`${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}} ${fields[0]}`);
  }
  return { samples: samples.sort(), metadata: metadata.sort() };
}

describe('PrometheusTextSerializer', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function provider(views: ViewOptions[] = [], attributes: Record<string, string> = { 'service.name': 'text-test' }) {
    const reader = new PullReader();
    const meterProvider = new MeterProvider({ readers: [reader], views, resource: resourceFromAttributes(attributes) });
    cleanups.push(() => meterProvider.shutdown());
    return { reader, meterProvider };
  }

  async function runtime(views: ViewOptions[]) {
    const setup = provider(views);
    const handle = startRuntimeMetrics({ meterProvider: setup.meterProvider });
    cleanups.push(() => handle.stop());
    // The event-loop histogram has points once its sampler has ticked (every 10 ms), GC ones after a GC.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const metrics = (await setup.reader.resourceMetrics()).scopeMetrics.flatMap((scope) => scope.metrics);
      const histogramPoints = metrics.filter(
        (m) =>
          (m.dataPointType === DataPointType.HISTOGRAM || m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) &&
          m.dataPoints.length > 0,
      );
      if (histogramPoints.length >= 1 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return setup.reader;
  }

  it.each([true, false])(
    'writes the same samples and metadata as the upstream serializer for the runtime metrics (unit suffixes: %s)',
    async (withUnitSuffixes) => {
      const reader = await runtime(runtimeViews());
      const ours = new PrometheusTextSerializer({ withUnitSuffixes });
      // Twice: the second collection runs through the caches the first one filled.
      for (let round = 0; round < 2; round++) {
        const resourceMetrics = await reader.resourceMetrics();
        const mine = parse(ours.serialize(resourceMetrics));
        const theirs = parse(upstreamText(resourceMetrics, withUnitSuffixes));
        expect(mine.samples.length).toBeGreaterThan(50);
        expect(new Set(mine.samples).size).toBe(mine.samples.length);
        expect(mine.samples).toEqual(theirs.samples);
        expect(mine.metadata).toEqual(theirs.metadata);
        expect(mine.samples.some((s) => s.includes('_bucket{') && s.includes('le="+Inf"'))).toBe(true);
        expect(mine.samples.some((s) => s.startsWith('target_info{') && s.includes('service_name="text-test"'))).toBe(true);
      }
    },
  );

  it('writes an exposition `promtool check metrics` accepts, exponential histograms left out through the hook', async () => {
    const reader = await runtime(runtimeViews({ exponentialHistograms: true }));
    const left: string[] = [];
    const ours = new PrometheusTextSerializer({ withUnitSuffixes: true, onUnsupported: (m) => left.push(m.descriptor.name) });
    const resourceMetrics = await reader.resourceMetrics();
    const text = ours.serialize(resourceMetrics);
    expect(parse(text).samples).toEqual(parse(upstreamText(resourceMetrics, true)).samples);
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) {
      const prefix = name.replace(/\./g, '_');
      expect(text).not.toContain(`# TYPE ${prefix}`);
      expect(text).not.toContain(`${prefix}_bucket`);
    }
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });

  it('escapes label values and help text, and writes NaN and infinities as Prometheus reads them', async () => {
    const { reader, meterProvider } = provider([], { 'service.name': 'say "hi"\\now\n' });
    const meter = meterProvider.getMeter('escapes', '1.2.3');
    meter
      .createCounter('requests', { description: 'Requests served.\nA \\ backslash "stays".' })
      .add(3, { path: '/a"b\\c\nd', 'http.request.method': 'GET' });
    const values: Array<[string, number]> = [
      ['nan', NaN],
      ['plus', Infinity],
      ['minus', -Infinity],
      ['small', 1e-7],
    ];
    meter.createObservableGauge('edge').addCallback((result) => {
      for (const [which, value] of values) result.observe(value, { which });
    });
    const resourceMetrics = await reader.resourceMetrics();
    const text = new PrometheusTextSerializer({ withUnitSuffixes: true }).serialize(resourceMetrics);
    const lines = text.split('\n');
    expect(lines).toContain('# HELP requests_total Requests served.\\nA \\\\ backslash "stays".');
    expect(lines).toContain('# TYPE requests_total counter');
    expect(lines).toContain(
      'requests_total{path="/a\\"b\\\\c\\nd",http_request_method="GET",otel_scope_name="escapes",otel_scope_version="1.2.3"} 3',
    );
    expect(lines).toContain('target_info{service_name="say \\"hi\\"\\\\now\\n"} 1');
    expect(lines).toContain('edge{which="nan",otel_scope_name="escapes",otel_scope_version="1.2.3"} NaN');
    expect(lines).toContain('edge{which="plus",otel_scope_name="escapes",otel_scope_version="1.2.3"} +Inf');
    expect(lines).toContain('edge{which="minus",otel_scope_name="escapes",otel_scope_version="1.2.3"} -Inf');
    expect(lines).toContain('edge{which="small",otel_scope_name="escapes",otel_scope_version="1.2.3"} 1e-7');
    expect(lines).toContain('# HELP edge description missing');
    expect(parse(text)).toEqual(parse(upstreamText(resourceMetrics, true)));
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });

  it('shows the current values of an attribute object the application changes between collections', async () => {
    const { reader, meterProvider } = provider();
    const shared: Record<string, string> = { state: 'starting' };
    meterProvider.getMeter('app').createObservableGauge('app.up').addCallback((result) => result.observe(1, shared));
    const serializer = new PrometheusTextSerializer({ withUnitSuffixes: true });
    expect(serializer.serialize(await reader.resourceMetrics())).toContain('app_up{state="starting",otel_scope_name="app"} 1');
    shared.state = 'ready';
    const second = serializer.serialize(await reader.resourceMetrics());
    expect(second).toContain('app_up{state="ready",otel_scope_name="app"} 1');
  });

  it('writes one header for a name two scopes share, and leaves out a name two types claim, warning once', async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const { reader, meterProvider } = provider();
    meterProvider.getMeter('one').createCounter('jobs').add(1);
    meterProvider.getMeter('two').createCounter('jobs').add(2);
    meterProvider.getMeter('one').createUpDownCounter('mixed').add(1);
    meterProvider.getMeter('two').createHistogram('mixed').record(1);
    const serializer = new PrometheusTextSerializer({ withUnitSuffixes: true });
    const text = serializer.serialize(await reader.resourceMetrics());
    serializer.serialize(await reader.resourceMetrics());
    expect(text.split('\n').filter((line) => line === '# TYPE jobs_total counter')).toHaveLength(1);
    expect(text).toContain('jobs_total{otel_scope_name="one"} 1\n');
    expect(text).toContain('jobs_total{otel_scope_name="two"} 2\n');
    expect(text).not.toContain('mixed');
    expect(capture.warnings().filter((w) => w.includes('mixed'))).toHaveLength(1);
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
  });

  it('prefixes a label name that would start with a digit, so the scrape stays valid', async () => {
    const { reader, meterProvider } = provider();
    meterProvider.getMeter('app').createCounter('hits').add(1, { '2xx': 'yes' });
    const text = new PrometheusTextSerializer({ withUnitSuffixes: true }).serialize(await reader.resourceMetrics());
    expect(text).toContain('hits_total{_2xx="yes",otel_scope_name="app"} 1\n');
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
  });
});
