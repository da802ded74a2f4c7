/**
 * Every example under examples/ runs for a few seconds and puts out runtime
 * metrics where it says it does: over OTLP/gRPC to a receiver, or on /metrics.
 * The examples run from their TypeScript sources against the built packages;
 * their builds (`tsc -p`) type-check them.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertPackagesBuilt, freePort, runExample, stopAll } from './helpers/children';
import { EXAMPLES } from './helpers/paths';
import { fetchText, parseExposition, scrapePreset } from './helpers/scrape';
import { metricNames, resourceAttributes, startReceiver, type Receiver } from '../examples/otlp-debug-receiver/src/receiver';

// A few series of each family, by their OpenTelemetry names.
const RUNTIME_METRICS = [
  'v8js.memory.heap.used',
  'v8js.memory.heap.total.limit',
  'nodejs.eventloop.utilization',
  'nodejs.eventloop.delay.distribution',
  'v8js.resource.active',
  'process.cpu.time',
  'process.memory.usage',
];

beforeAll(assertPackagesBuilt);

/**
 * The examples run from their TypeScript sources through the hook: a cold start takes 5-15 s on a loaded
 * 2-core machine (NodeSDK's imports are the heaviest), so each wait for one gets a minute, each test the sum.
 */
const START_MILLIS = 60_000;
const TEST_MILLIS = 150_000;

function assertBuiltFromSources(example: string, name: string): void {
  const built = join(EXAMPLES, example, 'dist', `${name}.js`);
  const source = join(EXAMPLES, example, 'src', `${name}.ts`);
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${built} is missing or older than its source: run \`pnpm --filter ./examples/${example} run build\``);
  }
}
afterAll(stopAll);

describe('examples', () => {
  test('nodesdk-otlp pushes runtime metrics that otlp-debug-receiver prints', async () => {
    const receiver = runExample('otlp-debug-receiver', 'src/main.ts', {}, [], ['--port', '0']);
    const [, address] = await receiver.waitFor(/OTLP\/gRPC metrics receiver on (\S+)/, START_MILLIS);
    const app = runExample('nodesdk-otlp', 'src/main.ts', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${address}`,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_SERVICE_NAME: 'examples-nodesdk',
    });
    // One line per export: "<time> <service>: N metrics, M data points, ..." then the names. The first export
    // (500 ms in) may precede the first event-loop delay sample on a loaded machine; the exports are
    // cumulative, so a later one carries every family: wait for that one.
    const exportLine = /examples-nodesdk: (\d+) metrics, (\d+) data points[^\n]*\n {2}([^\n]+)/g;
    const complete = (): RegExpMatchArray | undefined =>
      [...receiver.output().matchAll(exportLine)].find(([, , , names]) => RUNTIME_METRICS.every((name) => names.split(' ').includes(name)));
    for (const deadline = Date.now() + START_MILLIS; !complete(); ) {
      if (Date.now() > deadline) throw new Error(`no export of examples-nodesdk carried every family; receiver output:\n${receiver.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [, metrics, points, names] = complete()!;
    expect(Number(metrics)).toBeGreaterThanOrEqual(RUNTIME_METRICS.length);
    expect(Number(points)).toBeGreaterThan(Number(metrics));
    expect(names.split(' ')).toEqual(expect.arrayContaining(RUNTIME_METRICS));
    expect(await app.stop()).toBe(0);
    expect(await receiver.stop()).toBe(0);
  }, TEST_MILLIS);

  describe('with a receiver in the test', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await startReceiver();
    });
    afterAll(() => receiver.close());

    test('register: an app without telemetry code, started with --import, pushes runtime metrics', async () => {
      // As its README runs it: the built app (Node's ES module loader, which --import
      // switches the entry point to, does not take .ts files).
      assertBuiltFromSources('register', 'app');
      const app = runExample(
        'register',
        'dist/app.js',
        {
          PORT: '0',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.address}`,
          OTEL_METRIC_EXPORT_INTERVAL: '500',
          OTEL_SERVICE_NAME: 'examples-register',
        },
        ['--import', '@nodevitals/exporter-presets/register'],
      );
      await app.waitFor(/app listening on \d+/, START_MILLIS);
      const fromApp = (exported: Receiver['exports'][number]): boolean =>
        resourceAttributes(exported.request)['service.name'] === 'examples-register';
      // The first export (500 ms in) may precede the first event-loop delay sample
      // on a loaded machine; the exports are cumulative, so a later one carries every family.
      const lacking = (exported: Receiver['exports'][number]): string[] =>
        RUNTIME_METRICS.filter((name) => !metricNames(exported.request).includes(name));
      const complete = await receiver
        .waitFor((exported) => fromApp(exported) && lacking(exported).length === 0, START_MILLIS)
        .catch((error: Error) => {
          const last = receiver.exports.filter(fromApp).at(-1);
          throw new Error(`${error.message}; the app's last export lacks ${last ? lacking(last).join(', ') : 'nothing: no export'}`);
        });
      expect(resourceAttributes(complete.request)['process.pid']).toBe(String(app.process.pid));
      // The app's SIGTERM handler closes its server; the preload's last export follows.
      const before = receiver.exports.filter(fromApp).length;
      expect(await app.stop()).toBe(0);
      expect(receiver.exports.filter(fromApp).length).toBeGreaterThan(before);
    }, TEST_MILLIS);
  });

  test('prometheus-scrape serves the runtime metrics on /metrics', async () => {
    const scrape = await scrapePreset({ OTEL_SERVICE_NAME: 'examples-scrape', OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.3.4' });
    // The resource from the environment reaches target_info.
    expect(scrape.text).toMatch(/^target_info\{[^}]*service_name="examples-scrape"[^}]*\} 1$/m);
    expect(scrape.text).toMatch(/^target_info\{[^}]*service_version="2\.3\.4"/m);
    for (const name of ['v8js_memory_heap_total_limit_bytes', 'process_cpu_time_seconds_total', 'nodejs_eventloop_utilization_ratio', 'v8js_gc_duration_seconds_bucket']) {
      expect(scrape.names).toContain(name);
    }
    expect(scrape.value('v8js_memory_heap_total_limit_bytes')).toBeGreaterThan(16 * 1024 * 1024);
  }, TEST_MILLIS);

  test('http-service (fastify + NodeSDK): a blocking route shows up in the event-loop delay histogram on /metrics', async () => {
    const [port, metricsPort] = await Promise.all([freePort(), freePort()]);
    const app = runExample('http-service', 'src/main.ts', {
      PORT: String(port),
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      OTEL_SERVICE_NAME: 'examples-http',
    });
    await app.waitFor(/http-service listening at/, START_MILLIS);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const SLOW = 'nodejs_eventloop_delay_distribution_seconds_bucket';
    const slowSamples = (text: string): number => {
      const scrape = parseExposition(text);
      return (scrape.value(SLOW, 'le="+Inf"') ?? 0) - (scrape.value(SLOW, 'le="0.1"') ?? 0);
    };
    const before = slowSamples(await fetchText(metricsUrl));
    expect((await fetch(`http://127.0.0.1:${port}/work?ms=300`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/alloc`)).status).toBe(200);
    // The 300 ms block is one or more delay samples above 100 ms, once the sampler has recorded it.
    const deadline = Date.now() + 30_000;
    let text = await fetchText(metricsUrl);
    while (slowSamples(text) <= before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      text = await fetchText(metricsUrl);
    }
    expect(slowSamples(text)).toBeGreaterThan(before);
    expect(text).toMatch(/^target_info\{[^}]*service_name="examples-http"/m);
    expect(await app.stop()).toBe(0);
  }, TEST_MILLIS);
});
