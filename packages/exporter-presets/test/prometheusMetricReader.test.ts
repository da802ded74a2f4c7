import { startRuntimeMetrics, METRICS } from '@nodevitals/instrumentation';
import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { prometheusMetricReader } from '../src/prometheusMetricReader';
import type { PrometheusReader } from '../src/PrometheusReader';
import { runtimeViews } from '../src/runtimeViews';
import { DiagCapture } from './helpers/diagCapture';
import { clearOtelEnvironment, withEnv } from './helpers/env';
import { FaultWatch } from './helpers/faultWatch';
import { httpRequest } from './helpers/http';
import { promtoolCheckMetrics } from './helpers/promtool';

clearOtelEnvironment();

const watch = new FaultWatch();
beforeAll(() => watch.start());
afterAll(() => {
  watch.stop();
  expect(watch.unhandled).toEqual([]);
});

describe('prometheusMetricReader', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(options: Parameters<typeof prometheusMetricReader>[0] = {}, withRuntime = true) {
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0, ...options });
    const provider = new MeterProvider({ readers: [reader], views: runtimeViews() });
    cleanups.push(() => provider.shutdown());
    if (withRuntime) {
      const runtime = startRuntimeMetrics({ meterProvider: provider });
      cleanups.push(() => runtime.stop());
    }
    const address = await reader.ready;
    return { reader, provider, address };
  }

  it('binds port 0 to a free port and reports the bound address', async () => {
    const { reader, address } = await serve();
    expect(address.port).toBeGreaterThan(0);
    expect(address.host).toBe('127.0.0.1');
    expect(address.url).toBe(`http://127.0.0.1:${address.port}/metrics`);
    expect(reader.address).toEqual(address);
    const response = await httpRequest(address.url);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('binds localhost by default (not every interface)', async () => {
    const reader = prometheusMetricReader({ port: 0 });
    const provider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => provider.shutdown());
    const { host } = await reader.ready;
    expect(['127.0.0.1', '::1']).toContain(host);
  });

  it('serves runtime metrics that pass `promtool check metrics`, with unit suffixes', async () => {
    const { address } = await serve();
    // The event-loop histogram has points once the sampler has ticked (every 10 ms).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { body } = await httpRequest(address.url);
    expect(body).toContain('# TYPE process_cpu_time_seconds_total counter');
    expect(body).toContain('# TYPE v8js_memory_heap_used_bytes gauge');
    expect(body).toContain('# TYPE nodejs_eventloop_utilization_ratio gauge');
    expect(body).toContain('# TYPE nodejs_eventloop_delay_distribution_seconds histogram');
    expect(body).toMatch(/^target_info\{/m);
    const check = await promtoolCheckMetrics(body);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });

  it('writes the OpenTelemetry names without unit suffixes when asked', async () => {
    const { address } = await serve({ withUnitSuffixes: false });
    const { body } = await httpRequest(address.url);
    expect(body).toContain('# TYPE process_cpu_time_total counter');
    expect(body).toContain('# TYPE v8js_memory_heap_used gauge');
    expect((await promtoolCheckMetrics(body)).code).toBe(0);
  });

  it.each([
    ['HEAD', '/metrics', 200],
    ['POST', '/metrics', 405],
    ['PUT', '/metrics', 405],
    ['DELETE', '/metrics', 405],
    ['GET', '/', 404],
    ['GET', '/metricsx', 404],
    ['GET', '/metrics?format=text', 200],
  ])('%s %s answers %i', async (method, path, status) => {
    const { address } = await serve({}, false);
    const response = await httpRequest(`http://127.0.0.1:${address.port}${path}`, method);
    expect(response.status).toBe(status);
    if (status === 405) expect(response.headers.allow).toBe('GET, HEAD');
    if (method === 'HEAD') {
      expect(response.body).toBe('');
      expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('serves a custom metricsPath only', async () => {
    const { address } = await serve({ metricsPath: '/internal/metrics' }, false);
    expect(address.url.endsWith('/internal/metrics')).toBe(true);
    expect((await httpRequest(address.url)).status).toBe(200);
    expect((await httpRequest(`http://127.0.0.1:${address.port}/metrics`)).status).toBe(404);
  });

  it('answers 50 concurrent scrapes from one collection', async () => {
    const { provider, address } = await serve({}, false);
    let collections = 0;
    provider
      .getMeter('test')
      .createObservableGauge('slow.gauge')
      .addCallback(async (result) => {
        collections++;
        // Slow enough that every scrape arrives while this collection runs.
        await new Promise((resolve) => setTimeout(resolve, 500));
        result.observe(collections);
      });
    const responses = await Promise.all(Array.from({ length: 50 }, () => httpRequest(address.url)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(collections).toBe(1);
    expect(responses[0].body).toMatch(/^slow_gauge\{.*\} 1$/m);
    // The next scrape after it gets a fresh collection.
    await httpRequest(address.url);
    expect(collections).toBe(2);
  });

  it('answers 503 within the timeout when collection hangs, then recovers', async () => {
    const { provider, address } = await serve({ scrapeTimeoutMillis: 300 }, false);
    let hang = true;
    provider
      .getMeter('test')
      .createObservableGauge('maybe.hanging')
      .addCallback(async (result) => {
        if (hang) await new Promise(() => undefined);
        result.observe(1);
      });
    const started = Date.now();
    const response = await httpRequest(address.url);
    expect(response.status).toBe(503);
    expect(response.body).not.toContain('maybe_hanging');
    expect(Date.now() - started).toBeLessThan(300 + 1000);
    hang = false;
    const next = await httpRequest(address.url);
    expect(next.status).toBe(200);
    expect(next.body).toMatch(/^maybe_hanging\{.*\} 1$/m);
  });

  it('serves the other metrics when one callback throws, and says so through diag', async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const { provider, address } = await serve({}, false);
    const meter = provider.getMeter('test');
    meter.createObservableGauge('broken.gauge').addCallback(() => {
      throw new Error('boom');
    });
    meter.createObservableGauge('fine.gauge').addCallback((result) => result.observe(42));
    const response = await httpRequest(address.url);
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/^fine_gauge\{.*\} 42$/m);
    expect(capture.warnings().some((w) => w.includes('callbacks failed'))).toBe(true);
  });

  it('reports a taken port through diag and `ready`, without crashing', async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const { address } = await serve({}, false);
    const second = prometheusMetricReader({ host: '127.0.0.1', port: address.port });
    const provider = new MeterProvider({ readers: [second] });
    cleanups.push(() => provider.shutdown());
    await expect(second.ready).rejects.toThrow(/EADDRINUSE/);
    expect(second.address).toBeUndefined();
    expect(capture.messages.some((m) => m.level === 'error' && m.text.includes(`127.0.0.1:${address.port}`))).toBe(true);
  });

  it('leaves exponential histograms out (the text format cannot carry them), warning once', async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0 });
    const provider = new MeterProvider({
      readers: [reader],
      views: [{ instrumentName: 'latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    cleanups.push(() => provider.shutdown());
    const meter = provider.getMeter('test');
    meter.createHistogram('latency', { unit: 's' }).record(0.1);
    meter.createCounter('requests').add(1);
    const { url } = await reader.ready;
    const first = await httpRequest(url);
    await httpRequest(url);
    expect(first.status).toBe(200);
    expect(first.body).not.toContain('latency');
    expect(first.body).toContain('requests_total');
    expect(capture.warnings().filter((w) => w.includes('latency'))).toHaveLength(1);
  });

  it('closes its server on shutdown, keep-alive scrapers included', async () => {
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0 });
    const provider = new MeterProvider({ readers: [reader] });
    const { url } = await reader.ready;
    expect((await fetch(url)).status).toBe(200);
    await provider.shutdown();
    await expect(httpRequest(url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('takes host and port from OTEL_EXPORTER_PROMETHEUS_{HOST,PORT}, options first', async () => {
    const fromEnv = withEnv({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' }, () =>
      prometheusMetricReader(),
    );
    const provider = new MeterProvider({ readers: [fromEnv] });
    cleanups.push(() => provider.shutdown());
    const address = await fromEnv.ready;
    expect(address.host).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
  });

  it('exposes the runtime values Node reports (heap limit)', async () => {
    const { address } = await serve();
    const { body } = await httpRequest(address.url);
    const limit = body.match(/^v8js_memory_heap_total_limit_bytes\{[^}]*\} (\d+)$/m);
    expect(Number(limit?.[1])).toBe(require('node:v8').getHeapStatistics().heap_size_limit);
    expect(METRICS.heapLimit.unit).toBe('By');
  });
});

export type { PrometheusReader };
