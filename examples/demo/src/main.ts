// The README demo: a small service under a synthetic load, with runtime
// metrics summarised live from an in-process reader every two seconds, served
// on /metrics for Prometheus (127.0.0.1:9464) and pushed over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set. All three read the same instruments at
// their own pace: none takes a window away from another.
//
//   --seconds N   stop after N seconds (otherwise Ctrl-C stops it)
//   --port P      /metrics port (or NODEVITALS_DEMO_PORT; 0 picks a free one)
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '@nodevitals/instrumentation';
import { otlpMetricReader, prometheusMetricReader, runtimeViews } from '@nodevitals/exporter-presets';
import { summarize, type Snapshot } from './summary';
import { Workload } from './workload';

const PRINT_EVERY_MILLIS = 2_000;
// The event-loop gauges describe this sliding window; 10 s keeps the live delay figures about the last few prints.
const EVENT_LOOP_WINDOW_MILLIS = 10_000;
const DEFAULT_METRICS_PORT = 9464;
// A demo wants to be seen in a Collector soon, not after the 60 s default.
const DEFAULT_PUSH_INTERVAL_MILLIS = 5_000;

/** Collects on demand, like a scrape, for the summary. */
class InProcessReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}

  async snapshot(): Promise<Snapshot> {
    const { resourceMetrics } = await this.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  }
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function secondsArgument(): number | undefined {
  const raw = flag('seconds');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`--seconds must be a positive number, got ${raw}`);
  return seconds;
}

function metricsPort(): number {
  const raw = flag('port') ?? process.env.NODEVITALS_DEMO_PORT;
  if (raw === undefined) return DEFAULT_METRICS_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be an integer from 0 to 65535, got ${raw}`);
  return port;
}

function otlpEndpoint(): string | undefined {
  return process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

async function main(): Promise<void> {
  const duration = secondsArgument();
  const port = metricsPort();
  const endpoint = otlpEndpoint();

  const summaryReader = new InProcessReader();
  const prometheus = prometheusMetricReader({ host: '127.0.0.1', port });
  const readers: MetricReader[] = [summaryReader, prometheus];
  if (endpoint) {
    // Protocol, headers and the rest come from the OTEL_* variables.
    readers.push(otlpMetricReader(process.env.OTEL_METRIC_EXPORT_INTERVAL ? {} : { exportIntervalMillis: DEFAULT_PUSH_INTERVAL_MILLIS }));
  }
  const provider = new MeterProvider({ readers, views: runtimeViews() });
  const runtimeMetrics = startRuntimeMetrics({ meterProvider: provider, eventLoopWindowMillis: EVENT_LOOP_WINDOW_MILLIS });
  const workload = new Workload();
  await workload.start();

  console.log('nodevitals demo: a service with allocation churn, self-requests and occasional event-loop stalls.');
  // A taken port costs the /metrics endpoint only; the summary and the push go on.
  const metricsLine = await prometheus.ready.then(
    ({ url }) => `Prometheus  ${url}`,
    (error: NodeJS.ErrnoException) => `Prometheus  not served: 127.0.0.1:${port} ${error.code === 'EADDRINUSE' ? 'is taken' : `failed (${error.message})`}; try --port`,
  );
  console.log(metricsLine);
  console.log(
    endpoint
      ? `OTLP        pushing to ${endpoint} every ${Number(process.env.OTEL_METRIC_EXPORT_INTERVAL || DEFAULT_PUSH_INTERVAL_MILLIS) / 1000} s`
      : 'OTLP        off (set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 to push to a Collector)',
  );
  console.log(`Summary every ${PRINT_EVERY_MILLIS / 1000} s${duration ? ` for ${duration} s` : '; Ctrl-C stops'}.`);

  let previous: Snapshot | undefined;
  let previousAt = performance.now();
  const startedAt = previousAt;
  const print = setInterval(async () => {
    const snapshot = await summaryReader.snapshot();
    const now = performance.now();
    console.log(`\n[${((now - startedAt) / 1000).toFixed(0)} s]\n${summarize(previous, snapshot, (now - previousAt) / 1000, EVENT_LOOP_WINDOW_MILLIS / 1000)}`);
    previous = snapshot;
    previousAt = now;
  }, PRINT_EVERY_MILLIS);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(print);
    workload.stop();
    runtimeMetrics.stop();
    // The OTLP reader makes its last export here.
    await provider.shutdown().catch((error: Error) => console.error(`last export failed: ${error.message}`));
    console.log('\nstopped cleanly');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (duration) setTimeout(stop, duration * 1000);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
