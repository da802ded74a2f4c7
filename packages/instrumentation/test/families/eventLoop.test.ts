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
 * moment it fires, as Node's setInterval does), and idle/active bookkeeping.
 */
function manualLoop() {
  let now = 0;
  let idle = 0;
  let timer: { callback: () => void; every: number; due: number } | undefined;
  const fire = () => {
    if (!timer) throw new Error('no timer');
    timer.due = now + timer.every;
    timer.callback();
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
  });
  return {
    runtime,
    get timerPending() {
      return timer !== undefined;
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
    'an idle process is woken at most once a second with every family on, on every Node line (Node\'s per-iteration histogram or its check-phase rebuild)',
    async () => {
      const result = lastJson<{ perIteration: boolean; wakeupsPerSecond: number }>(
        await runScenario(join(__dirname, '..', 'scenarios', 'idleWakeups.ts')),
      );
      expect(result.perIteration).toBe(samplesPerIteration());
      // No sampling timer on any line: the window's slot rotation (every 10 s)
      // is the only timer; a 10 ms sampler would read ~99.
      expect(result.wakeupsPerSecond).toBeLessThanOrEqual(1);
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
