// The README demo: a small service under a synthetic load, with runtime
// metrics summarised live from an in-process reader every two seconds.
// `--seconds N` stops it after N seconds; otherwise Ctrl-C stops it.
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from '@nodevitals/instrumentation';
import { summarize, type Snapshot } from './summary';
import { Workload } from './workload';

const PRINT_EVERY_MILLIS = 2_000;

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

function secondsArgument(): number | undefined {
  const index = process.argv.indexOf('--seconds');
  if (index === -1) return undefined;
  const seconds = Number(process.argv[index + 1]);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`--seconds must be a positive number, got ${process.argv[index + 1]}`);
  return seconds;
}

async function main(): Promise<void> {
  const duration = secondsArgument();
  const reader = new InProcessReader();
  const provider = new MeterProvider({ readers: [reader] });
  // A 10 s window keeps the live delay figures about the last few prints.
  const runtimeMetrics = startRuntimeMetrics({ meterProvider: provider, eventLoopWindowMillis: 10_000 });
  const workload = new Workload();
  await workload.start();
  console.log('nodevitals demo: a service with allocation churn, self-requests and occasional event-loop stalls.');
  console.log(`Summary every ${PRINT_EVERY_MILLIS / 1000} s${duration ? ` for ${duration} s` : '; Ctrl-C stops'}.`);

  let previous: Snapshot | undefined;
  let previousAt = performance.now();
  const startedAt = previousAt;
  const print = setInterval(async () => {
    const snapshot = await reader.snapshot();
    const now = performance.now();
    console.log(`\n[${((now - startedAt) / 1000).toFixed(0)} s]\n${summarize(previous, snapshot, (now - previousAt) / 1000)}`);
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
    await provider.shutdown();
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
