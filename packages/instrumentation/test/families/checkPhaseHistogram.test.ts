import { join } from 'node:path';
import { CheckPhaseClock, CheckPhaseHistogram } from '../../src/internal/CheckPhaseHistogram';
import { readBuckets } from '../../src/internal/IterationDelaySampler';
import { checkPhaseCallbacks, checkPhaseScheduler } from '../../src/runtime';
import { lastJson, runScenario } from '../helpers/childProcess';

/**
 * A loop driven by hand: `iteration(idle, busy)` blocks in poll for `idle`
 * ms, runs `busy` ms of callbacks, then runs the check phase (the pending
 * check-phase callback, if any).
 */
function drivenLoop() {
  let now = 0;
  let idle = 0;
  let pending: (() => void) | undefined;
  let arms = 0;
  let failIdleReads = false;
  let failNextSchedule = false;
  const sources = {
    now: () => now,
    eventLoopIdleMillis: () => {
      if (failIdleReads) throw new Error('idle time unavailable');
      return idle;
    },
    checkPhase: {
      schedule: (callback: () => void) => {
        if (failNextSchedule) {
          failNextSchedule = false;
          throw new Error('no immediates now');
        }
        arms++;
        pending = callback;
        return callback;
      },
      cancel: (handle: unknown) => {
        if (pending === handle) pending = undefined;
      },
    },
  };
  const clock = new CheckPhaseClock(sources);
  return {
    clock,
    histogram: new CheckPhaseHistogram(clock),
    get armed() {
      return pending !== undefined;
    },
    get arms() {
      return arms;
    },
    set failIdleReads(value: boolean) {
      failIdleReads = value;
    },
    /** The next arming throws, once. */
    failNextSchedule() {
      failNextSchedule = true;
    },
    iteration(idleMillis: number, busyMillis: number) {
      idle += idleMillis;
      now += idleMillis + busyMillis;
      const callback = pending;
      pending = undefined;
      callback?.();
    },
  };
}

