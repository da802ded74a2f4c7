import * as v8 from 'node:v8';
import { METRICS } from '../../src/catalog';
import { DiagCapture, startHarness, valueOf } from '../helpers/collect';
import { fakeRuntime } from '../helpers/fakeRuntime';

const ALLOCATED = METRICS.heapAllocated.name;
const heapOnly = { gc: false, eventLoop: false, resources: false, process: false };
const hasAllocationCounter =
  typeof (v8.getHeapStatistics() as { total_allocated_bytes?: unknown }).total_allocated_bytes === 'number';

describe('v8js.memory.heap.allocated', () => {
  if (hasAllocationCounter) {
    it(`on ${process.version}: a loop allocating 2,000,000 two-field objects (40 bytes each, 80 MB) adds 80 to 100 MB`, async () => {
      const harness = startHarness(heapOnly);
      const allocated = async () => valueOf(await harness.readers[0].metrics(), ALLOCATED)!;
      try {
        const before = await allocated();
        // Each object: map, properties, elements and two in-object fields, 8 bytes each
        // (Node builds V8 without pointer compression). None survives, so none is counted twice.
        let last: { a: number; b: number } | undefined;
        for (let i = 0; i < 2_000_000; i++) last = { a: i, b: i };
        const after = await allocated();
        expect(last!.a).toBe(1_999_999);
        // The slack above 80 MB is one collection's own allocations and the loop's compilation.
        expect(after - before).toBeGreaterThanOrEqual(80_000_000);
        expect(after - before).toBeLessThan(100_000_000);
      } finally {
        await harness.stop();
      }
    });
  } else {
    it(`on ${process.version} (no total_allocated_bytes before Node 26): skipped with one diag line, the heap family stays`, async () => {
      const diag = new DiagCapture().install();
      const harness = startHarness(heapOnly);
      try {
        const metrics = await harness.readers[0].metrics();
        expect(metrics.has(ALLOCATED)).toBe(false);
        expect(metrics.has(METRICS.heapUsed.name)).toBe(true);
        expect(diag.matching(/v8js\.memory\.heap\.allocated skipped: v8\.getHeapStatistics\(\) has no total_allocated_bytes/)).toHaveLength(1);
      } finally {
        diag.uninstall();
        await harness.stop();
      }
    });
  }

  it('is a counter that never goes backwards, whatever the source says', async () => {
    const readings = [1_000, 5_000, 4_000, 9_000];
    const runtime = fakeRuntime({
      heapStatistics: () => ({ ...v8.getHeapStatistics(), total_allocated_bytes: readings[0] }) as v8.HeapInfo,
    });
    const harness = startHarness(heapOnly, runtime);
    try {
      const seen: number[] = [];
      while (readings.length > 0) {
        seen.push(valueOf(await harness.readers[0].metrics(), ALLOCATED)!);
        readings.shift();
      }
      expect(seen).toEqual([1_000, 5_000, 5_000, 9_000]);
    } finally {
      await harness.stop();
    }
  });
});
