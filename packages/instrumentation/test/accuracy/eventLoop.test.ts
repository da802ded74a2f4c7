// Timing accuracy on a real event loop. `npm test` runs the accuracy/ suites
// on their own, before the rest, so a busy machine running other suites in
// parallel cannot starve the measured process and pass its stall off as ours.
import { join } from 'node:path';
import { lastJson, runScenario } from '../helpers/childProcess';

interface Accuracy {
  blocks: number;
  /** The longest stall as timed by the stalling code itself, in seconds. */
  longestBlock: number;
  idle: { p50: number; p99: number; samples: number };
  blocked: { max: number; utilization: number; samplesAbove25ms: number; samplesAbove100ms: number };
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

  it('reports a 50 ms stall as its measured length (within 5 %), whatever its phase against the sampler', () => {
    expect(result.blocks).toBeGreaterThanOrEqual(10);
    expect(result.longestBlock).toBeGreaterThanOrEqual(0.05);
    // Node's own histogram reads such a stall as up to one resolution (10 ms)
    // longer; the peers measured +13 to +25 % in docs/benchmarks.md.
    expect(result.blocked.max).toBeGreaterThan(result.longestBlock * 0.95);
    expect(result.blocked.max).toBeLessThan(result.longestBlock * 1.05);
    // 15 stalls of 50 ms in the ~5 s the window has seen so far.
    expect(result.blocked.utilization).toBeGreaterThan(0.1);
    expect(result.blocked.utilization).toBeLessThan(0.3);
  });

  it('records every stall in the mergeable histogram, once', () => {
    expect(Math.abs(result.blocked.samplesAbove25ms - result.blocks)).toBeLessThanOrEqual(1);
    expect(result.blocked.samplesAbove100ms).toBe(0);
  });
});
