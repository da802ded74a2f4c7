import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { METRICS } from '../../src/catalog';
import { gcTypeOf } from '../../src/families/gc';
import type { GcEntry } from '../../src/runtime';
import { lastJson, runScenario } from '../helpers/childProcess';
import { histogramTotals, sleep, startHarness } from '../helpers/collect';
import { fakeRuntime } from '../helpers/fakeRuntime';

setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;
const GC = METRICS.gcDuration.name;

describe('gcTypeOf', () => {
  it.each([
    [1, 'minor', 'Scavenge'],
    [2, 'minor', 'MinorMarkSweep (--minor-ms), dropped by peers'],
    [4, 'major', 'MarkSweepCompact'],
    [8, 'incremental', 'IncrementalMarking'],
    [16, 'weakcb', 'ProcessWeakCallbacks'],
    [0, 'major', 'an unknown kind still counts'],
    [64, 'major', 'a future kind still counts'],
  ])('maps kind %i to %s (%s)', (kind, type) => {
    expect(gcTypeOf(kind)).toBe(type);
  });
});

describe('gc family', () => {
  it('counts every gc entry of every observer batch: count and sum equal the entries', async () => {
    const harness = startHarness({ eventLoop: false, heap: false, process: false, resources: false });
    const seen: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) seen.push(entry.duration);
    });
    observer.observe({ entryTypes: ['gc'] });
    let keep: object[] = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 100_000; i++) keep.push({ i, text: `value ${i}` });
      keep = [];
      if (round % 5 === 0) forceGc();
      await sleep(1);
    }
    await sleep(100);
    // Stop both listeners in the same tick so they have seen the same entries.
    harness.runtimeMetrics.stop();
    observer.disconnect();
    const totals = histogramTotals(await harness.readers[0].metrics(), GC);
    expect(seen.length).toBeGreaterThan(10);
    expect(totals.count).toBe(seen.length);
    const expectedSum = seen.reduce((sum, millis) => sum + millis, 0) / 1000;
    expect(Math.abs(totals.sum - expectedSum)).toBeLessThan(1e-9 * Math.max(1, expectedSum));
    await harness.stop();
  });

  it('records a whole batch, mixed kinds included, with the duration in seconds', async () => {
    let deliver: ((entries: readonly GcEntry[]) => void) | undefined;
    const runtime = fakeRuntime({
      observeGc: (onEntries) => {
        deliver = onEntries;
        return () => (deliver = undefined);
      },
    });
    const harness = startHarness({ eventLoop: false, heap: false, process: false, resources: false }, runtime);
    deliver!([
      { kind: 1, duration: 1.5 },
      { kind: 2, duration: 2.5 },
      { kind: 4, duration: 30 },
      { kind: 8, duration: 0.5 },
      { kind: 16, duration: 0.25 },
    ]);
    const metrics = await harness.readers[0].metrics();
    expect(histogramTotals(metrics, GC, { 'v8js.gc.type': 'minor' })).toEqual({ count: 2, sum: 0.004 });
    expect(histogramTotals(metrics, GC, { 'v8js.gc.type': 'major' })).toEqual({ count: 1, sum: 0.03 });
    expect(histogramTotals(metrics, GC, { 'v8js.gc.type': 'incremental' }).count).toBe(1);
    expect(histogramTotals(metrics, GC, { 'v8js.gc.type': 'weakcb' }).count).toBe(1);
    harness.runtimeMetrics.stop();
    expect(deliver).toBeUndefined();
    await harness.stop();
  });

  it('uses the configured bucket boundaries', async () => {
    const harness = startHarness({ gcDurationBucketsSeconds: [0.001, 0.01], eventLoop: false });
    forceGc();
    await sleep(50);
    const metric = (await harness.readers[0].metrics()).get(GC)!;
    const point = metric.dataPoints[0].value as { buckets: { boundaries: number[] } };
    expect(point.buckets.boundaries).toEqual([0.001, 0.01]);
    await harness.stop();
  });

  it("maps a real young-generation mark-sweep (GCType 2) to 'minor' and loses none", async () => {
    const flag = Number(process.versions.node.split('.')[0]) >= 22 ? '--minor-ms' : '--minor-mc';
    const result = lastJson<{ kinds: Record<string, number>; minor: number; all: number }>(
      await runScenario(join(__dirname, '..', 'scenarios', 'minorMarkSweep.ts'), { nodeArgs: [flag] }),
    );
    const entries = Object.values(result.kinds).reduce((sum, count) => sum + count, 0);
    expect(result.kinds['2']).toBeGreaterThan(10);
    expect(result.all).toBe(entries);
    expect(result.minor).toBe(result.kinds['2'] + (result.kinds['1'] ?? 0));
  });
});
