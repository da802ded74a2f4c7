import type { RuntimeSources, TimerHandle } from '../runtime.js';
import { DelayWindow } from './DelayWindow.js';
import type { DelayStats } from './DelayHistogram.js';
import type { EventLoopSampler, EventLoopSamplerOptions } from './EventLoopSampler.js';
import { PendingSamples } from './PendingSamples.js';

/**
 * Period of the timer while the loop is quiet. Each JavaScript timer tick
 * costs an idle process 2-3x a tick of Node's native delay timer (the
 * wake-up, Node's timer list, the callback; 0.4-1.3 KB of garbage on Node 22
 * until the tick is optimised, which takes minutes at a few ticks a second).
 * While the loop turns rarely, a check-phase callback times every iteration
 * instead, so the timer only keeps the count: an idle process is woken about
 * once a second, as on the lines with Node's per-iteration sampler. (No
 * ramp from a shorter period: the callback, not the period, sees a stall,
 * and every re-arm at a new period allocates Node a new timer and list.)
 */
const QUIET_PERIOD_MILLIS = 1000;
/** Consecutive quiet ticks at the configured resolution before the timer slows down. */
const QUIET_TICKS_BEFORE_SLOWING = 5;
/**
 * While slowed, the iterations the loop may run beyond one per tick the
 * configured resolution would have fired: the slow tick's own and a stall's
 * (libuv turns once more after a long callback). Past that (V8's incremental
 * marking posts a task per step, hundreds in a row on an idle process; a
 * busy server), a callback per iteration costs more than the timer, which
 * returns to the configured resolution.
 */
const ITERATIONS_OF_ONE_STALL = 3;
/** Less active time than this in an iteration (or between two ticks) is the sampler's own and the loop's bookkeeping, not work. */
const QUIET_ACTIVE_MILLIS = 1;

type Sources = Required<Pick<RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer' | 'eventLoopIdleMillis'>> &
  Pick<RuntimeSources, 'loopCounters' | 'onCheckPhase'>;

/**
 * Samples event-loop delay with an unref'd timer, for runtimes without Node's
 * per-iteration histogram (Node 22).
 *
 * A sample is the stretch of busy time that held the timer back. Node's
 * histogram records the tick-to-tick interval, so an idle loop reads as the
 * resolution (~10 ms) and a 50 ms stall as up to 60 ms. Here the timer's
 * lateness says the loop was busy at least that long; the active time in
 * the interval (elapsed minus the loop's idle time) says at most that long. The
 * sample is the active time, capped at twice the lateness so that a loop
 * saturated by many short callbacks is not reported as one long stall.
 * An idle loop therefore reads as the few microseconds of our own tick, and
 * a stall as its length, whatever its phase against the timer. A tick held
 * back by idle time (a starved machine runs the process late) also counts
 * the ticks that idle time would have held, on time (0): the count follows
 * the loop's time, not the machine's punctuality.
 *
 * While the loop is quiet (no iteration but the timer's own, and under
 * 1 ms of active time, for `QUIET_TICKS_BEFORE_SLOWING` ticks, seen in
 * libuv's loop count) the timer slows to 1 s. A slow timer cannot see a stall between two of its ticks (it need
 * not be late at all, and an interval may hold many iterations), so while
 * slowed an unref'd check-phase callback (`onCheckPhase`, re-armed from
 * itself) times each loop iteration's busy time from the previous check
 * phase (elapsed minus the loop's idle time): it wakes nothing, holds
 * nothing, and runs only in iterations that happen anyway. Each iteration
 * of 1 ms or more of busy time is one sample of that time, exact whatever
 * else ran between the ticks; a tick measures the part of its own iteration
 * before it the same way. A slow tick counts as the ticks the configured
 * resolution would have fired in its interval: the iterations it measured as
 * work, then the longest quiet one, then the rest on time (0), so the
 * histogram holds the same samples per second in both modes and merges
 * across processes alike. The timer returns to the configured resolution
 * (and the callback stops) once the loop runs more iterations than that
 * timer would have ticks (`ITERATIONS_OF_ONE_STALL`). While slowed, a
 * collection first takes in the count up to now, so it never lags the clock.
 *
 * A tick or an iteration calls no SDK code: it reads a few numbers and writes
 * a few array cells. The samples reach the SDK's histogram at the next
 * collection (`drainSamples`).
 */
