/**
 * Measures what one process costs downstream: OTLP bytes per export (as the
 * test gRPC receiver of examples/otlp-debug-receiver receives them, and
 * gzipped) and data points and Prometheus series per process, by family.
 * docs/fleet.md and docs/cost-and-cardinality.md quote its output.
 *
 *   pnpm build   # the built packages are measured
 *   node -r ./scripts/ts-register.cjs test/tools/measureExport.ts          # table
 *   node -r ./scripts/ts-register.cjs test/tools/measureExport.ts --json   # for scripts
 *   node -r ./scripts/ts-register.cjs test/tools/measureExport.ts --opt-in # every opt-in series on too
 *   node -r ./scripts/ts-register.cjs test/tools/measureExport.ts --workers=4 # workers family on, 4 idle workers running
 *   node -r ./scripts/ts-register.cjs test/tools/measureExport.ts --zero-code # also a scrape of the zero-code entry (health included)
 *
 * The process measured is this one: the runtime metrics of a small Node
 * process holding a gRPC server and client, a resource built the way the
 * zero-code `register` entry builds it (service name, host and process
 * attributes), default options. With `--zero-code`, also a child process run
 * the way a zero-code Prometheus user runs one (`node --import
 * @nodevitals/exporter-presets/register`, `OTEL_METRICS_EXPORTER=prometheus`):
 * its scrape holds the health monitor's series too, which the presets start by
 * default there.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RUNTIME_VARIABLES } from '../../packages/exporter-presets/src/internal/runtimeEnvironment';
import { freePort } from '../../packages/exporter-presets/test/helpers/ports';
import { ROOT } from '../helpers/paths';
import { parseExposition, fetchText } from '../helpers/scrape';
import { startReceiver, type ExportMetricsServiceRequest, type Metric } from '../../examples/otlp-debug-receiver/src/receiver';
import { CATALOG, familyOf, type FamilyName } from './catalogNames';

const presetsDist = join(ROOT, 'packages', 'exporter-presets', 'dist', 'cjs');
const instrumentationDist = join(ROOT, 'packages', 'instrumentation', 'dist', 'cjs');

export interface Variant {
  label: string;
  exponentialHistograms: boolean;
}

export interface OtlpMeasurement {
  variant: string;
  /** Protobuf bytes of one steady-state export request. */
  bytes: number;
  /** The same request gzipped (what `compression: gzip` puts on the wire, about). */
  gzipBytes: number;
  metrics: number;
  dataPoints: number;
  /** Buckets of all histogram points together (explicit: bounds + 1; exponential: populated buckets). */
  histogramBuckets: number;
  /** Data points by family. */
  pointsByFamily: Partial<Record<FamilyName, number>>;
}

export interface PrometheusMeasurement {
  /** Sample lines of one scrape, `target_info` excluded. */
  series: number;
  seriesByFamily: Partial<Record<FamilyName, number>>;
  /** Body bytes of one scrape. */
  bytes: number;
}

const dottedFamily = (name: string): FamilyName | undefined => familyOf(name.replace(/\./g, '_'));

function bodyOf(metric: Metric) {
  return metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram;
}

function summarize(variant: string, request: ExportMetricsServiceRequest, bytes: number, gzipBytes: number): OtlpMeasurement {
  const metrics = (request.resourceMetrics ?? []).flatMap((resource) => (resource.scopeMetrics ?? []).flatMap((scope) => scope.metrics ?? []));
  const pointsByFamily: Partial<Record<FamilyName, number>> = {};
  let dataPoints = 0;
  let histogramBuckets = 0;
  for (const metric of metrics) {
    const points = bodyOf(metric)?.dataPoints ?? [];
    dataPoints += points.length;
    const family = dottedFamily(metric.name);
    if (family) pointsByFamily[family] = (pointsByFamily[family] ?? 0) + points.length;
    for (const point of points as Array<Record<string, any>>) {
      if (metric.histogram) histogramBuckets += point.bucketCounts?.length ?? 0;
      if (metric.exponentialHistogram) {
        histogramBuckets += (point.positive?.bucketCounts?.length ?? 0) + (point.negative?.bucketCounts?.length ?? 0);
      }
    }
  }
  return { variant, bytes, gzipBytes, metrics: metrics.length, dataPoints, histogramBuckets, pointsByFamily };
}

function histogramsPopulated(request: ExportMetricsServiceRequest): boolean {
  const names = new Set<string>();
  for (const resource of request.resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const points = (metric.histogram ?? metric.exponentialHistogram)?.dataPoints ?? [];
        if (points.some((point) => Number(point.count ?? 0) > 0)) names.add(metric.name);
      }
    }
  }
  return names.has('v8js.gc.duration') && names.has('nodejs.eventloop.delay.distribution');
}

