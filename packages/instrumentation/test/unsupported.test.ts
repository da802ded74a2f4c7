import { METRICS, type FamilyName } from '../src/catalog';
import { DiagCapture, startHarness } from './helpers/collect';
import { fakeRuntime, notImplemented } from './helpers/fakeRuntime';

function familiesIn(names: Iterable<string>): Set<FamilyName> {
  const byName = new Map(Object.values(METRICS).map((metric) => [metric.name, metric.family]));
  return new Set([...names].map((name) => byName.get(name)!));
}

describe('a runtime without an API skips that family, says so once, and the rest reports', () => {
  let diag: DiagCapture;
  beforeEach(() => (diag = new DiagCapture().install()));
  afterEach(() => diag.uninstall());

  it('Bun-like: the event-loop API exists but throws ERR_NOT_IMPLEMENTED', async () => {
    const runtime = fakeRuntime({
      eventLoopUtilization: () => {
        throw notImplemented('performance.eventLoopUtilization');
      },
    });
    const harness = startHarness({}, runtime);
    const metrics = await harness.readers[0].metrics();
    expect(familiesIn(metrics.keys())).toEqual(new Set(['heap', 'resources', 'process']));
    expect(harness.runtimeMetrics.activeFamilies).toEqual(['heap', 'gc', 'resources', 'process']);
    const messages = diag.matching(/eventLoop metrics skipped/);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/performance\.eventLoopUtilization.*ERR_NOT_IMPLEMENTED/);
    await harness.stop();
  });

  it('old Node: no process.getActiveResourcesInfo', async () => {
    const harness = startHarness({}, fakeRuntime({ activeResources: undefined }));
    const metrics = await harness.readers[0].metrics();
    expect(metrics.has(METRICS.resourcesActive.name)).toBe(false);
    expect(familiesIn(metrics.keys())).toEqual(new Set(['heap', 'eventLoop', 'process']));
    expect(diag.matching(/resources metrics skipped: process\.getActiveResourcesInfo is not available/)).toHaveLength(1);
    await harness.stop();
  });

  it('no /proc: the descriptor metrics are left out, the process family stays', async () => {
    const runtime = fakeRuntime({ fileDescriptorCounter: undefined, fileDescriptorLimit: undefined });
    const harness = startHarness({ heap: false, gc: false, eventLoop: false, resources: false }, runtime);
    const metrics = await harness.readers[0].metrics();
    expect(metrics.has(METRICS.fileDescriptors.name)).toBe(false);
    expect(metrics.has(METRICS.cpuTime.name)).toBe(true);
    await harness.stop();
  });
});
