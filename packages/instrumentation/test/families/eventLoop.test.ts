import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../../src/catalog';
import { PendingSamples } from '../../src/internal/PendingSamples';
import { samplesPerIteration } from '../../src/runtime';
import { lastJson, runScenario } from '../helpers/childProcess';
import { TimerDelaySampler } from '../../src/internal/TimerDelaySampler';
import { startHarness, valueOf } from '../helpers/collect';
import { fakeRuntime } from '../helpers/fakeRuntime';

/**
 * A loop we drive by hand: a clock, one repeating timer (re-armed from the
 * moment it fires, as Node's setInterval does), idle/active bookkeeping, a
 * check phase at the end of every iteration's work and, when `counting`,
 * libuv's iteration count (one per timer fire, plus what a stall says ran
 * besides). Without it the sampler never slows its timer.
 */
function manualLoop({ counting = false } = {}) {
  let now = 0;
  let idle = 0;
  let loopCount = 0;
  let timer: { callback: () => void; every: number; due: number } | undefined;
  let checks: Array<() => void> = [];
  /** The check phase: callbacks armed from it run in the next iteration's. */
  const check = () => {
    const due = checks;
    checks = [];
    for (const callback of due) callback();
  };
  const fire = () => {
    if (!timer) throw new Error('no timer');
    loopCount++;
    check();
    timer.due = now + timer.every;
    timer.callback();
  };
  /** The end of an iteration that is not the timer's: its check phase, then its timers phase, where the timer may be due. */
  const endIteration = () => {
    loopCount++;
    check();
    if (timer && timer.due <= now) {
      timer.due = now + timer.every;
      timer.callback();
    }
  };
  const runtime = fakeRuntime({
    now: () => now,
    setRepeatingTimer: (callback, every) => {
      timer = { callback, every, due: now + every };
      return {};
    },
    clearTimer: () => {
      timer = undefined;
    },
    eventLoopUtilization: () => ({ idle, active: now - idle }),
    eventLoopIdleMillis: () => idle,
    loopCounters: counting ? () => ({ loopCount, events: 0, eventsWaiting: 0 }) : undefined,
    onCheckPhase: (callback) => {
      checks.push(callback);
      return () => (checks = checks.filter((pending) => pending !== callback));
    },
  });
  return {
    runtime,
    get timerPending() {
      return timer !== undefined;
    },
    get periodMillis() {
      return timer?.every;
    },
    get checksPending() {
      return checks.length;
    },
    get now() {
      return now;
    },
    /** The loop idles `millis` without the timer firing (a collection may come in between ticks). */
    idleFor(millis: number) {
      idle += millis;
      now += millis;
    },
    /** The loop runs busy for `millis`, inside an iteration (no check phase yet). */
    busyFor(millis: number) {
      now += millis;
    },
    /** The loop idles until the timer is due, then fires it. */
    idleTick() {
      if (!timer) throw new Error('no timer');
      idle += timer.due - now;
      now = timer.due;
      fire();
    },
    /** The loop idles `beforeMillis`, then runs busy for `millis`, then fires the timer. */
    stall(millis: number, beforeMillis = 0) {
      idle += beforeMillis;
      now += beforeMillis + millis;
      fire();
    },
    /**
     * The loop idles `beforeMillis`, runs busy for `millis` over `iterations`
     * iterations of its own, then idles until the timer is due (if it is not
     * yet) and fires it.
     */
    work(millis: number, beforeMillis: number, iterations: number) {
      if (!timer) throw new Error('no timer');
      idle += beforeMillis;
      now += beforeMillis;
      for (let i = 0; i < iterations; i++) {
        now += millis / iterations;
        endIteration();
      }
      if (iterations === 0) now += millis;
      if (now < timer.due) {
        idle += timer.due - now;
        now = timer.due;
      }
      fire();
    },
    /** One iteration that is not the timer's: the loop idles `beforeMillis`, then runs busy for `millis`. */
    iterate(millis: number, beforeMillis = 0) {
      idle += beforeMillis;
      now += beforeMillis + millis;
      endIteration();
    },
  };
}

