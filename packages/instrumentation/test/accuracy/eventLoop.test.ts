// Timing accuracy on a real event loop. `npm test` runs the accuracy/ suites
// on their own, before the rest, so a busy machine running other suites in
// parallel cannot starve the measured process and pass its stall off as ours.
import { join } from 'node:path';
import { lastJson, runScenario } from '../helpers/childProcess';

interface Accuracy {
  blocks: number;
  /** The longest stall as timed by the stalling code itself, in seconds. */
  longestBlock: number;
  /** The longest gap between two fires of a 1 ms interval running throughout, in seconds. */
  longestGap: number;
  /** The same, over gaps that held a stall: the stall plus the rest of its loop iteration. */
  longestStallGap: number;
  /** How often that interval waited 25 ms or more: every stall, and any other iteration as long (cold code, a busy machine). */
  gapsAbove25ms: number;
  gapsAbove100ms: number;
  idle: { p50: number; p99: number; samples: number };
  blocked: {
    max: number;
    utilization: number;
    samples: number;
    distributionMax: number;
    samplesAbove25ms: number;
    samplesAbove100ms: number;
  };
  /** Seconds from start to the last collection. */
  seconds: number;
}

describe('event-loop delay on a real loop (fresh process)', () => {
  let result: Accuracy;
  beforeAll(async () => {
    result = lastJson<Accuracy>(await runScenario(join(__dirname, '..', 'scenarios', 'eventLoopAccuracy.ts')));
  }, 30_000);

  it('reports an idle loop as idle: p50 under 1 ms, not the ~10 ms sampling resolution', () => {
    expect(result.idle.samples).toBeGreaterThan(50);
    expect(result.idle.p50).toBeGreaterThanOrEqual(0);
    expect(result.idle.p50).toBeLessThan(0.001);
  });

  it('reports a 50 ms stall as its length (within 3 ms of an independent timing), whatever its phase against the sampler', () => {
    expect(result.blocks).toBeGreaterThanOrEqual(10);
    expect(result.longestBlock).toBeGreaterThanOrEqual(0.05);
    // Node's timer-based histogram reads such a stall as up to one resolution
    // (10 ms) longer; the peers measured +13 to +25 % in docs/benchmarks.md.
    // The reference is what a 1 ms interval waited: the stall plus the rest
    // of its loop iteration, which is what a user's timers actually waited.
    // Every stall is counted whole, and nothing longer than any wait a timer
    // saw is reported; on a quiet machine the two are the same wait, and the
    // reported max is within 3 ms of it. (A machine this busy also
    // deschedules the process: a wait that a timer sees while the loop sits
    // idle is no stall, and the timer sampler rightly leaves it out.)
    expect(result.longestStallGap).toBeGreaterThanOrEqual(result.longestBlock);
    expect(result.blocked.max).toBeGreaterThanOrEqual(result.longestStallGap - 0.003);
    expect(result.blocked.max).toBeLessThanOrEqual(result.longestGap + 0.003);
    // 15 stalls of 50 ms in the ~5 s the window has seen so far.
    expect(result.blocked.utilization).toBeGreaterThan(0.1);
    expect(result.blocked.utilization).toBeLessThan(0.3);
  });

  it('records a proportional sample of a busy loop in the mergeable histogram, its longest iteration as it is', () => {
    // Nothing is counted as long that the loop's timers did not wait for as
    // long (a busy machine adds such waits; both samplers see at most those).
    expect(result.blocked.samplesAbove25ms).toBeLessThanOrEqual(result.gapsAbove25ms + 1);
    // A 50 ms stall is never counted as a longer one (a busy machine can stretch an iteration past 100 ms: the interval sees it too).
    expect(result.blocked.samplesAbove100ms).toBeLessThanOrEqual(result.gapsAbove100ms);
    // Every line samples per iteration (natively or from the check phase).
    // The 1 ms interval turns the loop ~1000 times a second: the SDK gets at
    // most ~100 samples a second, the longest one as it is.
    expect(result.blocked.samplesAbove25ms).toBeGreaterThanOrEqual(1);
    expect(result.blocked.samples).toBeLessThanOrEqual(100 * result.seconds + 2 * 449);
    expect(result.blocked.distributionMax).toBeCloseTo(result.blocked.max, 6);
  });
});
