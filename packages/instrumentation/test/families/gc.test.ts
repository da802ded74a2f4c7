import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString, type HeapSpaceInfo } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { METRICS } from '../../src/catalog';
import { gcTypeOf } from '../../src/families/gc';
import type { GcEntry } from '../../src/runtime';
import { lastJson, runScenario } from '../helpers/childProcess';
import { DiagCapture, histogramTotals, sleep, startHarness, valueOf } from '../helpers/collect';
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
    // Until a few dozen collections happened: how many rounds that takes
    // depends on the line's young generation (Node 26 ran 10 in 40 rounds).
    for (let round = 0; round < 400 && (round < 40 || seen.length < 30); round++) {
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
    // The entry arrives in a later task: on a loaded machine that can be well past 50 ms, so wait for it, bounded.
    let metric = (await harness.readers[0].metrics()).get(GC);
    for (const until = Date.now() + 10_000; !metric && Date.now() < until; metric = (await harness.readers[0].metrics()).get(GC)) {
      await sleep(20);
    }
    expect(metric).toBeDefined();
    const point = metric!.dataPoints[0].value as { buckets: { boundaries: number[] } };
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

describe('live heap after the last major GC, and its time', () => {
  const gcOnly = { eventLoop: false, heap: false, process: false, resources: false };
  const space = (space_name: string, space_used_size: number) =>
    ({ space_name, space_used_size, space_size: 0, space_available_size: 0, physical_space_size: 0 }) as HeapSpaceInfo;
  const LIVE = METRICS.heapLive.name;
  const LAST = METRICS.lastMajorGc.name;

  function controlledGc(spaces: () => HeapSpaceInfo[] | undefined) {
    let deliver: ((entries: readonly GcEntry[]) => void) | undefined;
    const runtime = fakeRuntime({
      observeGc: (onEntries) => {
        deliver = onEntries;
        return () => (deliver = undefined);
      },
      heapSpaceStatistics: spaces() && (() => spaces()!),
    });
    return { runtime, deliver: (entries: GcEntry[]) => deliver!(entries) };
  }

  it('reports nothing before the first major GC, then the old generation as it was when the major entry arrived', async () => {
    let spaces = [space('old_space', 50e6), space('new_space', 7e6), space('code_space', 3e6), space('new_large_object_space', 1e6)];
    const gc = controlledGc(() => spaces);
    const harness = startHarness(gcOnly, gc.runtime);
    const read = async () => {
      const metrics = await harness.readers[0].metrics();
      return { live: valueOf(metrics, LIVE), last: valueOf(metrics, LAST) };
    };
    try {
      gc.deliver([{ kind: 1, duration: 1, endedAtMillis: 1_700_000_000_000 }]);
      expect(await read()).toEqual({ live: undefined, last: undefined });
      gc.deliver([{ kind: 4, duration: 40, endedAtMillis: 1_700_000_001_500 }, { kind: 1, duration: 1, endedAtMillis: 1_700_000_001_600 }]);
      // The young generation (new_space, new_large_object_space) is left out.
      expect(await read()).toEqual({ live: 53e6, last: 1_700_000_001.5 });
      spaces = [space('old_space', 80e6), space('new_space', 7e6), space('code_space', 3e6)];
      gc.deliver([{ kind: 1, duration: 1, endedAtMillis: 1_700_000_002_000 }]);
      expect(await read()).toEqual({ live: 53e6, last: 1_700_000_001.5 }); // a scavenge is no new floor
      gc.deliver([{ kind: 4, duration: 40, endedAtMillis: 1_700_000_003_000 }]);
      expect(await read()).toEqual({ live: 83e6, last: 1_700_000_003 });
    } finally {
      await harness.stop();
    }
  });

  it('without heap space statistics the live heap is skipped with one diag line; the time of the last major GC stays', async () => {
    const diag = new DiagCapture().install();
    const gc = controlledGc(() => undefined);
    const harness = startHarness(gcOnly, gc.runtime);
    try {
      gc.deliver([{ kind: 4, duration: 40, endedAtMillis: 1_700_000_001_000 }]);
      const metrics = await harness.readers[0].metrics();
      expect(metrics.has(LIVE)).toBe(false);
      expect(valueOf(metrics, LAST)).toBe(1_700_000_001);
      expect(diag.matching(/v8js\.memory\.heap\.live skipped/)).toHaveLength(1);
    } finally {
      diag.uninstall();
      await harness.stop();
    }
  });

  // A real process, real major GCs (forced after each round so each round gives one reading).
  const scenario = (mode: 'leak' | 'churn') =>
    runScenario(join(__dirname, '..', 'scenarios', 'liveHeapFloor.ts'), { args: [mode], nodeArgs: ['--expose-gc'] }).then((result) =>
      lastJson<{ floors: number[]; gcTimes: { before: number; after: number; reported: number }[] }>(result),
    );

  it('a leak (50,000 small objects kept per round) shows a floor that rises every round by about what was kept', async () => {
    const { floors } = await scenario('leak');
    expect(floors).toHaveLength(8);
    for (let i = 1; i < floors.length; i++) expect(floors[i]).toBeGreaterThan(floors[i - 1]);
    // Each kept object is at least 40 bytes (map, properties, elements, two fields) plus its string.
    const rise = floors[floors.length - 1] - floors[0];
    expect(rise).toBeGreaterThan(7 * 50_000 * 40);
    expect(rise).toBeLessThan(7 * 50_000 * 250);
  }, 60_000);

  it('the same churn without a leak keeps the floor flat (within 2 MB over 8 rounds), young allocations right after a GC included', async () => {
    const { floors } = await scenario('churn');
    expect(floors).toHaveLength(8);
    expect(floors.every((floor) => floor > 0)).toBe(true);
    expect(Math.max(...floors) - Math.min(...floors)).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);

  it('the time of the last major GC is when the forced GC ran (wall clock, within 5 ms)', async () => {
    const { gcTimes } = await scenario('churn');
    for (const { before, after, reported } of gcTimes) {
      expect(reported).toBeGreaterThanOrEqual(before - 5);
      expect(reported).toBeLessThanOrEqual(after + 5);
    }
  }, 60_000);
});