describe('the check-phase histogram (per-iteration busy time where Node has no native one)', () => {
  it('records one sample per iteration: its busy time, never the time it waited for I/O', () => {
    const loop = drivenLoop();
    loop.histogram.enable();
    loop.iteration(5000, 0.2);
    loop.iteration(0, 50);
    loop.iteration(30_000, 1);
    expect(loop.histogram.count).toBe(3);
    expect(loop.histogram.percentile(100) / 1e6).toBeCloseTo(50, 6);
    // The smallest is exact too: 0.2 ms, not the 5 s the loop slept before it.
    expect(loop.histogram.percentile(1) / 1e6).toBeCloseTo(0.2, 6);
    expect(loop.histogram.percentile(50) / 1e6).toBeGreaterThan(0.96);
    expect(loop.histogram.percentile(50) / 1e6).toBeLessThan(1.04);
  });

  it('answers percentiles by rank, so a reader of a native histogram gets every sample in its own bucket with exact min and max', () => {
    const loop = drivenLoop();
    loop.histogram.enable();
    const busy = [0.05, 0.3, 0.31, 2, 2.02, 7, 49.5, 700];
    for (const millis of busy) loop.iteration(1, millis);
    const read: number[] = [];
    readBuckets(loop.histogram, loop.histogram.count, (micros, times) => {
      for (let i = 0; i < times; i++) read.push(micros);
    });
    expect(read).toHaveLength(busy.length);
    read.sort((a, b) => a - b);
    expect(read[0]).toBeCloseTo(50, 6);
    expect(read[read.length - 1]).toBeCloseTo(700_000, 3);
    busy.forEach((millis, i) => expect(Math.abs(read[i] - millis * 1000) / (millis * 1000)).toBeLessThan(0.07));
  });

  it('forgets its samples on reset, stops on disable, and is armed once however often it is enabled', () => {
    const loop = drivenLoop();
    loop.histogram.enable();
    loop.histogram.enable();
    expect(loop.arms).toBe(1);
    loop.iteration(0, 3);
    loop.histogram.reset();
    expect(loop.histogram.count).toBe(0);
    expect(loop.histogram.percentile(99)).toBe(0);
    loop.histogram.disable();
    expect(loop.armed).toBe(false);
    loop.iteration(0, 3);
    expect(loop.histogram.count).toBe(0);
  });

  it('shares one check-phase callback per iteration between histograms (the metrics and health): each gets every sample, and the last to stop disarms it', () => {
    const loop = drivenLoop();
    const health = new CheckPhaseHistogram(loop.clock);
    loop.histogram.enable();
    health.enable();
    expect(loop.arms).toBe(1);
    loop.iteration(2, 5);
    loop.iteration(0, 40);
    expect(loop.arms).toBe(3);
    expect(loop.histogram.count).toBe(2);
    expect(health.count).toBe(2);
    expect(health.percentile(100) / 1e6).toBeCloseTo(40, 6);
    loop.histogram.disable();
    expect(loop.armed).toBe(true);
    loop.iteration(0, 7);
    expect(loop.histogram.count).toBe(2);
    expect(health.count).toBe(3);
    health.disable();
    expect(loop.armed).toBe(false);
  });

  it('arms again when a histogram is enabled after a re-arm failed, and arms nothing once nobody listens', () => {
    const loop = drivenLoop();
    const metrics = loop.histogram;
    metrics.enable();
    loop.failNextSchedule();
    loop.iteration(0, 2);
    expect(metrics.count).toBe(1);
    expect(loop.armed).toBe(false);
    metrics.enable();
    loop.iteration(0, 3);
    expect(metrics.count).toBe(2);
    // A listener that stops everyone from inside its own sample leaves no immediate armed.
    const health = new CheckPhaseHistogram(loop.clock);
    health.enable();
    const stopAll = () => {
      metrics.disable();
      health.disable();
      loop.clock.unlisten(stopAll);
    };
    loop.clock.listen(stopAll);
    loop.iteration(0, 4);
    expect(loop.armed).toBe(false);
  });

  it('keeps measuring after a read of the loop fails, without throwing into the check phase', () => {
    const loop = drivenLoop();
    loop.histogram.enable();
    loop.failIdleReads = true;
    expect(() => loop.iteration(0, 3)).not.toThrow();
    expect(loop.armed).toBe(true);
    loop.failIdleReads = false;
    loop.iteration(0, 4);
    expect(loop.histogram.count).toBe(1);
  });

  it('refuses a stand-in setImmediate whose handle cannot be unref\'d, clearing what it scheduled, and stops recording without throwing', () => {
    const cleared: unknown[] = [];
    const onCheckPhase = checkPhaseCallbacks(
      checkPhaseScheduler(
        () => 'fake-timer-id',
        (handle) => cleared.push(handle),
      ),
    );
    expect(() => onCheckPhase(() => {})).toThrow(/without unref/);
    expect(cleared).toEqual(['fake-timer-id']);
    let now = 0;
    let calls = 0;
    const clock = new CheckPhaseClock({
      now: () => now,
      eventLoopIdleMillis: () => 0,
      // A stand-in that calls back at once: one call, no recursion into itself.
      checkPhase: {
        schedule: (callback) => {
          calls++;
          now += 1;
          callback();
          return 'handle';
        },
        cancel: () => {},
      },
    });
    const histogram = new CheckPhaseHistogram(clock);
    expect(() => histogram.enable()).not.toThrow();
    expect(calls).toBe(1);
    expect(histogram.count).toBe(0);
  });

  it('does not keep the async context it was enabled in: a request\'s AsyncLocalStorage store is collected once the request ends', async () => {
    const result = lastJson<{ retained: boolean; samples: number }>(
      await runScenario(join(__dirname, '..', 'scenarios', 'checkPhaseContext.ts'), { nodeArgs: ['--expose-gc'] }),
    );
    expect(result.samples).toBeGreaterThanOrEqual(15);
    expect(result.retained).toBe(false);
  });

  it('samples on Node\'s own immediates when fake immediates were installed before it loaded, handing the fakes nothing', async () => {
    const result = lastJson<{ handedToFakes: number; samples: number }>(
      await runScenario(join(__dirname, '..', 'scenarios', 'checkPhaseFakesBeforeLoad.ts')),
    );
    expect(result.handedToFakes).toBe(0);
    expect(result.samples).toBeGreaterThanOrEqual(15);
  });

  it(
    'keeps sampling on Node\'s own immediates while a test fakes setImmediate after the start: fake ticks return, and sampling goes on after',
    async () => {
      const result = lastJson<{ recordedWhileFaked: number; fakeTimersMillis: number; recordedAfterReset: number; idleCpuMillis: number; doneAt: number }>(
        await runScenario(join(__dirname, '..', 'scenarios', 'checkPhaseFakeTimers.ts')),
      );
      const exitedAt = Date.now();
      expect(result.fakeTimersMillis).toBeLessThan(1000);
      // Each of the 20 real iterations ran the check phase, faked or not.
      expect(result.recordedWhileFaked).toBeGreaterThanOrEqual(15);
      expect(result.recordedAfterReset).toBeGreaterThanOrEqual(15);
      // Half a second idle costs a few ms at most: no loop re-armed ref'd, spinning.
      expect(result.idleCpuMillis).toBeLessThan(100);
      expect(exitedAt - result.doneAt).toBeLessThan(5000);
    },
    30_000,
  );

  it(
    'on a real loop: reads a 50 ms stall as its length, wakes nothing while idle, and never keeps a finished process alive',
    async () => {
      const result = lastJson<{
        stalls: { stallMillis: number; maxMillis: number }[];
        idleSeconds: number;
        idleSamples: number;
        wakeupsPerSecond: number;
        doneAt: number;
      }>(await runScenario(join(__dirname, '..', 'scenarios', 'checkPhaseLoop.ts')));
      const exitedAt = Date.now();
      // Every stall is read whole (never less than its length); the closest reading is within 3 ms of it (the
      // others may carry a preemption of this thread in the rest of the stalled iteration).
      expect(result.stalls).toHaveLength(3);
      for (const { stallMillis, maxMillis } of result.stalls) expect(maxMillis).toBeGreaterThanOrEqual(stallMillis - 0.1);
      expect(Math.min(...result.stalls.map(({ stallMillis, maxMillis }) => maxMillis - stallMillis))).toBeLessThanOrEqual(3);
      // Idle seconds: no sampling timer, so the sleep's own wake-up and at most a stray task V8 posts.
      expect(result.wakeupsPerSecond).toBeLessThanOrEqual(1);
      expect(result.idleSamples).toBeLessThanOrEqual(result.idleSeconds);
      // The histogram is still enabled when the scenario's work ends; a
      // callback that held the loop would keep it running until the 30 s kill.
      expect(exitedAt - result.doneAt).toBeLessThan(5000);
    },
    30_000,
  );
});
