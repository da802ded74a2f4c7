import { METRICS } from '../../src/catalog';
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
