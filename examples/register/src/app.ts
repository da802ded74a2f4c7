/**
 * An application with no telemetry code at all. Runtime metrics come from the
 * preload:
 *
 *   OTEL_SERVICE_NAME=worker OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 \
 *   node --import @nodevitals/exporter-presets/register dist/app.js
 *
 * (`--require` works the same for CommonJS-only setups). Configured only by
 * OTEL_* variables: OTEL_METRICS_EXPORTER=prometheus serves /metrics instead,
 * OTEL_SDK_DISABLED=true turns it off. On SIGTERM/SIGINT and at normal exit
 * the preload makes a last export.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const server = createServer((request, response) => {
  const body = JSON.stringify({ path: request.url, at: Date.now() });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`app listening on ${typeof address === 'object' && address ? address.port : port}`);
});

// The app's own shutdown: close the server; the preload flushes metrics.
process.once('SIGTERM', () => server.close());
