import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '@nodevitals/instrumentation';
import { PACKAGE_ROOT, startNode, TS_REGISTER } from './helpers/childProcess';
import { GrpcReceiver } from './helpers/grpcReceiver';

/**
 * The first path of the design, as a user writes it: examples/nodesdk-otlp,
 * `new NodeSDK({ metricReaders: createMetricReaders(), instrumentations:
 * [new NodeRuntimeInstrumentation()] })`, configured by OTEL_* only, pushing to
 * a real OTLP/gRPC receiver.
 */
const EXAMPLE = join(PACKAGE_ROOT, '..', '..', 'examples', 'nodesdk-otlp');

describe('NodeSDK example (examples/nodesdk-otlp) against the real gRPC receiver', () => {
  let receiver: GrpcReceiver;
  beforeAll(async () => {
    if (!existsSync(join(PACKAGE_ROOT, 'dist', 'cjs', 'index.js'))) {
      throw new Error('the example imports the built package: run `pnpm --filter @nodevitals/exporter-presets run build` first');
    }
    receiver = await new GrpcReceiver().start();
  });
  afterAll(() => receiver.stop());

  it('delivers runtime metrics with the resource, periodically and once more at shutdown', async () => {
    const app = startNode(
      [join(EXAMPLE, 'src', 'main.ts')],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '500',
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=3.1.4,deployment.environment.name=staging',
        // NodeSDK would otherwise also try to ship traces and logs.
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      ['-r', TS_REGISTER],
      150_000,
      EXAMPLE,
    );
    try {
      // NodeSDK's imports through the TypeScript hook: a cold start of 5-15 s on a loaded machine comes first.
      await receiver.waitFor(() => receiver.received.length >= 2, 90_000, 'two periodic exports');
    } catch (error) {
      throw new Error(`${(error as Error).message}; example output: ${JSON.stringify(app.output())}`);
    }
    const first = receiver.received[0][0];
    const second = receiver.received[1][0];
    expect(second.resource).toMatchObject({
      'service.name': 'checkout',
      'service.version': '3.1.4',
      'deployment.environment.name': 'staging',
      // NodeSDK's own detectors ran too: this is that very process.
      'process.pid': app.child.pid,
      'telemetry.sdk.language': 'nodejs',
    });
    for (const id of ['heapLimit', 'heapSpaceUsed', 'cpuTime', 'memoryUsage', 'uptime', 'eventLoopUtilization', 'eventLoopDelayP99', 'resourcesActive'] as const) {
      const metric = second.metrics.get(METRICS[id].name);
      expect(metric).toBeDefined();
      expect(metric!.unit).toBe(METRICS[id].unit);
      expect(metric!.points.length).toBeGreaterThan(0);
    }
    // Cumulative sums only go up between exports; uptime moves on.
    const cpu = (received: typeof first) =>
      received.metrics.get(METRICS.cpuTime.name)!.points.reduce((sum, point) => sum + point.value!, 0);
    expect(cpu(second)).toBeGreaterThanOrEqual(cpu(first));
    const uptime = (received: typeof first) => received.metrics.get(METRICS.uptime.name)!.points[0].value!;
    expect(uptime(second)).toBeGreaterThan(uptime(first));
    // GC buckets from runtimeViews(), in seconds.
    const gc = second.metrics.get(METRICS.gcDuration.name);
    if (gc) expect(gc.points[0].explicitBounds![0]).toBeLessThan(0.001);

    const before = receiver.received.length;
    app.child.kill('SIGTERM');
    const result = await app.exited;
    expect(result.code).toBe(0);
    // sdk.shutdown() made a last export.
    expect(receiver.received.length).toBeGreaterThan(before);
    expect(result.stderr).toBe('');
  }, 150_000);
});
