import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../src/catalog';
import { MAX_RESOURCE_TYPES } from '../src/families/resources';
import { DiagCapture, startHarness, valueOf } from './helpers/collect';
import { fakeRuntime } from './helpers/fakeRuntime';

function everyNumber(metrics: Map<string, MetricData>): number[] {
  const values: number[] = [];
  for (const metric of metrics.values()) {
    for (const point of metric.dataPoints) {
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        const value = point.value as { sum?: number; count: number };
        values.push(value.count, value.sum ?? 0);
      } else {
        values.push(point.value as number);
      }
    }
  }
  return values;
}

describe('never NaN, never a counter going backwards', () => {
  it('drops NaN and Infinity from a broken source instead of exporting them', async () => {
    const real = fakeRuntime({});
    const runtime = fakeRuntime({
      heapStatistics: () => ({ ...real.heapStatistics!(), used_heap_size: NaN, heap_size_limit: Infinity }),
      memoryUsage: () => ({ ...real.memoryUsage!(), external: NaN }),
      rss: () => NaN,
      uptime: () => NaN,
    });
    const harness = startHarness({}, runtime);
    const metrics = await harness.readers[0].metrics();
    expect(everyNumber(metrics).every(Number.isFinite)).toBe(true);
    expect(metrics.has(METRICS.heapUsed.name)).toBe(false);
    expect(valueOf(metrics, METRICS.heapSize.name)).toBeGreaterThan(0); // the rest of the read still counts
    await harness.stop();
  });

  it('holds a counter at its highest value when the source goes backwards', async () => {
    const real = fakeRuntime({});
    const cpu = [5_000_000, 7_000_000, 3_000_000, 8_000_000];
    let call = 0;
    const runtime = fakeRuntime({
      resourceUsage: () => ({ ...real.resourceUsage!(), userCPUTime: cpu[Math.min(call++, cpu.length - 1)] }),
    });
    const harness = startHarness({ process: true, heap: false, gc: false, eventLoop: false, resources: false }, runtime);
    const seen: number[] = [];
    for (let i = 0; i < cpu.length; i++) {
      seen.push(valueOf(await harness.readers[0].metrics(), METRICS.cpuTime.name, { 'cpu.mode': 'user' })!);
    }
    expect(seen).toEqual([5, 7, 7, 8]);
    await harness.stop();
  });

  it('keeps the series count bounded when resource types come and go without end', async () => {
    let generation = 0;
    const runtime = fakeRuntime({ activeResources: () => ['TCPSocketWrap', 'Timeout', `Custom${generation++}`] });
    const harness = startHarness({ resources: true, heap: false, gc: false, eventLoop: false, process: false }, runtime);
    let metrics = await harness.readers[0].metrics();
    for (let i = 0; i < 300; i++) metrics = await harness.readers[0].metrics();
    const points = metrics.get(METRICS.resourcesActive.name)!.dataPoints;
    expect(points.length).toBeLessThanOrEqual(MAX_RESOURCE_TYPES + 1);
    const byType = Object.fromEntries(points.map((point) => [point.attributes['v8js.resource.type'], point.value]));
    expect(byType.TCPSocketWrap).toBe(1);
    const custom = Object.entries(byType).filter(([type]) => type.startsWith('Custom'));
    expect(custom).toHaveLength(MAX_RESOURCE_TYPES - 2);
    // Gone types are reported as zero, not left at their last value.
    expect(custom.every(([, count]) => count === 0)).toBe(true);
    expect(byType.other).toBe(1);
    await harness.stop();
  });

  it('a source that throws costs only its own values: the collection succeeds and says so once', async () => {
    const diag = new DiagCapture().install();
    const runtime = fakeRuntime({
      heapSpaceStatistics: () => {
        throw new Error('boom');
      },
    });
    const harness = startHarness({}, runtime);
    try {
      for (let i = 0; i < 3; i++) {
        const metrics = await harness.readers[0].metrics();
        expect(metrics.has(METRICS.cpuTime.name)).toBe(true);
      }
      expect(diag.matching(/heap collection failed/)).toHaveLength(1);
    } finally {
      await harness.stop();
      diag.uninstall();
    }
  });
});
