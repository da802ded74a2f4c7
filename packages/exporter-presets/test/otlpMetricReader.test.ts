import { METRICS, startRuntimeMetrics, type RuntimeMetricsHandle } from '@nodevitals/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { otlpMetricReader } from '../src/otlpMetricReader';
import { runtimeViews } from '../src/runtimeViews';
import { clearOtelEnvironment, withEnv } from './helpers/env';
import { GrpcReceiver } from './helpers/grpcReceiver';
import { HttpReceiver } from './helpers/httpReceiver';
import { FIXTURES, runNode } from './helpers/childProcess';
import { join } from 'node:path';

clearOtelEnvironment();

const RESOURCE = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.2.3',
  'deployment.environment.name': 'test',
});

describe('otlpMetricReader against real receivers', () => {
  let provider: MeterProvider | undefined;
  let runtime: RuntimeMetricsHandle | undefined;
  // Before the receiver goes: a final export to a dead receiver would spend its whole retry budget.
  async function shutdown(): Promise<void> {
    runtime?.stop();
    await provider?.shutdown().catch(() => undefined);
    provider = undefined;
    runtime = undefined;
  }
  afterEach(shutdown);

  function start(reader: ReturnType<typeof otlpMetricReader>): MeterProvider {
    provider = new MeterProvider({ resource: RESOURCE, readers: [reader], views: runtimeViews() });
    runtime = startRuntimeMetrics({ meterProvider: provider });
    return provider;
  }

  it('delivers every runtime family over gRPC by default, with names, units, points and the resource', async () => {
    const receiver = await new GrpcReceiver().start();
    try {
      start(otlpMetricReader({ endpoint: receiver.endpoint, exportIntervalMillis: 60_000 }));
      global.gc?.();
      await provider!.forceFlush();
      const { metrics, resource } = receiver.latest();
      expect(resource).toMatchObject({
        'service.name': 'checkout',
        'service.version': '1.2.3',
        'deployment.environment.name': 'test',
      });
      for (const id of ['heapUsed', 'heapSpaceUsed', 'eventLoopUtilization', 'eventLoopTime', 'cpuTime', 'memoryUsage', 'uptime', 'resourcesActive'] as const) {
        const definition = METRICS[id];
        const metric = metrics.get(definition.name);
        expect(metric).toBeDefined();
        expect(metric!.unit).toBe(definition.unit);
        expect(metric!.points.length).toBeGreaterThan(0);
      }
      const rss = metrics.get(METRICS.memoryUsage.name)!.points[0].value!;
      // The resident set of this very process, within what the OS says now.
      expect(rss).toBeGreaterThan(10 * 1024 * 1024);
      expect(rss).toBeLessThan(process.memoryUsage.rss() * 2);
      const cpu = metrics.get(METRICS.cpuTime.name)!;
      expect(cpu.kind).toBe('sum');
      expect(cpu.points.map((p) => p.attributes['cpu.mode']).sort()).toEqual(['system', 'user']);
      const heapSpaces = metrics.get(METRICS.heapSpaceUsed.name)!.points.map((p) => p.attributes['v8js.heap.space.name']);
      expect(heapSpaces).toContain('old_space');
      const gc = metrics.get(METRICS.gcDuration.name);
      if (gc) {
        expect(gc.kind).toBe('histogram');
        expect(gc.unit).toBe('s');
        // Buckets in seconds: sub-millisecond boundaries exist.
        expect(gc.points[0].explicitBounds![0]).toBeLessThan(0.001);
      }
    } finally {
      await shutdown();
      receiver.stop();
    }
  });

  it('sends the configured headers as gRPC metadata', async () => {
    const receiver = await new GrpcReceiver().start();
    try {
      start(otlpMetricReader({ endpoint: receiver.endpoint, headers: { 'x-tenant': 'blue' } }));
      await provider!.forceFlush();
      expect(receiver.calls[0].metadata.get('x-tenant')).toEqual(['blue']);
    } finally {
      await shutdown();
      receiver.stop();
    }
  });

  it.each([
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const)('delivers over %s (gzip), in a real Node process', async (protocol, contentType) => {
    const receiver = await new HttpReceiver().start();
    try {
      const result = await runNode(
        [join(FIXTURES, 'pushOnce.ts'), JSON.stringify({ protocol, endpoint: `${receiver.endpoint}/v1/metrics`, compression: 'gzip' })],
        {},
      );
      expect(result.stderr).not.toContain('UNHANDLED');
      expect(result.code).toBe(0);
      expect(receiver.received.length).toBeGreaterThanOrEqual(1);
      const [{ contentType: received, headers, exports }] = receiver.received;
      expect(received).toContain(contentType);
      expect(headers['content-encoding']).toBe('gzip');
      expect(exports[0].resource['service.name']).toBe('checkout');
      const uptime = exports[0].metrics.get(METRICS.uptime.name)!;
      expect(uptime.unit).toBe('s');
      expect(uptime.points[0].value).toBeGreaterThan(0);
      expect(uptime.points[0].value).toBeLessThan(30);
    } finally {
      await receiver.stop();
    }
  });

  it('appends /v1/metrics to OTEL_EXPORTER_OTLP_ENDPOINT for HTTP, as the spec says', async () => {
    const receiver = await new HttpReceiver().start();
    try {
      const result = await runNode([join(FIXTURES, 'pushOnce.ts')], {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.endpoint}/`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
      });
      expect(result.code).toBe(0);
      expect(receiver.received.length).toBeGreaterThanOrEqual(1);
      expect(receiver.received[0].headers.authorization).toBe('Bearer abc');
    } finally {
      await receiver.stop();
    }
  });

  it('honours delta temporality and exponential histograms from the environment', async () => {
    const receiver = await new GrpcReceiver().start();
    try {
      const reader = withEnv(
        {
          OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
          OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: 'base2_exponential_bucket_histogram',
        },
        () => otlpMetricReader({ endpoint: receiver.endpoint }),
      );
      provider = new MeterProvider({ resource: RESOURCE, readers: [reader] });
      const meter = provider.getMeter('test');
      meter.createCounter('requests').add(3);
      meter.createHistogram('latency', { unit: 's' }).record(0.25);
      await provider.forceFlush();
      const { metrics } = receiver.latest();
      expect(metrics.get('requests')!.temporality).toBe(1); // AGGREGATION_TEMPORALITY_DELTA
      expect(metrics.get('latency')!.kind).toBe('exponentialHistogram');
    } finally {
      await shutdown();
      receiver.stop();
    }
  });
});
