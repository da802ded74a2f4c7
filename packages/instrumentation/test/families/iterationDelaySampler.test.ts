import { IterationDelaySampler } from '../../src/internal/IterationDelaySampler';
import type { IterationHistogram } from '../../src/runtime';

/** A native per-iteration histogram stand-in: exact values, percentiles by rank as HdrHistogram computes them. */
class FakeIterationHistogram implements IterationHistogram {
  values: number[] = []; // nanoseconds
  enabled = false;
  enable() {
    this.enabled = true;
  }
  disable() {
    this.enabled = false;
  }
  reset() {
    this.values = [];
  }
  get count() {
    return this.values.length;
  }
  percentile(percentile: number): number {
    const sorted = [...this.values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.round((percentile / 100) * sorted.length));
    return sorted[rank - 1];
  }
  iteration(micros: number) {
    if (this.enabled) this.values.push(micros * 1000);
  }
}

function drivenRuntime() {
  let now = 0;
  const histogram = new FakeIterationHistogram();
  let rotation: (() => void) | undefined;
  let checkPhase: (() => void) | undefined;
  const runtime = {
    now: () => now,
    eventLoopIdleMillis: () => 0,
    setRepeatingTimer: (callback: () => void) => {
      rotation = callback;
      return {};
    },
    clearTimer: () => {
      rotation = undefined;
    },
    iterationHistogram: () => histogram,
    onCheckPhase: (callback: () => void) => {
      checkPhase = callback;
      return () => (checkPhase = undefined);
    },
  };
  return {
    runtime,
    histogram,
    get timerArmed() {
      return rotation !== undefined;
    },
    /** The check phase of the first iteration after start(). */
    firstCheck() {
      checkPhase?.();
    },
    /** Moves the clock on, firing the rotation timer at every slot boundary it passes. */
    advance(millis: number, slotMillis: number) {
      const target = now + millis;
      while (now + slotMillis - (now % slotMillis) <= target) {
        now += slotMillis - (now % slotMillis);
        rotation?.();
      }
      now = target;
    },
  };
}

const OPTIONS = { resolutionMillis: 10, windowMillis: 60_000, slots: 6 };

describe('per-iteration sampler (driven native histogram)', () => {
  it('reads every iteration into the window: count and max exact, quantiles within a ~4 % bucket', () => {
    const loop = drivenRuntime();
    const sampler = new IterationDelaySampler(loop.runtime, OPTIONS);
    sampler.start();
    loop.firstCheck();
    const values: number[] = [];
    for (let i = 0; i < 900; i++) values.push(10 + (i % 90));
    for (let i = 0; i < 99; i++) values.push(1000 + i * 40);
    values.push(50_000);
    for (const micros of values) loop.histogram.iteration(micros);
    const stats = sampler.windowStats()!;
    const sorted = [...values].sort((a, b) => a - b);
    expect(stats.count).toBe(1000);
    expect(stats.max).toBe(50_000);
    expect(stats.min).toBe(10);
    expect(Math.abs(stats.p50 - sorted[499]) / sorted[499]).toBeLessThan(0.05);
    expect(Math.abs(stats.p99 - sorted[989]) / sorted[989]).toBeLessThan(0.05);
    // The native histogram was emptied into the window: a second read neither loses nor doubles anything.
    expect(loop.histogram.count).toBe(0);
    expect(sampler.windowStats()!.count).toBe(1000);
    sampler.stop();
  });

  it('drops the first sample after start(), which spans from start() to the end of the first iteration', () => {
    const loop = drivenRuntime();
    const sampler = new IterationDelaySampler(loop.runtime, OPTIONS);
    sampler.start();
    loop.histogram.iteration(2_002_000); // the first idle wait, read as busy
    loop.firstCheck();
    loop.histogram.iteration(120);
    expect(sampler.windowStats()!.max).toBe(120);
    sampler.stop();
  });

  it('rotates on its own clock with one timer per slot: a stall stays for the window, then leaves it without any collection', () => {
    const loop = drivenRuntime();
    const sampler = new IterationDelaySampler(loop.runtime, OPTIONS);
    sampler.start();
    loop.firstCheck();
    loop.histogram.iteration(200_000);
    loop.advance(30_000, 10_000);
    loop.histogram.iteration(50);
    expect(sampler.windowStats()!.max).toBe(200_000);
    loop.advance(40_000, 10_000); // 70 s after the stall
    loop.histogram.iteration(60);
    expect(sampler.windowStats()!.max).toBe(60);
    sampler.stop();
    expect(loop.timerArmed).toBe(false);
    expect(loop.histogram.enabled).toBe(false);
  });
});