/** GC kinds with a histogram point. */
function gcKinds(request: ExportMetricsServiceRequest): number {
  for (const resource of request.resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        if (metric.name === 'v8js.gc.duration') return bodyOf(metric)?.dataPoints?.length ?? 0;
      }
    }
  }
  return 0;
}

/**
 * Allocations that survive a while, so the old space fills and V8 runs every
 * kind of GC a service sees (minor, major, incremental marking), not just
 * scavenges: a histogram point per kind is part of the cost.
 */
function keepBusy(): () => void {
  const retained: object[][] = [];
  const timer = setInterval(() => {
    retained.push(Array.from({ length: 50_000 }, (_, index) => ({ index })));
    if (retained.length > 40) retained.splice(0, 20);
  }, 20);
  return () => clearInterval(timer);
}

/** One steady-state OTLP export of the runtime metrics, default options plus `variant`. */
export async function measureOtlp(variant: Variant): Promise<OtlpMeasurement> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const presets = require(presetsDist) as typeof import('../../packages/exporter-presets/src/index');
  const { environmentResource } = require(join(presetsDist, 'internal', 'environmentResource.js')) as typeof import('../../packages/exporter-presets/src/internal/environmentResource');
  const { startRuntimeMetrics } = require(instrumentationDist) as typeof import('../../packages/instrumentation/src/index');
  const { MeterProvider } = require(require.resolve('@opentelemetry/sdk-metrics', { paths: [presetsDist] })) as typeof import('@opentelemetry/sdk-metrics');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const receiver = await startReceiver();
  const stopBusy = keepBusy();
  const saved = process.env.OTEL_SERVICE_NAME;
  process.env.OTEL_SERVICE_NAME ??= 'checkout';
  const reader = presets.otlpMetricReader({ endpoint: `http://${receiver.address}`, exportIntervalMillis: 1000, exportTimeoutMillis: 1000 });
  const meterProvider = new MeterProvider({
    resource: environmentResource(),
    readers: [reader],
    views: presets.runtimeViews({ exponentialHistograms: variant.exponentialHistograms }),
  });
  if (saved === undefined) delete process.env.OTEL_SERVICE_NAME;
  const runtime = startRuntimeMetrics({ meterProvider });
  try {
    // Steady state: both histograms have data, major GCs have run, and a couple of exports have gone by.
    const first = await receiver.waitFor((received) => histogramsPopulated(received.request), 30_000);
    const index = receiver.exports.indexOf(first);
    const settled = (received: (typeof receiver.exports)[number]): boolean =>
      receiver.exports.indexOf(received) >= index + 2 && gcKinds(received.request) >= 3;
    const steady = await receiver.waitFor(settled, 30_000).catch(() => receiver.exports[receiver.exports.length - 1]);
    return summarize(variant.label, steady.request, steady.bytes, steady.gzipBytes);
  } finally {
    stopBusy();
    runtime.stop();
    await meterProvider.shutdown().catch(() => undefined);
    await receiver.close();
  }
}

/** Every opt-in flag of the catalog, on: what a process costs with everything switched on. */
export function allOptIns(): Record<string, boolean> {
  return Object.fromEntries(CATALOG.flatMap((metric) => (metric.optIn ? [[metric.optIn, true]] : [])));
}

/**
 * A scrape once three GC kinds and the delay histogram are in (or after 20 s),
 * counted by family; `target_info` left out.
 */
