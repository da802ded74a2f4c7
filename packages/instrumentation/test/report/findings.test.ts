// The report's grading and advice, for figures a test cannot induce on this
// machine (a container limit) and at the thresholds' exact edges.
import { judgeRuntime, THRESHOLDS, type RuntimeMeasurements } from '../../src/index';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function findingOf(measurements: RuntimeMeasurements, title: string) {
  const found = judgeRuntime(measurements).findings.find((entry) => entry.title === title);
  if (!found) throw new Error(`no finding titled ${title}`);
  return found;
}

describe('judgeRuntime', () => {
  it('flags a heap limit above the container limit (the OOM-kill trap) and gives the flag to start with', () => {
    const trap = findingOf({ periodSeconds: 10, heapLimitBytes: 4 * GIB, containerLimitBytes: 1 * GIB, heapUsedBytes: 100 * MIB, rssBytes: 300 * MIB }, 'heap limit / container limit');
    expect(trap.verdict).toBe('critical');
    expect(trap.check).toBe('containerMemory');
    // ~75 % of 1 GiB, in MiB as the flag takes it.
    expect(trap.recommendation).toContain('--max-old-space-size=768');
    const fine = findingOf({ periodSeconds: 10, heapLimitBytes: 512 * MIB, containerLimitBytes: 1 * GIB }, 'heap limit / container limit');
    expect(fine.verdict).toBe('ok');
    expect(fine.measured).toBe('heap limit 512.0 MiB, container limit 1.00 GiB (50 %)');
  });

  it('has no container finding to judge without a container limit, and says so', () => {
    const report = judgeRuntime({ periodSeconds: 10, heapLimitBytes: 4 * GIB, rssBytes: 300 * MIB });
    expect(report.findings.some((entry) => entry.title === 'heap limit / container limit')).toBe(false);
    expect(report.findings.find((entry) => entry.title === 'resident memory / container limit')).toMatchObject({ verdict: 'unknown' });
  });

  it.each([
    ['eventLoopDelay', { eventLoopDelayP99Seconds: THRESHOLDS.eventLoopDelay.warning }, 'warning'],
    ['eventLoopDelay', { eventLoopDelayP99Seconds: THRESHOLDS.eventLoopDelay.critical }, 'critical'],
    ['eventLoopDelay', { eventLoopDelayP99Seconds: THRESHOLDS.eventLoopDelay.warning * 0.99 }, 'ok'],
    ['eventLoopUtilization', { eventLoopUtilization: 0.96 }, 'critical'],
    ['heapUsed', { heapUsedBytes: 80, heapLimitBytes: 100 }, 'warning'],
    ['fileDescriptors', { openFileDescriptors: 950, fileDescriptorLimit: 1000 }, 'critical'],
    ['gcPause', { gc: { timeShare: 0.01, byKind: { major: { count: 3, seconds: 0.3, p99Seconds: 0.12 } } } }, 'warning'],
    ['activeHandlesGrowth', { activeHandles: 40 }, 'unknown'],
  ] as const)('%s graded from THRESHOLDS: %j -> %s', (check, figures, verdict) => {
    const found = judgeRuntime({ periodSeconds: 10, ...figures }).findings.find((entry) => entry.check === check);
    expect(found?.verdict).toBe(verdict);
  });

  it('tells scavenge pressure from major-GC pressure', () => {
    const minor = findingOf(
      { periodSeconds: 10, gc: { timeShare: 0.2, byKind: { minor: { count: 900, seconds: 1.8 }, major: { count: 2, seconds: 0.2 } } } },
      'share of time in GC pauses',
    );
    expect(minor.verdict).toBe('warning');
    expect(minor.recommendation).toContain('--max-semi-space-size');
    const major = findingOf(
      { periodSeconds: 10, gc: { timeShare: 0.3, byKind: { minor: { count: 10, seconds: 0.1 }, major: { count: 20, seconds: 2.9 } } } },
      'share of time in GC pauses',
    );
    expect(major.verdict).toBe('critical');
    expect(major.recommendation).not.toContain('--max-semi-space-size');
    expect(major.recommendation).toContain('--max-old-space-size');
  });

  it("grades workers with the main thread's thresholds, and says when they are not reported", () => {
    const report = judgeRuntime({ periodSeconds: 10, workers: { count: 3, busiestUtilization: 0.96, fullestHeapShare: 0.5 } });
    const workers = report.findings.filter((entry) => entry.area === 'workers');
    expect(workers.map((entry) => [entry.title, entry.verdict])).toEqual([
      ['worker threads', 'ok'],
      ['busiest worker event loop', 'critical'],
      ['fullest worker heap / its limit', 'ok'],
    ]);
    expect(report.verdict).toBe('critical');
    expect(judgeRuntime({ periodSeconds: 10 }).findings.filter((entry) => entry.area === 'workers')).toMatchObject([{ verdict: 'unknown', measured: 'not reported' }]);
  });

  it('is critical overall when one finding is, and ignores unknown ones', () => {
    expect(judgeRuntime({ periodSeconds: 10 }).verdict).toBe('ok');
    expect(judgeRuntime({ periodSeconds: 10, eventLoopDelayP99Seconds: 2 }).verdict).toBe('critical');
  });
});
