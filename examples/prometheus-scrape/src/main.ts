/**
 * Runtime metrics on /metrics for Prometheus, without NodeSDK: a MeterProvider
 * with the Prometheus reader and the runtime views, and startRuntimeMetrics().
 *
 *   node dist/main.js                      # http://localhost:9464/metrics
 *   OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0 OTEL_EXPORTER_PROMETHEUS_PORT=9464 node dist/main.js
 *   node dist/main.js --naming prom-client  # prom-client's default names where they map (docs/migrate.md)
 *
 * Point Prometheus at it with collector-config/prometheus/prometheus.yml
 * (job `nodevitals-direct`).
 */
import { defaultResource, detectResources, envDetector } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '@nodevitals/instrumentation';
import { prometheusMetricReader, runtimeViews, type MetricNaming } from '@nodevitals/exporter-presets';

// Host and port come from OTEL_EXPORTER_PROMETHEUS_HOST / _PORT
// (default localhost:9464; port 0 picks a free one).
const reader = prometheusMetricReader();
// Without NodeSDK nothing reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES: the
// env detector does, so target_info says which service this is.
const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
// runtimeViews() checks the value: anything but `semconv` or `prom-client` stops here with a RangeError.
const namingAt = process.argv.indexOf('--naming');
const naming = namingAt > 0 ? (process.argv[namingAt + 1] as MetricNaming) : undefined;
const meterProvider = new MeterProvider({ resource, readers: [reader], views: runtimeViews({ naming }) });
const runtimeMetrics = startRuntimeMetrics({ meterProvider });

reader.ready.then(
  (address) => console.log(`runtime metrics at ${address.url}`),
  (error: Error) => {
    console.error(`cannot serve metrics: ${error.message}`);
    process.exitCode = 1;
  },
);

// Stand-in for the application: some garbage every 100 ms so the GC and heap
// panels have something to show.
const retained: number[][][] = [];
const work = setInterval(() => {
  retained.push(Array.from({ length: 200 }, (_, index) => new Array<number>(100).fill(index)));
  if (retained.length > 20) retained.shift();
}, 100);

function shutdown(): void {
  clearInterval(work);
  retained.length = 0;
  runtimeMetrics.stop();
  meterProvider.shutdown().finally(() => process.exit());
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
