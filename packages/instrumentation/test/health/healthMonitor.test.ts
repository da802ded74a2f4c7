import { getHeapStatistics, type HeapInfo } from 'node:v8';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { HealthMonitor } from '../../src/health/HealthMonitor';
import type { HealthTransition } from '../../src/health/HealthTransition';
import { CHECK_NAMES } from '../../src/health/thresholds';
import type { RuntimeSources, TimerHandle } from '../../src/runtime';
import { DiagCapture, TestReader, valueOf } from '../helpers/collect';
import { fakeRuntime } from '../helpers/fakeRuntime';

const MIB = 1024 * 1024;
const OLD_LIMIT = 64 * MIB;
const YOUNG_RESERVE = 192 * MIB;
const YOUNG_USED = 10 * MIB;

/** Node's sources with the heap share, clock, memory and handle count under the test's control, and a timer it fires by hand. */
function controlledRuntime() {
  const real = getHeapStatistics();
  const state = { heapShare: 0.5, now: 0, handles: 10, memoryLimit: 0, availableMemory: 0 };
  const timers: Array<{ callback: () => void; everyMillis: number; cleared: boolean }> = [];
  const runtime: RuntimeSources = fakeRuntime({
    now: () => state.now,
    setRepeatingTimer: (callback, everyMillis) => {
      const timer = { callback, everyMillis, cleared: false };
      timers.push(timer);
      return timer as TimerHandle;
    },
    clearTimer: (handle) => {
      (handle as (typeof timers)[number]).cleared = true;
    },
    // A loop idle 90 % of the (fake) time, so only the check under test moves.
    eventLoopUtilization: () => ({ idle: state.now * 0.9, active: state.now * 0.1 }),
    // Node 24 with --max-old-space-size=64: the heap limit adds a 192 MiB young reserve, and the old generation
    // is what runs out, so its share is what the check reads (a whole-heap share would stay under 30 %).
    configuredOldGeneration: () => OLD_LIMIT,
    heapStatistics: (): HeapInfo => ({ ...real, heap_size_limit: OLD_LIMIT + YOUNG_RESERVE, used_heap_size: state.heapShare * OLD_LIMIT + YOUNG_USED }),
    heapSpaceStatistics: () => [
      { space_name: 'new_space', space_size: YOUNG_USED, space_used_size: YOUNG_USED, space_available_size: 0, physical_space_size: YOUNG_USED },
      { space_name: 'old_space', space_size: OLD_LIMIT, space_used_size: state.heapShare * OLD_LIMIT, space_available_size: 0, physical_space_size: OLD_LIMIT },
    ],
    activeResources: () => new Array<string>(state.handles).fill('TCPSocketWrap'),
    constrainedMemory: () => state.memoryLimit,
    availableMemory: () => state.availableMemory,
  });
  const live = () => timers.filter((timer) => !timer.cleared);
  /** One evaluation, `millis` after the last. */
  const tick = (millis = 5_000) => {
    state.now += millis;
    for (const timer of live()) timer.callback();
  };
  return { runtime, state, live, tick };
}

function setUp(options: ConstructorParameters<typeof HealthMonitor>[0] = {}) {
  const control = controlledRuntime();
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const logger = new DiagCapture();
  const monitor = new HealthMonitor({ meterProvider: provider, ...options }, control.runtime, logger);
  const transitions: HealthTransition[] = [];
  monitor.onTransition((transition) => transitions.push(transition));
  const series = async (check: string) => valueOf(await reader.metrics(), 'nodevitals.health.status', { 'nodevitals.health.check': check });
  return { ...control, monitor, logger, transitions, series };
}

