/**
 * The metric names the peers really emit, read from the libraries themselves
 * (the versions bench/ pins), and nodevitals' own Prometheus output in a given
 * naming mode: what docs/migrate.md is checked against.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ROOT } from '../helpers/paths';
import { parseExposition, type Scrape } from '../helpers/scrape';

const fromBench = createRequire(join(ROOT, 'bench', 'package.json'));
const presetsDist = join(ROOT, 'packages', 'exporter-presets', 'dist', 'cjs');
const instrumentationDist = join(ROOT, 'packages', 'instrumentation', 'dist', 'cjs');

/** Some garbage, so GC entries (and the histograms fed by them) exist before a collection. */
export async function churn(millis: number): Promise<void> {
  const end = Date.now() + millis;
  const retained: object[][] = [];
  while (Date.now() < end) {
    retained.push(Array.from({ length: 20_000 }, (_, index) => ({ index })));
    if (retained.length > 20) retained.splice(0, 10);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Metric family names of prom-client's `collectDefaultMetrics()` on a fresh registry. */
export async function promClientDefaultNames(): Promise<Set<string>> {
  const client = fromBench('prom-client') as {
    Registry: new () => { metrics(): Promise<string>; clear(): void };
    collectDefaultMetrics(options: { register: unknown }): void;
  };
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  await churn(300);
  const text = await registry.metrics();
  registry.clear();
  return new Set(
    text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2]),
  );
}

/** Names `@opentelemetry/instrumentation-runtime-node` reports to a real MeterProvider. */
export async function runtimeNodeNames(): Promise<Set<string>> {
  const sdk = fromBench('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const { RuntimeNodeInstrumentation } = fromBench('@opentelemetry/instrumentation-runtime-node');
  const reader = new sdk.PeriodicExportingMetricReader({
    exporter: new sdk.InMemoryMetricExporter(sdk.AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new sdk.MeterProvider({ readers: [reader] });
  const instrumentation = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  try {
    // The delay gauges report only after a few samples; GC only after a GC; resources need one open.
    const timer = setInterval(() => undefined, 1000);
    // A GC entry reaches its observer a moment after the pause. Churn alone may
    // not trigger a GC in time on a loaded machine (the churn loop gets few turns),
    // so each round also forces a real full GC; retry until one was reported (30 s at most).
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    let names = new Set<string>();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      await churn(500);
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { resourceMetrics } = await reader.collect();
      names = new Set(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name)));
      if (names.has('v8js.gc.duration')) break;
    }
    clearInterval(timer);
    return names;
  } finally {
    instrumentation.disable();
    await meterProvider.shutdown();
  }
}

/** One scrape of nodevitals' Prometheus reader in this process, with `runtimeViews({ naming })`. */
export async function scrapeWithNaming(naming: 'semconv' | 'prom-client', runtimeOptions: Record<string, boolean> = {}): Promise<Scrape> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const presets = require(presetsDist) as typeof import('../../packages/exporter-presets/src/index');
  const { startRuntimeMetrics } = require(instrumentationDist) as typeof import('../../packages/instrumentation/src/index');
  const { MeterProvider } = require(require.resolve('@opentelemetry/sdk-metrics', { paths: [presetsDist] })) as typeof import('@opentelemetry/sdk-metrics');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const reader = presets.prometheusMetricReader({ host: '127.0.0.1', port: 0 });
  const meterProvider = new MeterProvider({ readers: [reader], views: presets.runtimeViews({ naming }) });
  const runtime = startRuntimeMetrics({ meterProvider, ...runtimeOptions });
  try {
    const { url } = await reader.ready;
    const deadline = Date.now() + 15_000;
    for (;;) {
      await churn(300);
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const scrape = parseExposition(await response.text());
      const histograms = [...scrape.names].filter((name) => name.endsWith('_bucket')).length;
      if (histograms >= 2 || Date.now() > deadline) return scrape;
    }
  } finally {
    runtime.stop();
    await meterProvider.shutdown();
  }
}
