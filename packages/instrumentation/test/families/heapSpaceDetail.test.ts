import * as v8 from 'node:v8';
import type { HeapSpaceInfo } from 'node:v8';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { startHarness, valueOf } from '../helpers/collect';
import { fakeRuntime } from '../helpers/fakeRuntime';

// heapSpaceDetail: the per-space available and physical sizes are opt-in
// (issue 12, cardinality at defaults); per-space used and size, and the
// whole-heap available and physical totals, stay on by default.

const heapOnly = { gc: false, eventLoop: false, resources: false, process: false };
const AVAILABLE = METRICS.heapSpaceAvailable.name;
const PHYSICAL = METRICS.heapSpacePhysical.name;
const SPACE = 'v8js.heap.space.name';

const spacesOf = (metrics: Map<string, MetricData>, name: string): string[] =>
  (metrics.get(name)?.dataPoints ?? []).map((point) => String(point.attributes[SPACE])).sort();
const sumOf = (metrics: Map<string, MetricData>, name: string): number =>
  (metrics.get(name)?.dataPoints ?? []).reduce((sum, point) => sum + (point.value as number), 0);

describe('heapSpaceDetail (opt-in per-space available and physical sizes)', () => {
  const v8Spaces = v8.getHeapSpaceStatistics().map((space) => space.space_name).sort();

  it(`default: on ${process.version} no per-space available or physical series; used and size per space (${v8Spaces.length} spaces) and the whole-heap totals stay`, async () => {
    const harness = startHarness(heapOnly);
    try {
      const metrics = await harness.readers[0].metrics();
      expect([metrics.has(AVAILABLE), metrics.has(PHYSICAL)]).toEqual([false, false]);
      expect(spacesOf(metrics, METRICS.heapSpaceUsed.name)).toEqual(v8Spaces);
      expect(spacesOf(metrics, METRICS.heapSpaceSize.name)).toEqual(v8Spaces);
      // What a user alerts on is still there: room left before the limit, memory committed.
      expect(valueOf(metrics, METRICS.heapAvailable.name)).toBeGreaterThan(0);
      expect(valueOf(metrics, METRICS.heapPhysical.name)).toBeGreaterThan(0);
    } finally {
      await harness.stop();
    }
  });

  it(`heapSpaceDetail: true: one series per V8 heap space of each, and the spaces' physical sizes add up to the whole-heap total`, async () => {
    const harness = startHarness({ ...heapOnly, heapSpaceDetail: true });
    try {
      const metrics = await harness.readers[0].metrics();
      expect(spacesOf(metrics, AVAILABLE)).toEqual(v8Spaces);
      expect(spacesOf(metrics, PHYSICAL)).toEqual(v8Spaces);
      // Both come from the same collection; a GC between the two V8 reads could
      // move committed memory by a page or so, never by more than a small share.
      const total = valueOf(metrics, METRICS.heapPhysical.name)!;
      expect(Math.abs(sumOf(metrics, PHYSICAL) - total)).toBeLessThanOrEqual(total * 0.02);
    } finally {
      await harness.stop();
    }
  });

  it('reports what getHeapSpaceStatistics() says for each space, on and off with the option', async () => {
    const space = (space_name: string, space_available_size: number, physical_space_size: number) =>
      ({ space_name, space_used_size: 1, space_size: 2, space_available_size, physical_space_size }) as HeapSpaceInfo;
    const runtime = fakeRuntime({
      heapSpaceStatistics: () => [space('old_space', 4096, 8_388_608), space('code_space', 0, 0), space('new_space', 1_048_576, 524_288)],
    });
    const values = async (options: { heapSpaceDetail?: boolean }) => {
      const harness = startHarness({ ...heapOnly, ...options }, runtime);
      try {
        const metrics = await harness.readers[0].metrics();
        return ['old_space', 'code_space', 'new_space'].map((name) => [
          valueOf(metrics, AVAILABLE, { [SPACE]: name }),
          valueOf(metrics, PHYSICAL, { [SPACE]: name }),
        ]);
      } finally {
        await harness.stop();
      }
    };
    expect(await values({ heapSpaceDetail: true })).toEqual([
      [4096, 8_388_608],
      [0, 0],
      [1_048_576, 524_288],
    ]);
    expect(await values({ heapSpaceDetail: false })).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });
});