export class TimerDelaySampler implements EventLoopSampler {
  private readonly window: DelayWindow;
  private readonly pending = new PendingSamples();
  private timer: TimerHandle | undefined;
  private periodMillis: number;
  private quietTicks = 0;
  private lastAt = 0;
  private lastIdle = 0;
  /** libuv's iteration count at the last tick at the configured resolution. */
  private lastLoops = 0;
  /** While slowed: the cancel of the pending check-phase callback. */
  private cancelCheck: (() => void) | undefined;
  /** While slowed: where the iteration being measured began (the last check phase or tick). */
  private iterationAt = 0;
  private iterationIdle = 0;
  /** While slowed: check phases since the last slow tick (the tick's own iteration is one). */
  private iterations = 0;
  /** While slowed: iterations recorded as work, not yet counted against a slow tick's ticks. */
  private busyIterations = 0;
  /** While slowed: the longest quiet iteration since the last slow tick. */
  private longestQuietMillis = 0;

  constructor(
    private readonly runtime: Sources,
    private readonly options: EventLoopSamplerOptions,
  ) {
    this.window = new DelayWindow(options.windowMillis / options.slots, options.slots);
    this.periodMillis = options.resolutionMillis;
  }

  start(): void {
    if (this.timer) return;
    const at = this.runtime.now();
    const idle = this.runtime.eventLoopIdleMillis();
    this.lastAt = at;
    this.lastIdle = idle;
    this.quietTicks = 0;
    this.window.open({ at, idle });
    this.arm(this.options.resolutionMillis);
  }

  stop(): void {
    if (!this.timer) return;
    this.runtime.clearTimer(this.timer);
    this.timer = undefined;
    this.unwatchIterations();
  }

  windowStats(): DelayStats | undefined {
    this.catchUp();
    return this.window.stats(this.runtime.now());
  }

  windowUtilization(): number | undefined {
    return this.window.utilization({ at: this.runtime.now(), idle: this.runtime.eventLoopIdleMillis() });
  }

  drainSamples(record: (seconds: number) => void): void {
    this.catchUp();
    this.pending.drain(record);
  }

  /** libuv's iteration count, or -1 where the runtime has none (the timer then never slows). */
  private loopCount(): number {
    const counters = this.runtime.loopCounters;
    return counters ? counters().loopCount : -1;
  }

  private arm(periodMillis: number): void {
    if (this.timer) this.runtime.clearTimer(this.timer);
    this.periodMillis = periodMillis;
    this.timer = this.runtime.setRepeatingTimer(this.tick, periodMillis);
    if (!this.slowed) {
      this.unwatchIterations();
      this.lastLoops = this.loopCount();
    } else if (!this.cancelCheck) {
      this.iterationAt = this.lastAt;
      this.iterationIdle = this.lastIdle;
      this.iterations = 0;
      this.busyIterations = 0;
      this.longestQuietMillis = 0;
      this.watchIterations();
    }
  }

  private get slowed(): boolean {
    return this.periodMillis !== this.options.resolutionMillis;
  }

  private watchIterations(): void {
    const onCheckPhase = this.runtime.onCheckPhase;
    if (onCheckPhase) this.cancelCheck = onCheckPhase(this.checkPhase);
  }

  private unwatchIterations(): void {
    this.cancelCheck?.();
    this.cancelCheck = undefined;
  }

  /** More iterations since the last slow tick than the configured resolution would have fired ticks, plus a stall's. */
  private turning(iterations: number, at: number): boolean {
    return iterations > ITERATIONS_OF_ONE_STALL + (at - this.lastAt) / this.options.resolutionMillis;
  }

  private readonly checkPhase = (): void => {
    this.cancelCheck = undefined;
    if (!this.timer || !this.slowed) return;
    try {
      this.measureIteration();
      this.iterations++;
      // A busy loop: back to the configured resolution now, not at the next
      // slow tick up to a second later.
      if (this.turning(this.iterations, this.iterationAt)) {
        this.accountSlowed(true);
        return;
      }
    } catch {
      // Never surface in the host's check phase; the next iteration measures again.
    }
    this.watchIterations();
  };

  /**
   * The busy time since the iteration being measured began: one sample if it
   * is work. Called from the check phase, and by a slow tick for the part of
   * its own iteration before it.
   */
  private measureIteration(): void {
    const at = this.runtime.now();
    const idle = this.runtime.eventLoopIdleMillis();
    const active = Math.max(0, at - this.iterationAt - (idle - this.iterationIdle));
    this.iterationAt = at;
    this.iterationIdle = idle;
    if (active < QUIET_ACTIVE_MILLIS) {
      this.longestQuietMillis = Math.max(this.longestQuietMillis, active);
      return;
    }
    const micros = active * 1000;
    this.window.slotAt(at, idle).record(micros);
    this.pending.record(micros);
    this.busyIterations++;
  }