async function settledScrape(url: string): Promise<PrometheusMeasurement> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await fetchText(url).catch(() => '');
    const scrape = parseExposition(text);
    const gcKindCount = new Set([...text.matchAll(/v8js_gc_duration_seconds_count\{v8js_gc_type="(\w+)"/g)].map((match) => match[1])).size;
    const ready = gcKindCount >= 3 && scrape.names.has('nodejs_eventloop_delay_distribution_seconds_bucket');
    if (ready || (text !== '' && Date.now() > deadline)) {
      const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('target_info'));
      const seriesByFamily: Partial<Record<FamilyName, number>> = {};
      for (const line of lines) {
        const family = familyOf(line.split(/[{ ]/)[0]);
        if (family) seriesByFamily[family] = (seriesByFamily[family] ?? 0) + 1;
      }
      return { series: lines.length, seriesByFamily, bytes: Buffer.byteLength(text) };
    }
    if (Date.now() > deadline + 10_000) throw new Error(`no scrape from ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * About the churn of keepBusy(), as a child process's program. It lands in
 * `target_info`'s `process_command_args`: one line, no braces (parseExposition
 * reads a label set up to its first `}`).
 */
const BUSY_APP =
  'const retained = []; setInterval(() => (retained.push(Array.from(Array(50000).keys(), (index) => [index])), retained.length > 40 && retained.splice(0, 20)), 20);';

/**
 * One scrape of the zero-code entry as a Prometheus user runs it, defaults
 * (health included) plus `env` (NODEVITALS_* switches).
 */
export async function measureZeroCode(env: Record<string, string> = {}): Promise<PrometheusMeasurement> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', '@nodevitals/exporter-presets/register', '-e', BUSY_APP], {
    // Where a user's project would resolve the package from.
    cwd: join(ROOT, 'examples', 'register'),
    env: {
      ...process.env,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...env,
    },
    stdio: 'ignore',
  });
  try {
    return await settledScrape(`http://127.0.0.1:${port}/metrics`);
  } finally {
    child.kill('SIGTERM');
  }
}

/** The `NODEVITALS_*` variable of every opt-in flag of the catalog, set to true. */
function allOptInVariables(): Record<string, string> {
  return Object.fromEntries(Object.keys(allOptIns()).map((flag) => [RUNTIME_VARIABLES[flag as keyof typeof RUNTIME_VARIABLES], 'true']));
}

/** One scrape of the Prometheus preset, default naming, in this process, with `workers` idle worker threads running. */
export async function measurePrometheus(options: Record<string, boolean> = {}, workers = 0): Promise<PrometheusMeasurement> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const presets = require(presetsDist) as typeof import('../../packages/exporter-presets/src/index');
  const { startRuntimeMetrics } = require(instrumentationDist) as typeof import('../../packages/instrumentation/src/index');
  const { MeterProvider } = require(require.resolve('@opentelemetry/sdk-metrics', { paths: [presetsDist] })) as typeof import('@opentelemetry/sdk-metrics');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const reader = presets.prometheusMetricReader({ host: '127.0.0.1', port: 0 });
  const meterProvider = new MeterProvider({ readers: [reader], views: presets.runtimeViews() });
  const runtime = startRuntimeMetrics({ meterProvider, ...options });
  const stopBusy = keepBusy();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const threads = Array.from({ length: workers }, () => new Worker('setInterval(() => {}, 1000)', { eval: true }));
  try {
    const { url } = await reader.ready;
    return await settledScrape(url);
  } finally {
    stopBusy();
    await Promise.all(threads.map((thread) => thread.terminate()));
    runtime.stop();
    await meterProvider.shutdown();
  }
}

export async function measureAll(): Promise<{
  node: string;
  otlp: OtlpMeasurement[];
  prometheus: PrometheusMeasurement;
  zeroCode?: PrometheusMeasurement;
}> {
  const otlp = [
    await measureOtlp({ label: 'default (explicit buckets)', exponentialHistograms: false }),
    await measureOtlp({ label: 'exponentialHistograms: true', exponentialHistograms: true }),
  ];
  const workers = Number(process.argv.find((arg) => arg.startsWith('--workers='))?.slice('--workers='.length) ?? 0);
  const options = process.argv.includes('--opt-in') ? allOptIns() : workers > 0 ? { workers: true } : {};
  const prometheus = await measurePrometheus(options, workers);
  if (!process.argv.includes('--zero-code')) return { node: process.version, otlp, prometheus };
  const zeroCode = await measureZeroCode(process.argv.includes('--opt-in') ? allOptInVariables() : {});
  return { node: process.version, otlp, prometheus, zeroCode };
}

if (require.main === module) {
  measureAll().then(
    (result) => {
      if (process.argv.includes('--json')) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`Node ${result.node}`);
      for (const m of result.otlp) {
        console.log(
          `OTLP ${m.variant}: ${m.bytes} B per export (${m.gzipBytes} B gzipped), ${m.metrics} metrics, ${m.dataPoints} data points, ${m.histogramBuckets} histogram buckets; points by family ${JSON.stringify(m.pointsByFamily)}`,
        );
      }
      const p = result.prometheus;
      console.log(`Prometheus: ${p.series} series per scrape, ${p.bytes} B per scrape; series by family ${JSON.stringify(p.seriesByFamily)}`);
      const z = result.zeroCode;
      if (z) console.log(`Zero-code entry, Prometheus: ${z.series} series per scrape, ${z.bytes} B per scrape; series by family ${JSON.stringify(z.seriesByFamily)}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