describe('event-loop sampler window (driven clock)', () => {
  const options = { resolutionMillis: 10, windowMillis: 6000, slots: 6 };

  it('measures a stall by its length at any phase: before, across and after the due time', () => {
    for (const before of [0, 3, 7, 9.9]) {
      const loop = manualLoop();
      const sampler = new TimerDelaySampler(loop.runtime as Required<typeof loop.runtime>, options);
      sampler.start();
      loop.idleTick();
      loop.stall(50, before);
      expect(sampler.windowStats()?.max).toBeCloseTo(50_000, -1);
      sampler.stop();
    }
  });

  it('forgets a stall once it is older than the window, and keeps one inside it', () => {
    const loop = manualLoop();
    const sampler = new TimerDelaySampler(loop.runtime as Required<typeof loop.runtime>, options);
    sampler.start();
    loop.stall(200);
    for (let i = 0; i < 300; i++) loop.idleTick(); // 3 s later: still inside a 6 s window
    expect(sampler.windowStats()!.max).toBeCloseTo(200_000, -1);
    for (let i = 0; i < 400; i++) loop.idleTick(); // 7 s later: outside it
    expect(sampler.windowStats()!.max).toBeLessThan(1000);
    sampler.stop();
    expect(loop.timerPending).toBe(false);
  });

  it('counts one sample per resolution of idle time, however late a starved machine runs the timer; a stall is one', () => {
    const loop = manualLoop();
    const sampler = new TimerDelaySampler(loop.runtime as Required<typeof loop.runtime>, options);
    sampler.start();
    for (let i = 0; i < 100; i++) loop.stall(0, 20); // each tick 10 ms late, the loop idle throughout
    expect(sampler.windowStats()!.count).toBe(200);
    expect(sampler.windowStats()!.max).toBe(0);
    loop.stall(50, 0);
    expect(sampler.windowStats()!.count).toBe(201);
    expect(sampler.windowStats()!.max).toBeCloseTo(50_000, -1);
    sampler.stop();
  });

  it('reports utilization over the window from the loop idle/active time', () => {
    const loop = manualLoop();
    const sampler = new TimerDelaySampler(loop.runtime as Required<typeof loop.runtime>, options);
    sampler.start();
    for (let i = 0; i < 100; i++) {
      loop.stall(10, 10); // half busy, half idle
    }
    expect(sampler.windowUtilization()).toBeCloseTo(0.5, 2);
    sampler.stop();
  });
});

