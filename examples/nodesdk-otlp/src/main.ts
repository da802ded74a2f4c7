/**
 * NodeSDK + NodeRuntimeInstrumentation, runtime metrics pushed over OTLP gRPC
 * (the default exporter and protocol of createMetricReaders()).
 *
 *   OTEL_SERVICE_NAME=checkout \
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 \
 *   node dist/main.js
 *
 * Everything else comes from the standard OTEL_* variables: the export
 * interval (OTEL_METRIC_EXPORT_INTERVAL, default 60 s), headers, TLS, and
 * which exporters (OTEL_METRICS_EXPORTER=otlp,prometheus for both).
 * See docs/nodesdk.md.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NodeRuntimeInstrumentation } from '@nodevitals/instrumentation';
import { createMetricReaders, runtimeViews } from '@nodevitals/exporter-presets';

const sdk = new NodeSDK({
  // Without metricReaders NodeSDK would build its own from the environment;
  // these add the retrying gRPC exporter and the Prometheus preset.
  metricReaders: createMetricReaders(),
  // GC buckets in seconds that fit real pauses (0.1 ms to 1 s).
  views: runtimeViews(),
  instrumentations: [new NodeRuntimeInstrumentation()],
});
sdk.start();

// Stand-in for the application.
const work = setInterval(() => {
  JSON.stringify(Array.from({ length: 1000 }, (_, index) => ({ index })));
}, 50);

function shutdown(): void {
  clearInterval(work);
  // shutdown() makes a last export, so the final values are not lost.
  sdk.shutdown().finally(() => process.exit());
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
