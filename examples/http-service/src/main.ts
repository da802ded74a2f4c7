/**
 * A fastify 5 service instrumented with NodeSDK. Runtime metrics go wherever
 * the OTEL_* variables say: OTLP to a Collector by default,
 * OTEL_METRICS_EXPORTER=prometheus for /metrics on :9464, or both.
 *
 *   OTEL_SERVICE_NAME=orders OTEL_METRICS_EXPORTER=otlp,prometheus node dist/main.js
 *
 * Two routes show what the runtime metrics are for: /work blocks the event
 * loop (watch nodejs.eventloop.delay), /alloc churns the heap (watch GC).
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NodeRuntimeInstrumentation } from '@nodevitals/instrumentation';
import { createMetricReaders, runtimeViews } from '@nodevitals/exporter-presets';
import Fastify from 'fastify';

// Start telemetry before the service so its first requests are measured.
const sdk = new NodeSDK({
  metricReaders: createMetricReaders(),
  views: runtimeViews(),
  instrumentations: [new NodeRuntimeInstrumentation()],
});
sdk.start();

const app = Fastify({ logger: false });

app.get('/healthz', async () => ({ ok: true }));

// Synchronous work: every other request waits while this runs.
app.get<{ Querystring: { ms?: string } }>('/work', async (request) => {
  const millis = Math.min(Number(request.query.ms ?? 20), 1000);
  const end = performance.now() + millis;
  let spins = 0;
  while (performance.now() < end) spins += 1;
  return { blockedMillis: millis, spins };
});

// Short-lived garbage: young-generation GCs.
app.get('/alloc', async () => {
  const chunks = Array.from({ length: 2000 }, (_, index) => ({ index, text: `item-${index}` }));
  return { allocated: chunks.length };
});

const port = Number(process.env.PORT ?? 3000);
app.listen({ port, host: process.env.HOST ?? '127.0.0.1' }).then(
  (address) => console.log(`http-service listening at ${address}`),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);

async function shutdown(): Promise<void> {
  await app.close();
  await sdk.shutdown();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
