import { PerformanceObserver } from 'node:perf_hooks';
import { DataPointType, MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { NodeRuntimeInstrumentation, startRuntimeMetrics } from '../../src/index';
import { DiagCapture, sleep, TestReader } from '../helpers/collect';

// Issue 9, item 12: a second start on one MeterProvider recorded every GC
// pause and every event-loop sample twice (22 GCs reported as 44). Each case
// runs a reference provider with a single start beside the one under test:
// both see the same pauses, so the counts must agree.

/** Total observations of a histogram, all attribute sets together. */
function histogramCount(metrics: Map<string, MetricData>, name: string): number {
  const metric = metrics.get(name);
  if (!metric || metric.dataPointType !== DataPointType.HISTOGRAM) return 0;
  return metric.dataPoints.reduce((sum, point) => sum + (point.value as { count: number }).count, 0);
}

/** Garbage until a few scavenges happened (up to 400 rounds); kept in a variable so it is not optimised away. */
let sink: unknown;
async function causeGcs(): Promise<void> {
  // How many rounds that takes depends on the line's young generation and the
  // machine's load: 20 fixed rounds once produced no collection at all.
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  try {
    for (let round = 0; round < 400 && (round < 20 || collections < 3); round++) {
      sink = Array.from({ length: 50_000 }, (_, index) => ({ index, text: `x${index}` }));
      await sleep(1);
      void sink;
    }
  } finally {
    observer.disconnect();
  }
  sink = undefined;
  // gc entries reach each observer in a task of their own.
  await sleep(100);
}

interface Setup {
  name: string;
  /** Starts runtime metrics twice (in the case's way) on `provider`; returns the stop of each. */
  start(provider: MeterProvider): Array<() => void>;
}

const SETUPS: Setup[] = [
  {
    name: 'startRuntimeMetrics twice',
    start: (provider) => [1, 2].map(() => startRuntimeMetrics({ meterProvider: provider }).stop),
  },
  {
    name: 'NodeRuntimeInstrumentation twice',
    start: (provider) =>
      [1, 2].map(() => {
        const instrumentation = new NodeRuntimeInstrumentation();
        instrumentation.setMeterProvider(provider);
        return () => instrumentation.disable();
      }),
  },
  {
    name: 'NodeRuntimeInstrumentation and startRuntimeMetrics',
    start: (provider) => {
      const instrumentation = new NodeRuntimeInstrumentation();
      instrumentation.setMeterProvider(provider);
      return [() => instrumentation.disable(), startRuntimeMetrics({ meterProvider: provider }).stop];
    },
  },
];

describe('a second start on the same MeterProvider doubles nothing', () => {
  let diag: DiagCapture;
  beforeEach(() => (diag = new DiagCapture().install()));
  afterEach(() => diag.uninstall());

  it.each(SETUPS)('$name: GC and event-loop histogram counts equal a single start', async ({ start }) => {
    const reference = new TestReader();
    const referenceProvider = new MeterProvider({ readers: [reference] });
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const stopReference = startRuntimeMetrics({ meterProvider: referenceProvider }).stop;
    const stops = start(provider);
    try {
      await causeGcs();
      const [expected, measured] = [await reference.metrics(), await reader.metrics()];
      const gcs = histogramCount(expected, METRICS.gcDuration.name);
      expect(gcs).toBeGreaterThan(0);
      expect(histogramCount(measured, METRICS.gcDuration.name)).toBe(gcs);
      // Two samplers tick on their own timers: equal within a few ticks, far from twice.
      const samples = histogramCount(expected, METRICS.eventLoopDelayDistribution.name);
      expect(samples).toBeGreaterThan(5);
      const sampled = histogramCount(measured, METRICS.eventLoopDelayDistribution.name);
      expect(Math.abs(sampled - samples)).toBeLessThanOrEqual(Math.max(3, samples * 0.25));
      // Said once, through diag, for the provider started twice.
      expect(diag.matching(/already run on this MeterProvider/)).toHaveLength(1);
    } finally {
      for (const stop of stops) stop();
      stopReference();
      await provider.shutdown();
      await referenceProvider.shutdown();
    }
  }, 120_000);

  it('says it once however many times it is started again', async () => {
    const provider = new MeterProvider({ readers: [new TestReader()] });
    const handles = Array.from({ length: 4 }, () => startRuntimeMetrics({ meterProvider: provider }));
    expect(diag.matching(/already run on this MeterProvider/)).toHaveLength(1);
    for (const handle of handles) handle.stop();
    await provider.shutdown();
  });

  it('once the first is stopped, a new start reports again', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    startRuntimeMetrics({ meterProvider: provider }).stop();
    const second = startRuntimeMetrics({ meterProvider: provider, eventLoop: false });
    const first = (await reader.metrics()).get(METRICS.uptime.name)?.dataPoints[0]?.value as number;
    await sleep(30);
    const later = (await reader.metrics()).get(METRICS.uptime.name)?.dataPoints[0]?.value as number;
    expect(later).toBeGreaterThan(first);
    expect(diag.matching(/already run on this MeterProvider/)).toHaveLength(0);
    second.stop();
    await provider.shutdown();
  });

  it('an instrumentation moved to another provider frees the first one', async () => {
    const [firstReader, secondReader] = [new TestReader(), new TestReader()];
    const first = new MeterProvider({ readers: [firstReader] });
    const second = new MeterProvider({ readers: [secondReader] });
    const instrumentation = new NodeRuntimeInstrumentation();
    instrumentation.setMeterProvider(first);
    instrumentation.setMeterProvider(second);
    const handle = startRuntimeMetrics({ meterProvider: first });
    expect(diag.matching(/already run on this MeterProvider/)).toHaveLength(0);
    expect((await firstReader.metrics()).has(METRICS.uptime.name)).toBe(true);
    handle.stop();
    instrumentation.disable();
    await first.shutdown();
    await second.shutdown();
  });
});