describe('timer sampler on a quiet loop (driven clock, libuv loop count)', () => {
  const options = { resolutionMillis: 10, windowMillis: 60_000, slots: 6 };
  const start = () => {
    const loop = manualLoop({ counting: true });
    const sampler = new TimerDelaySampler(loop.runtime as Required<typeof loop.runtime>, options);
    sampler.start();
    return { loop, sampler };
  };
  const settle = (loop: ReturnType<typeof manualLoop>) => {
    for (let i = 0; i < 20 && loop.periodMillis !== 1000; i++) loop.idleTick();
  };

  it('returns to the configured resolution when the loop turns for something else, though it does no work', () => {
    const { loop, sampler } = start();
    settle(loop);
    // V8's incremental marking: a task per step, each a short iteration.
    loop.work(0.5, 300, 40);
    expect(loop.periodMillis).toBe(10);
    expect(sampler.windowStats()!.max).toBeLessThan(1000);
    sampler.stop();
  });

  it('wakes once a second when nothing else runs, and still holds one sample per 10 ms of time, all idle', () => {
    const { loop, sampler } = start();
    settle(loop);
    expect(loop.periodMillis).toBe(1000);
    const settledAt = loop.now;
    for (let i = 0; i < 30; i++) loop.idleTick();
    expect(loop.now - settledAt).toBe(30_000);
    const stats = sampler.windowStats()!;
    // 50 ms of 10 ms ticks, then slow ticks of 1 s, counted as the 10 ms ticks they stand for.
    expect(stats.count).toBeGreaterThanOrEqual(Math.round(loop.now / 10) - 2);
    expect(stats.count).toBeLessThanOrEqual(Math.round(loop.now / 10) + 2);
    expect(stats.p50).toBe(0);
    expect(stats.max).toBeLessThan(1000);
    // A collection between two slow ticks reads the count up to date.
    loop.idleFor(500);
    expect(sampler.windowStats()!.count - stats.count).toBe(50);
    sampler.stop();
  });

  it('measures a stall by its length at any phase while slowed, even one that ends before the timer is due, and stays slowed', () => {
    for (const before of [0, 300, 940, 990]) {
      const { loop, sampler } = start();
      settle(loop);
      loop.work(50, before, 1);
      expect(sampler.windowStats()!.max).toBeCloseTo(50_000, -1);
      // One stall is not a busy loop: the timer stays slow, the check-phase callback armed.
      expect(loop.periodMillis).toBe(1000);
      expect(loop.checksPending).toBe(1);
      const drained: number[] = [];
      sampler.drainSamples((seconds) => drained.push(seconds));
      expect(drained.filter((seconds) => seconds > 0.025)).toEqual([0.05]);
      sampler.stop();
    }
  });

  it('goes back to the configured resolution within a few iterations when the loop turns for something, and reads a stall among them', () => {
    const { loop, sampler } = start();
    settle(loop);
    expect(loop.checksPending).toBe(1);
    // V8's incremental marking: hundreds of short iterations, a stall among them.
    for (let i = 0; i < 4; i++) loop.iterate(0.05, 1);
    // The timer is back at the configured resolution, the check-phase callback gone.
    expect(loop.periodMillis).toBe(10);
    expect(loop.checksPending).toBe(0);
    for (let i = 0; i < 300; i++) loop.iterate(0.05, 1);
    loop.iterate(50, 5);
    for (let i = 0; i < 300; i++) loop.iterate(0.05, 1);
    loop.idleTick();
    // The stall and the few short iterations since the tick before it.
    expect(Math.abs(sampler.windowStats()!.max - 50_000)).toBeLessThan(1000);
    const drained: number[] = [];
    sampler.drainSamples((seconds) => drained.push(seconds));
    expect(drained.filter((seconds) => seconds > 0.001)).toHaveLength(1);
    sampler.stop();
  });

  it('reads stalls that repeat while slowed one sample each, at their length', () => {
    const { loop, sampler } = start();
    settle(loop);
    for (let i = 0; i < 5; i++) loop.iterate(50, 100);
    loop.idleTick();
    const drained: number[] = [];
    sampler.drainSamples((seconds) => drained.push(seconds));
    expect(drained.filter((seconds) => seconds > 0.001)).toEqual([0.05, 0.05, 0.05, 0.05, 0.05]);
    expect(loop.periodMillis).toBe(1000);
    sampler.stop();
    expect(loop.checksPending).toBe(0);
  });

  it('reads the iteration a collection runs in whole, at its check phase: not split by the collection, counted once', () => {
    const { loop, sampler } = start();
    settle(loop);
    loop.idleFor(300);
    loop.busyFor(20); // a stall, then the collection in the same iteration
    expect(sampler.windowStats()!.max).toBeLessThan(1000);
    loop.busyFor(30);
    expect(sampler.windowStats()!.max).toBeLessThan(1000);
    loop.iterate(0);
    expect(sampler.windowStats()!.max).toBeCloseTo(50_000, -1);
    loop.idleTick();
    const drained: number[] = [];
    sampler.drainSamples((seconds) => drained.push(seconds));
    expect(drained.filter((seconds) => seconds > 0.001)).toEqual([0.05]);
    sampler.stop();
  });

  it('reads a burst of short iterations after a quiet spell as short, and goes back to the configured resolution', () => {
    const { loop, sampler } = start();
    settle(loop);
    // 100 ms of callbacks of up to 1 ms over 100 iterations: not one stall of 100 ms.
    loop.work(100, 100, 100);
    expect(loop.periodMillis).toBe(10);
    expect(sampler.windowStats()!.max).toBeLessThan(10_000);
    // From here on the 10 ms timer measures as before.
    loop.idleTick();
    loop.stall(50, 3);
    expect(sampler.windowStats()!.max).toBeCloseTo(50_000, -1);
    sampler.stop();
    expect(loop.timerPending).toBe(false);
  });
});

