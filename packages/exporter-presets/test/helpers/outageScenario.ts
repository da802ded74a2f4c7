import { GrpcReceiver } from './grpcReceiver';
import { linesOtherThanHealth } from './healthLines';
import { HttpReceiver } from './httpReceiver';
import { LOADERS, startApp } from './zeroCodeApp';

/**
 * A collector outage as an operator lives it: the app runs under the
 * zero-code entry with a 1 s interval, the collector goes away for a few
 * seconds, then comes back. What the app prints is what they read.
 */
// Also each export's budget: 1 s, so a loaded machine does not turn a slow answer into a failure.
const INTERVAL_MILLIS = 1000;

interface Collector {
  endpointFor(protocol: string): string;
  deliveries(): number;
  stop(): Promise<void> | void;
  restart(): Promise<unknown>;
}

async function grpcCollector(): Promise<Collector> {
  let receiver = await new GrpcReceiver().start();
  let before = 0;
  return {
    endpointFor: () => receiver.endpoint,
    deliveries: () => before + receiver.received.length,
    stop: () => {
      // Counted once: the next receiver starts from zero.
      before += receiver.received.splice(0).length;
      receiver.stop();
    },
    restart: async () => (receiver = await new GrpcReceiver().start(receiver.port)),
  };
}

async function httpCollector(): Promise<Collector> {
  const receiver = await new HttpReceiver().start();
  return {
    endpointFor: () => `${receiver.endpoint}/v1/metrics`,
    deliveries: () => receiver.received.length,
    stop: () => receiver.stop(),
    restart: () => receiver.start(receiver.port),
  };
}

async function until(predicate: () => boolean, timeoutMillis: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const PROTOCOLS = [
  { protocol: 'grpc', collector: grpcCollector },
  { protocol: 'http/protobuf', collector: httpCollector },
  { protocol: 'http/json', collector: httpCollector },
];

/**
 * The lines the app printed from the moment the collector went away until the
 * app ended, health transitions left out: a starved test machine crosses the
 * loop and GC thresholds, and those lines say so, not anything about the outage.
 */
export async function linesPrintedAcrossAnOutage(protocol: string, makeCollector: () => Promise<Collector>, outageMillis: number): Promise<string[]> {
  const collector = await makeCollector();
  const app = startApp(LOADERS[0], {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: collector.endpointFor(protocol),
    OTEL_METRIC_EXPORT_INTERVAL: String(INTERVAL_MILLIS),
    // The lines of the outage are what is counted: the final export when the app is stopped gets a bound a
    // starved machine cannot miss, so it adds no line of its own (its 2 s default has its own test).
    NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
  }, outageMillis + 150_000);
  // Only what the outage itself makes is counted: a slow first connect at this tight interval may fail and recover before.
  let printedBefore = 0;
  try {
    // A cold start through the loader hook takes 5-15 s on a loaded machine (more with three jest workers beside it).
    await until(() => collector.deliveries() >= 2, 60_000, 'deliveries before the outage');
    // A line about an earlier hiccup may still be on its way through the pipe: let it land first.
    await until(() => {
      const { started, ended } = outageLines(app.output().stderr.split('\n'));
      return started.length === ended.length;
    }, 20_000, 'the app to report any earlier hiccup as over');
    printedBefore = app.output().stderr.length;
    await collector.stop();
    const stoppedAt = collector.deliveries();
    // The outage lasts `outageMillis` from the app's first failed export, which it reports at once: timed from
    // the stop, a loaded machine could spend much of the window before the app's next export came due.
    await until(() => outageLines(app.output().stderr.slice(printedBefore).split('\n')).started.length > 0, 30_000, 'the app to report the outage');
    await new Promise((resolve) => setTimeout(resolve, outageMillis));
    await collector.restart();
    await until(() => collector.deliveries() > stoppedAt, 30_000, 'a delivery after the collector came back');
    // The receiver has the export before the app has its answer: wait for the app to say so.
    await until(() => outageLines(app.output().stderr.slice(printedBefore).split('\n')).ended.length > 0, 30_000, 'the app to report the outage over');
  } finally {
    app.child.kill('SIGTERM');
  }
  const stderr = (await app.exited).stderr.slice(printedBefore);
  await collector.stop();
  return linesOtherThanHealth(stderr);
}

/** The line an outage starts with, the "still failing" ones, the one it ends with. */
export function outageLines(lines: string[]) {
  return {
    started: lines.filter((line) => /OTLP export to .* failed \(/.test(line)),
    ongoing: lines.filter((line) => /OTLP export to .* still failing after .* \(\d+ exports lost so far; last error/.test(line)),
    ended: lines.filter((line) => /OTLP export to .* works again after [\w ]+; \d+ exports were lost/.test(line)),
  };
}
