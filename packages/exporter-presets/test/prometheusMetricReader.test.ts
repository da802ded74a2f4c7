import { request, Agent, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { startRuntimeMetrics, METRICS } from '@nodevitals/instrumentation';
import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { prometheusMetricReader } from '../src/prometheusMetricReader';
import type { PrometheusReader } from '../src/PrometheusReader';
import { runtimeViews } from '../src/runtimeViews';
import { DiagCapture } from './helpers/diagCapture';
import { clearOtelEnvironment, withEnv } from './helpers/env';
import { FaultWatch } from './helpers/faultWatch';
import { httpRequest } from './helpers/http';
import { freePort } from './helpers/ports';
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
    const { reader, provider, address } = await serve({}, false);
    // The server's own count of requests handed to the reader (it listens first): no fixed wait, which a
    // starved machine accepting 50 connections can outlast, decides whether a scrape arrived in time.
    const server = (reader as unknown as { server: Server }).server;
    let received = 0;
    const allReceived = new Promise<void>((resolve) => server.on('request', () => ++received === 50 && resolve()));
    let collections = 0;
    provider
      .getMeter('test')
      .createObservableGauge('slow.gauge')
      .addCallback(async (result) => {
        collections++;
        // Still running when the last of the 50 scrapes arrives, and a moment after.
        await allReceived;
        await new Promise((resolve) => setTimeout(resolve, 100));
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
    // At the 300 ms timeout, with seconds of slack for a starved machine: the collection never ends by itself,
    // so a scrape not cut at the timeout would wait for ever.
    expect(Date.now() - started).toBeLessThan(300 + 5000);
    hang = false;
    const next = await httpRequest(address.url);
    expect(next.status).toBe(200);
    expect(next.body).toMatch(/^maybe_hanging\{.*\} 1$/m);
  });

  function addFailingAndFineGauges(provider: MeterProvider): { fail: (yes: boolean) => void } {
    let failing = true;
    const meter = provider.getMeter('test');
    meter.createObservableGauge('broken.gauge').addCallback((result) => {
      if (failing) throw new Error('boom');
      result.observe(7);
    });
    meter.createObservableGauge('fine.gauge').addCallback((result) => result.observe(42));
    return { fail: (yes) => (failing = yes) };
  }

  it('answers 503 when a metric callback throws (Prometheus records the scrape as failed), by default', async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const { provider, address } = await serve({}, false);
    const gauges = addFailingAndFineGauges(provider);
    const responses = [await httpRequest(address.url), await httpRequest(address.url), await httpRequest(address.url)];
    expect(responses.map((response) => response.status)).toEqual([503, 503, 503]);
    expect(responses[0].body).toContain('boom');
    expect(responses[0].body).not.toContain('fine_gauge');
    // An error that repeats every scrape is one warning, not one per scrape.
    expect(capture.warnings().filter((w) => w.includes('503'))).toHaveLength(1);
    gauges.fail(false);
    const healed = await httpRequest(address.url);
    expect(healed.status).toBe(200);
    expect(healed.body).toMatch(/^broken_gauge\{.*\} 7$/m);
    expect(capture.warnings().filter((w) => w.includes('succeeds again after 3 failed'))).toHaveLength(1);
  });

  it("serves the other metrics when one callback throws with onCollectionError: 'serve-partial', warning once", async () => {
    const capture = new DiagCapture().install();
    cleanups.push(() => capture.uninstall());
    const { provider, address } = await serve({ onCollectionError: 'serve-partial' }, false);
    addFailingAndFineGauges(provider);
    const first = await httpRequest(address.url);
    await httpRequest(address.url);
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/^fine_gauge\{.*\} 42$/m);
    expect(first.body).not.toContain('broken_gauge');
    expect(capture.warnings().filter((w) => w.includes('serve-partial') && w.includes('boom'))).toHaveLength(1);
  });

  it('answers 503 when a callback blocks the thread past the timeout (the timer could not fire), not a late 200', async () => {
    const { provider, address } = await serve({ scrapeTimeoutMillis: 200, onCollectionError: 'serve-partial' }, false);
    let blocking = true;
    provider
      .getMeter('test')
      .createObservableGauge('blocking.gauge')
      .addCallback((result) => {
        const until = Date.now() + 600;
        while (blocking && Date.now() < until) {
          // A synchronous callback stuck in a loop: nothing else runs meanwhile.
        }
        result.observe(1);
      });
    expect((await httpRequest(address.url)).status).toBe(503);
    blocking = false;
    expect((await httpRequest(address.url)).status).toBe(200);
  });

  it('answers 503 at the timeout while an async callback is still running, not when it ends', async () => {
    const { provider, address } = await serve({ scrapeTimeoutMillis: 300 }, false);
    let settled = 0;
    provider
      .getMeter('test')
      .createObservableGauge('late.gauge')
      .addCallback(async (result) => {
        await new Promise((resolve) => setTimeout(resolve, 20_000).unref());
        settled = Date.now();
        result.observe(1);
      });
    const started = Date.now();
    const response = await httpRequest(address.url);
    const answeredAt = Date.now();
    expect(response.status).toBe(503);
    // At the timeout (300 ms, with seconds of slack for a starved machine), long before the callback's 20 s.
    expect(answeredAt - started).toBeLessThan(300 + 5000);
    expect(settled).toBe(0);
  });

  it('rejects a wrong onCollectionError, naming the field and the value', () => {
    expect(() => prometheusMetricReader({ onCollectionError: 'partial' as never })).toThrow(
      new RangeError('onCollectionError must be one of "fail", "serve-partial", got "partial"'),
    );
    expect(() => prometheusMetricReader({ onCollectionError: true as never })).toThrow(TypeError);
    expect(() => prometheusMetricReader({ onCollectionError: true as never })).toThrow(/onCollectionError.*got true/);
  });

  it('answers 50 scrapes that arrive together from one collection, even with synchronous callbacks', async () => {
    const { provider, address } = await serve({}, false);
    let collections = 0;
    provider
      .getMeter('test')
      .createObservableGauge('sync.gauge')
      .addCallback((result) => result.observe(++collections));
    // 50 keep-alive connections, opened and used once, so that the next 50
    // requests are all written in one turn of this process's event loop.
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    cleanups.push(() => agent.destroy());
    await Promise.all(Array.from({ length: 50 }, () => getWith(agent, address.url)));
    const before = collections;
    const together = await Promise.all(Array.from({ length: 50 }, () => getWith(agent, address.url)));
    expect(together.every((response) => response.reusedSocket)).toBe(true);
    expect(together.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(collections - before).toBe(1);
    expect(new Set(together.map((response) => response.body)).size).toBe(1);
  });

  it.each(['127.0.0.1', 'localhost'])(
    'shut down before it listens (host %s): shutdown wins, `ready` rejects and the port stays free',
    async (host) => {
      const port = await freePort();
      const reader = prometheusMetricReader({ host, port });
      const provider = new MeterProvider({ readers: [reader] });
      // Synchronously after construction: the bind is still under way.
      await provider.shutdown();
      await expect(reader.ready).rejects.toThrow('shut down before its endpoint listened');
      expect(reader.address).toBeUndefined();
      // A late bind would show up now: the port must still be free for anyone.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const other = createNetServer();
      await new Promise<void>((resolve, reject) => {
        other.once('error', reject);
        other.listen({ host, port }, resolve);
      });
      await new Promise((resolve) => other.close(resolve));
    },
  );

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

/** One GET through a keep-alive agent, saying whether it went over a connection used before. */
function getWith(agent: Agent, url: string): Promise<{ status: number; body: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

export type { PrometheusReader };
