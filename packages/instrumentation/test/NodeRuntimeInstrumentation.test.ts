import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { METRICS } from '../src/catalog';
import { NodeRuntimeInstrumentation } from '../src/index';
import { sleep, TestReader, valueOf } from './helpers/collect';

describe('NodeRuntimeInstrumentation', () => {
  it('works inside NodeSDK, given as an instrumentation beside a metric reader', async () => {
    const previous = process.env.OTEL_METRICS_EXPORTER;
    process.env.OTEL_METRICS_EXPORTER = 'none';
    const reader = new TestReader();
    const sdk = new NodeSDK({ metricReaders: [reader], instrumentations: [new NodeRuntimeInstrumentation()] });
    sdk.start();
    try {
      const metrics = await reader.metrics();
      expect(valueOf(metrics, METRICS.heapLimit.name)).toBeGreaterThan(0);
      expect(metrics.has(METRICS.eventLoopUtilization.name)).toBe(true);
      expect(metrics.has(METRICS.cpuTime.name)).toBe(true);
    } finally {
      await sdk.shutdown();
      if (previous === undefined) delete process.env.OTEL_METRICS_EXPORTER;
      else process.env.OTEL_METRICS_EXPORTER = previous;
    }
  });

  it('follows registerInstrumentations() and a later setMeterProvider()', async () => {
    const first = new TestReader();
    const second = new TestReader();
    const firstProvider = new MeterProvider({ readers: [first] });
    const secondProvider = new MeterProvider({ readers: [second] });
    const instrumentation = new NodeRuntimeInstrumentation();
    const unregister = registerInstrumentations({ instrumentations: [instrumentation], meterProvider: firstProvider });
    const uptime = async (reader: TestReader) => valueOf(await reader.metrics(), METRICS.uptime.name);
    const firstBefore = await uptime(first);
    expect(firstBefore).toBeGreaterThan(0);
    instrumentation.setMeterProvider(secondProvider);
    await sleep(20);
    const secondBefore = await uptime(second);
    expect(secondBefore).toBeGreaterThan(firstBefore!);
    // Moved, not copied: the first provider only repeats its last value now.
    expect(await uptime(first)).toBe(firstBefore);
    unregister();
    await sleep(20);
    expect(await uptime(second)).toBe(secondBefore);
    await firstProvider.shutdown();
    await secondProvider.shutdown();
  });

  it('setConfig() while enabled applies the new family selection', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const instrumentation = new NodeRuntimeInstrumentation();
    instrumentation.setMeterProvider(provider);
    const before = await reader.metrics();
    instrumentation.setConfig({ process: false });
    await sleep(20);
    const after = await reader.metrics();
    expect(valueOf(after, METRICS.uptime.name)).toBe(valueOf(before, METRICS.uptime.name)); // no longer read
    // Still read: active time grows with every read (idle time may not, on a starved machine).
    expect(valueOf(after, METRICS.eventLoopTime.name, { 'nodejs.eventloop.state': 'active' })).toBeGreaterThan(
      valueOf(before, METRICS.eventLoopTime.name, { 'nodejs.eventloop.state': 'active' })!,
    );
    instrumentation.disable();
    await provider.shutdown();
  });
});