describe('event-loop family on a real provider', () => {
  it('always reports the delay gauges, even for collections 0 ms apart', async () => {
    const harness = startHarness({ heap: false, gc: false, process: false, resources: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await harness.readers[0].metrics();
    const second = await harness.readers[0].metrics();
    for (const metrics of [first, second]) {
      for (const metric of Object.values(METRICS).filter((entry) => entry.name.startsWith('nodejs.eventloop.delay.'))) {
        expect(metrics.has(metric.name)).toBe(true);
      }
    }
    expect(valueOf(second, METRICS.eventLoopDelayMax.name)).toBe(valueOf(first, METRICS.eventLoopDelayMax.name));
    await harness.stop();
  });

  it('counts active and idle time as counters that only grow', async () => {
    const harness = startHarness({ heap: false, gc: false, process: false, resources: false });
    const reader = harness.readers[0];
    const before = await reader.metrics();
    const start = performance.now();
    while (performance.now() - start < 30);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = await reader.metrics();
    const time = METRICS.eventLoopTime.name;
    const active = (m: typeof before) => valueOf(m, time, { 'nodejs.eventloop.state': 'active' })!;
    const idle = (m: typeof before) => valueOf(m, time, { 'nodejs.eventloop.state': 'idle' })!;
    expect(active(after) - active(before)).toBeGreaterThanOrEqual(0.029);
    expect(idle(after)).toBeGreaterThanOrEqual(idle(before));
    await harness.stop();
  });
});

describe('which sampler runs where', () => {
  it.each([
    ['22.23.3', false],
    ['24.20.0', false],
    ['24.21.0', true],
    ['25.9.0', false],
    ['26.4.1', false],
    ['26.5.0', true],
    ['26.10.0', true],
    ['27.0.0', true],
  ])('Node %s samples per iteration: %s', (version, expected) => {
    expect(samplesPerIteration(version)).toBe(expected);
  });

  const linux = existsSync('/proc/self/status');
  (linux ? it : it.skip)(
    'an idle process is woken at most about once a second with every family on, whichever sampler runs',
    async () => {
      const result = lastJson<{ perIteration: boolean; wakeupsPerSecond: number }>(
        await runScenario(join(__dirname, '..', 'scenarios', 'idleWakeups.ts')),
      );
      expect(result.perIteration).toBe(samplesPerIteration());
      if (result.perIteration) expect(result.wakeupsPerSecond).toBeLessThanOrEqual(1);
      // The timer sampler slows from 10 ms to 1 s once only its own ticks
      // run (five 10 ms ticks after the collection woke the loop, then 1 s):
      // about one a second over these 3 s, where the 10 ms timer woke it ~100 times.
      else expect(result.wakeupsPerSecond).toBeLessThanOrEqual(3);
    },
    30_000,
  );
});

describe('samples waiting for the SDK histogram', () => {
  it('reach it with their exact count, sum, min and max, each value inside its own ~4 % bucket', () => {
    const pending = new PendingSamples();
    const values = [3, 7.5, 7.6, 120, 121, 119.5, 50_000, 50_100, 1e6];
    for (const micros of values) pending.record(micros);
    pending.record(120.5, 3);
    const recorded: number[] = [];
    pending.drain((seconds) => recorded.push(seconds * 1e6));
    const all = [...values, 120.5, 120.5, 120.5];
    expect(recorded).toHaveLength(all.length);
    expect(recorded.reduce((a, b) => a + b, 0)).toBeCloseTo(all.reduce((a, b) => a + b, 0), 6);
    expect(Math.min(...recorded)).toBe(3);
    expect(Math.max(...recorded)).toBe(1e6);
    const sorted = [...recorded].sort((a, b) => a - b);
    [...all].sort((a, b) => a - b).forEach((micros, i) => expect(Math.abs(sorted[i] - micros) / micros).toBeLessThan(0.07));
    const again: number[] = [];
    pending.drain((seconds) => again.push(seconds));
    expect(again).toHaveLength(0);
  });
});

describe('a busy loop read per iteration', () => {
  it('hands the SDK a bounded, proportional sample: every bucket scaled alike, min and max exact', () => {
    const pending = new PendingSamples();
    pending.record(20, 50_000); // short iterations
    pending.record(300, 5_000);
    pending.record(120_000, 1); // one 120 ms stall
    pending.record(5);
    const recorded: number[] = [];
    pending.drain((seconds) => recorded.push(seconds * 1e6), 1000);
    expect(recorded.length).toBeGreaterThan(900);
    expect(recorded.length).toBeLessThan(1100);
    const near = (value: number) => recorded.filter((micros) => Math.abs(micros - value) / value < 0.05).length;
    expect(near(120_000)).toBe(1);
    expect(near(20) / near(300)).toBeCloseTo(10, 0);
    expect(Math.min(...recorded)).toBe(5);
    expect(Math.max(...recorded)).toBe(120_000);
  });

  it('carries what thinning leaves over, so a rare bucket keeps its share across collections', () => {
    const pending = new PendingSamples();
    const recorded: number[] = [];
    for (let drain = 0; drain < 50; drain++) {
      pending.record(20, 10_000);
      pending.record(5000, 10); // 1 in 1000
      pending.record(100_000);
      pending.drain((seconds) => recorded.push(seconds * 1e6), 100);
    }
    const rare = recorded.filter((micros) => Math.abs(micros - 5000) < 200).length;
    // 500 of 500,550 samples, thinned to ~100 a drain: ~5 over 50 drains.
    expect(rare).toBeGreaterThanOrEqual(4);
    expect(rare).toBeLessThanOrEqual(6);
    expect(recorded.length).toBeLessThanOrEqual(50 * 102);
  });
});