describe('HealthMonitor', () => {
  it('announces each transition once: one warn line naming check, value and threshold, one call of every listener', async () => {
    const { monitor, state, tick, logger, transitions, series } = setUp();
    monitor.start();
    expect(monitor.status).toBe('ok');
    expect(logger.matching(/health:/)).toEqual([]);

    state.heapShare = 0.85;
    tick();
    tick();
    tick();
    expect(logger.matching(/health:/)).toEqual([
      expect.stringMatching(/health: heapUsed is warning: V8 old generation used \/ its limit 85 %, warning threshold 80 %$/),
    ]);
    expect(await series('heapUsed')).toBe(1);

    state.heapShare = 0.95;
    tick();
    expect(monitor.status).toBe('critical');
    // A heap near its limit is what a restart fixes: liveness fails too.
    expect(monitor.report('liveness').status).toBe('critical');
    expect(await series('heapUsed')).toBe(2);

    state.heapShare = 0.4;
    tick();
    tick();
    expect(monitor.status).toBe('ok');
    expect(await series('heapUsed')).toBe(0);
    const lines = logger.matching(/health:/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/heapUsed is critical: V8 old generation used \/ its limit 95 %, critical threshold 90 %$/);
    expect(lines[2]).toMatch(/heapUsed recovered from critical: V8 old generation used \/ its limit 40 %, below the warning threshold 80 %$/);
    expect(transitions.map(({ check, from, to, value, threshold }) => ({ check, from, to, value, threshold }))).toEqual([
      { check: 'heapUsed', from: 'ok', to: 'warning', value: expect.closeTo(0.85, 6), threshold: 0.8 },
      { check: 'heapUsed', from: 'warning', to: 'critical', value: expect.closeTo(0.95, 6), threshold: 0.9 },
      { check: 'heapUsed', from: 'critical', to: 'ok', value: expect.closeTo(0.4, 6), threshold: 0.8 },
    ]);
    monitor.stop();
  });

  it('a value hovering at a threshold does not flap: a level is left only 5 % below its threshold', () => {
    const { monitor, state, tick, logger } = setUp();
    monitor.start();
    for (const share of [0.91, 0.88, 0.9, 0.86, 0.91, 0.87]) {
      state.heapShare = share;
      tick();
    }
    // Into critical once: every value after it stays above 0.9 x 0.95 = 0.855.
    expect(logger.matching(/health: heapUsed/)).toHaveLength(1);
    state.heapShare = 0.85;
    tick();
    expect(monitor.report().checks.heapUsed.status).toBe('warning');
    state.heapShare = 0.78;
    tick();
    expect(monitor.report().checks.heapUsed.status).toBe('warning');
    state.heapShare = 0.75;
    tick();
    expect(monitor.report().checks.heapUsed.status).toBe('ok');
    expect(logger.matching(/health: heapUsed/)).toEqual([
      expect.stringMatching(/is critical/),
      expect.stringMatching(/eased from critical to warning: V8 old generation used \/ its limit 85 %, warning threshold 80 %$/),
      expect.stringMatching(/recovered from warning: V8 old generation used \/ its limit 75 %/),
    ]);
    monitor.stop();
  });

  it('a listener that throws is reported and the next one still runs; an unsubscribed one is not called', () => {
    const { monitor, state, tick, logger } = setUp();
    const calls: string[] = [];
    monitor.onTransition(() => {
      throw new Error('shedder broke');
    });
    const unsubscribe = monitor.onTransition(() => calls.push('gone'));
    monitor.onTransition((transition) => calls.push(transition.to));
    unsubscribe();
    monitor.start();
    state.heapShare = 0.99;
    expect(() => tick()).not.toThrow();
    expect(calls).toEqual(['critical']);
    expect(logger.matching(/a transition listener threw/)).toHaveLength(1);
    monitor.stop();
  });

  it('thresholds come from the options; status is the worst check; liveness ignores a critical check a restart does not fix', () => {
    const { monitor, state, tick } = setUp({ heapUsedWarning: 0.3, heapUsedCritical: 0.6, eventLoopUtilizationCritical: 0.96 });
    monitor.start();
    state.heapShare = 0.35;
    tick();
    expect(monitor.report().checks.heapUsed).toMatchObject({ status: 'warning', warning: 0.3, critical: 0.6 });
    expect(monitor.report().checks.eventLoopUtilization.critical).toBe(0.96);
    expect(monitor.status).toBe('warning');
    monitor.stop();
  });

  it('container memory is judged only under a real limit (0 and 2^64 mean none)', () => {
    for (const limit of [0, 2 ** 64]) {
      const { monitor, state } = setUp();
      state.memoryLimit = limit;
      monitor.start();
      expect(monitor.report().checks.containerMemory).toMatchObject({ status: 'ok', value: null, note: expect.stringMatching(/no container memory limit/) });
      monitor.stop();
    }
    const { monitor, state } = setUp();
    state.memoryLimit = 1_000_000;
    state.availableMemory = 50_000;
    monitor.start();
    expect(monitor.report().checks.containerMemory).toMatchObject({ status: 'critical', value: 0.95 });
    expect(monitor.report('liveness').status).toBe('critical');
    monitor.stop();
  });

  it('handle growth: no value for 90 minutes, then the 30-minute floor vs the one an hour earlier, with the alert\'s minimum increase', () => {
    const { monitor, state, tick } = setUp({ intervalMillis: 60_000, windowMillis: 60_000 });
    state.handles = 200;
    monitor.start();
    for (let minute = 1; minute < 60; minute++) tick(60_000);
    expect(monitor.report().checks.activeHandlesGrowth.value).toBeNull();
    // 2.5 times the floor, but only 300 more handles: the alert's critical also asks for more than 1000.
    state.handles = 500;
    for (let minute = 60; minute < 95; minute++) tick(60_000);
    expect(monitor.report().checks.activeHandlesGrowth).toMatchObject({ status: 'warning', value: 2.5 });
    monitor.stop();
  });

  it('start and stop are idempotent; stop clears the timer', async () => {
    const { monitor, live, series } = setUp();
    monitor.start();
    monitor.start();
    expect(live()).toHaveLength(1);
    expect(await series('heapUsed')).toBe(0);
    monitor.stop();
    monitor.stop();
    expect(live()).toHaveLength(0);
    monitor.start();
    expect(live()).toHaveLength(1);
    monitor.stop();
  });

  it('a runtime without utilization, GC entries or a delay histogram reports those checks as null, never as a busy loop', () => {
    const control = controlledRuntime();
    const monitor = new HealthMonitor(
      {},
      { ...control.runtime, eventLoopUtilization: undefined, observeGc: undefined, iterationHistogram: undefined, timerDelayHistogram: undefined },
      new DiagCapture(),
    );
    monitor.start();
    control.tick();
    control.tick();
    const { checks, status } = monitor.report();
    for (const check of ['eventLoopUtilization', 'gcTimeShare', 'gcPause', 'eventLoopDelay'] as const) {
      expect({ check, status: checks[check].status, value: checks[check].value, note: typeof checks[check].note }).toEqual({ check, status: 'ok', value: null, note: 'string' });
    }
    expect(status).toBe('ok');
    monitor.stop();
  });

  it('every check is reported, with its unit and window', () => {
    const { monitor } = setUp();
    monitor.start();
    const report = monitor.report();
    expect(Object.keys(report.checks)).toEqual([...CHECK_NAMES]);
    expect(report.checks.eventLoopDelay).toMatchObject({ unit: 's', windowMillis: 10_000, warning: 0.1, critical: 0.5 });
    expect(report.checks.heapUsed.windowMillis).toBeUndefined();
    monitor.stop();
  });
});