  /** While slowed, a collection takes in the count up to now: it would otherwise lag the clock by up to a second of samples. */
  private catchUp(): void {
    if (!this.timer || !this.slowed) return;
    try {
      this.accountSlowed(false);
    } catch {
      // The next tick accounts for it.
    }
  }

  private readonly tick = (): void => {
    try {
      if (this.slowed) this.accountSlowed(true);
      else this.account();
    } catch {
      // A sampler that throws would surface in the host's timers phase: the
      // interval keeps running, and the next tick tries again.
    }
  };

  /** A tick at the configured resolution: its lateness and the active time since the last one. */
  private account(): void {
    const at = this.runtime.now();
    const idle = this.runtime.eventLoopIdleMillis();
    // The interval timer's period starts when the previous tick fired.
    const interval = at - this.lastAt;
    const active = Math.max(0, interval - (idle - this.lastIdle));
    const loops = this.loopCount();
    const lateness = interval - this.periodMillis;
    const foreign = loops < 0 ? Infinity : loops - this.lastLoops - 1;
    const micros = (lateness > 0 ? Math.min(active, 2 * lateness) : 0) * 1000;
    const onTime = Math.max(0, Math.round((interval - active) / this.periodMillis) - 1);
    this.lastAt = at;
    this.lastIdle = idle;
    this.lastLoops = loops;
    const slot = this.window.slotAt(at, idle);
    slot.record(micros);
    this.pending.record(micros);
    if (onTime > 0) {
      slot.recordMany(0, onTime);
      this.pending.record(0, onTime);
    }
    if (foreign <= 0 && active < QUIET_ACTIVE_MILLIS) {
      this.quietTicks++;
    } else {
      this.quietTicks = 0;
    }
    const canSlow = this.runtime.onCheckPhase !== undefined && this.options.resolutionMillis < QUIET_PERIOD_MILLIS;
    if (this.quietTicks >= QUIET_TICKS_BEFORE_SLOWING && canSlow) this.arm(QUIET_PERIOD_MILLIS);
  }

  /** A slow tick (`fromTimer`) or a collection while slowed. */
  private accountSlowed(fromTimer: boolean): void {
    // A tick measures the part of its iteration before it (a stall in an
    // earlier timer of the same phase: the timer may return to the
    // configured resolution, and the check-phase callback with it). A
    // collection does not: that part (often the collection's own work) is
    // its iteration's, measured whole at its check phase, not split in two.
    if (fromTimer) this.measureIteration();
    const at = fromTimer ? this.iterationAt : this.runtime.now();
    const idle = fromTimer ? this.iterationIdle : this.runtime.eventLoopIdleMillis();
    const interval = at - this.lastAt;
    const resolution = this.options.resolutionMillis;
    // A read counts whole resolutions only (dropping the fraction since the
    // last tick, under one sample), so that two samplers, or a sampler and
    // the clock, agree on the count whenever read.
    const ticks = fromTimer ? Math.max(1, Math.round(interval / resolution)) : Math.floor(interval / resolution);
    if (ticks === 0) return;
    // Every iteration runs the check phase: its callback counted them (a
    // read of libuv's own count would allocate on every slow tick).
    const turning = this.turning(this.iterations, at);
    this.lastAt = at;
    this.lastIdle = idle;
    this.iterations = 0;
    // The iterations measured as work were recorded as they ended; the
    // ticks they do not account for are quiet: the longest quiet iteration
    // once, the rest on time.
    const quietTicks = ticks - this.busyIterations;
    this.busyIterations = Math.max(0, -quietTicks);
    if (quietTicks > 0) {
      const slot = this.window.slotAt(at, idle);
      slot.record(this.longestQuietMillis * 1000);
      this.pending.record(this.longestQuietMillis * 1000);
      if (quietTicks > 1) {
        slot.recordMany(0, quietTicks - 1);
        this.pending.record(0, quietTicks - 1);
      }
    }
    this.longestQuietMillis = 0;
    if (turning) {
      this.quietTicks = 0;
      this.arm(resolution);
    }
  }
}
