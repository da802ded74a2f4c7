import { join } from 'node:path';
import { METRICS } from '@nodevitals/instrumentation';
import { FIXTURES, PACKAGE_ROOT, startNode } from '../helpers/childProcess';
import { GrpcReceiver } from '../helpers/grpcReceiver';
import type { ReceivedExport } from '../helpers/otlpData';

// Issue 9, item 12, the cross-process half: NodeSDK with
// NodeRuntimeInstrumentation in an app also started with the zero-code entry.
// The entry runs on a MeterProvider of its own, so what really happens is two
// streams, each with its own resource, each exported in full. Proven here with
// a real process and a real receiver: neither stream counts a GC pause twice
// (each equals the app's own count), and one warning says that two providers
// report, so a query summing both is not mistaken for a doubled count.

let receiver: GrpcReceiver;
beforeAll(async () => (receiver = await new GrpcReceiver().start()));
afterAll(() => receiver.stop());

function gcCount(received: ReceivedExport): number | undefined {
  const points = received.metrics.get(METRICS.gcDuration.name)?.points;
  return points?.reduce((sum, point) => sum + (point.count ?? 0), 0);
}

it('NodeSDK + --require register: two streams, each counting every GC pause once, and one warning', async () => {
  const app = startNode(
    [join(FIXTURES, 'nodesdkBesideRegister.cjs')],
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Long enough for an export to finish on a loaded machine (the export timeout is cut to it).
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
    ['--require', '@nodevitals/exporter-presets/register'],
    150_000,
    join(PACKAGE_ROOT, '..', '..', 'examples', 'nodesdk-otlp'),
  );
  try {
    await app.waitForOutput('app gc count', 90_000);
    const appCount = Number(app.output().stdout.match(/app gc count (\d+)/)![1]);
    expect(appCount).toBeGreaterThan(3);
    const from = receiver.received.length;
    // Two exports of each stream after the count was printed.
    const streams = (): Map<string, ReceivedExport[]> => {
      const byInstance = new Map<string, ReceivedExport[]>();
      for (const received of receiver.received.slice(from).flat()) {
        if (received.resource['process.pid'] !== app.child.pid || gcCount(received) === undefined) continue;
        const key = JSON.stringify(received.resource);
        byInstance.set(key, [...(byInstance.get(key) ?? []), received]);
      }
      return byInstance;
    };
    await receiver.waitFor(() => [...streams().values()].filter((list) => list.length >= 2).length === 2, 90_000, 'two exports of both streams');
    const counts = [...streams().values()].map((list) => gcCount(list[list.length - 1])!);
    // An idle app still collects now and then while the exports are made, and how many exports that takes
    // depends on how loaded the machine is: the bound is the defect's, never twice its count (a pause counted
    // twice doubles every one of the app's ten or more).
    for (const count of counts) {
      expect(count).toBeGreaterThanOrEqual(appCount);
      expect(count).toBeLessThan(2 * appCount);
    }
  } finally {
    app.child.kill('SIGTERM');
  }
  const result = await app.exited;
  const warnings = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes('second MeterProvider'));
  expect(warnings).toHaveLength(1);
}, 240_000);