describe('HealthMonitor options', () => {
  it.each([
    [{ windowMillis: 500 }, 'windowMillis must be an integer from 1000 to 600000, got 500'],
    [{ intervalMillis: 0 }, 'intervalMillis must be an integer from 1000 to 60000, got 0'],
    [{ intervalMillis: 20_000, windowMillis: 10_000 }, 'intervalMillis must be at most windowMillis (10000), got 20000'],
    [{ heapUsedCritical: -1 }, 'heapUsedCritical must be a finite number > 0, got -1'],
    [{ eventLoopDelayWarning: Number.NaN }, 'eventLoopDelayWarning must be a finite number > 0, got NaN'],
    [{ eventLoopDelayWarning: 0.6 }, 'eventLoopDelayWarning must be below eventLoopDelayCritical (0.5), got 0.6'],
    [{ gcPauseWarning: '0.1' }, 'gcPauseWarning must be a finite number > 0, got "0.1"'],
  ])('%p throws RangeError: %s', (options, message) => {
    expect(() => new HealthMonitor(options as never)).toThrow(new RangeError(message));
  });

  it('an unknown field is a TypeError naming it', () => {
    expect(() => new HealthMonitor({ heapWarning: 0.5 } as never)).toThrow(/unknown option heapWarning/);
  });
});
