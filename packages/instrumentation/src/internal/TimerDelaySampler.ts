import type { RuntimeSources, TimerHandle } from '../runtime.js';
import { DelayWindow } from './DelayWindow.js';
import type { DelayStats } from './DelayHistogram.js';
import type { EventLoopSampler, EventLoopSamplerOptions } from './EventLoopSampler.js';
import { PendingSamples } from './PendingSamples.js';

/**
 * Periods of the timer while the loop is quiet. Each JavaScript timer tick
 * costs an idle process 2-3x a tick of Node's native delay timer (the
 * wake-up, Node's timer list, the callback; 0.4-1.3 KB of garbage on Node 22
 * until the tick is optimised, which takes minutes at a few ticks a second).
 * A loop where nothing but the timer ran since its last tick cannot have
 * stalled, so the period grows from the first to the last of these while
 * that stays true: an idle process is woken about once a second, as on the
 * lines with Node's per-iteration sampler.
 */
const FIRST_QUIET_PERIOD_MILLIS = 50;
const LAST_QUIET_PERIOD_MILLIS = 1000;
/** Consecutive quiet ticks at the configured resolution before the timer slows down. */
const QUIET_TICKS_BEFORE_SLOWING = 5;
/**
 * Loop iterations other than the tick's own, between two ticks, that still
 * let the active time be read as one stretch: a stall run by a timer of its
 * own takes one or two (libuv turns once more after a long callback).
 */
const FOREIGN_ITERATIONS_OF_ONE_STALL = 2;
/**
 * What an iteration beyond a stall's own is taken to cost at most: V8 posts
 * compile and GC tasks after a stall of hot code, a promise or a timer may
 * run (10-15 such iterations of ~1 ms were seen after one 50 ms stall). A
 * burst of longer iterations right after a quiet spell is therefore read as
 * one stall, once, before the timer is back at the configured resolution.
 */
const SHORT_ITERATION_MILLIS = 1;
/** Less active time than this between two ticks is the sampler's own and the loop's bookkeeping, not work. */
const QUIET_ACTIVE_MILLIS = 1;

type Sources = Required<Pick<RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer' | 'eventLoopIdleMillis'>> &
  Pick<RuntimeSources, 'loopCounters'>;

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
 * a stall as its length, whatever its phase against the timer.
 *
 * While the loop is quiet (no iteration but the timer's own, and under
 * 1 ms of active time, for `QUIET_TICKS_BEFORE_SLOWING` ticks, seen in
 * libuv's loop count) the timer slows to 50 ms, then doubles its period up
 * to 1 s (ten wake-ups from work to the 1 s period), never waiting longer
 * than the loop has been quiet, and returns to the configured
 * resolution as soon as a slow tick finds the loop turning more than a stall
 * would make it (V8's tasks, timers, I/O) or finds work. A slow tick that finds work
 * (1 ms or more of active time) knows how many iterations ran since the last
 * one: with at most a stall's worth, the whole active time is that stall,
 * whatever its phase (the timer need not be late at all); with more, it
 * cannot tell one stall among short iterations from several stalls, and
 * reads the lesser of the two (each further iteration taken off as a short
 * one, `SHORT_ITERATION_MILLIS`, or the active time shared between as many
 * stalls as the iterations allow), the capped estimate being the floor: it
 * under-reads such a stall rather than report one that did not happen.
 * Either way the timer returns to the configured resolution until the loop
 * is quiet again, so work that repeats is measured one stall per tick. A slow
 * tick counts as the ticks the configured resolution would have fired in its
 * interval: its estimate once and the rest on time (0), so the histogram holds
 * the same samples per second in both modes and merges across processes
 * alike. While slowed, a collection first takes in what happened since the
 * last tick, so neither a stall nor the count is read late.
 *
 * A tick calls no SDK code: it reads a few numbers and writes a few array
 * cells. The samples reach the SDK's histogram at the next collection
 * (`drainSamples`).
 */
export class TimerDelaySampler implements EventLoopSampler {
  private readonly window: DelayWindow;
  private readonly pending = new PendingSamples();
  private timer: TimerHandle | undefined;
  private periodMillis: number;
  private quietTicks = 0;
  private quietSince = 0;
  private lastAt = 0;
  private lastIdle = 0;
  private lastLoops = 0;

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
    this.lastLoops = this.loopCount();
    this.quietTicks = 0;
    this.quietSince = at;
    this.window.open({ at, idle });
    this.arm(this.options.resolutionMillis);
  }

  stop(): void {
    if (!this.timer) return;
    this.runtime.clearTimer(this.timer);
    this.timer = undefined;
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
  }

  private get slowed(): boolean {
    return this.periodMillis !== this.options.resolutionMillis;
  }

  /**
   * While slowed, a collection takes in what ran since the last tick: a
   * stall would otherwise reach the window up to a second late, and the
   * count would lag the clock by up to a second of samples.
   */
  private catchUp(): void {
    if (!this.timer || !this.slowed) return;
    try {
      this.account(false);
    } catch {
      // The next tick accounts for it.
    }
  }

  private readonly tick = (): void => {
    try {
      this.account(true);
    } catch {
      // A sampler that throws would surface in the host's timers phase: the
      // interval keeps running, and the next tick tries again.
    }
  };

  private account(fromTimer: boolean): void {
    const at = this.runtime.now();
    const idle = this.runtime.eventLoopIdleMillis();
    // The interval timer's period starts when the previous tick fired.
    const interval = at - this.lastAt;
    const active = Math.max(0, interval - (idle - this.lastIdle));
    const quiet = active < QUIET_ACTIVE_MILLIS;
    // A read takes in whole resolutions of quiet time too, so that two
    // samplers (or a sampler and the clock) agree on the count whenever read.
    if (!fromTimer && quiet && interval < this.options.resolutionMillis) return;
    const loops = this.loopCount();
    const lateness = interval - this.periodMillis;
    const foreign = loops < 0 ? Infinity : loops - this.lastLoops - 1;
    const capped = lateness > 0 ? Math.min(active, 2 * lateness) : 0;
    this.lastAt = at;
    this.lastIdle = idle;
    this.lastLoops = loops;
    const slot = this.window.slotAt(at, idle);
    const resolution = this.options.resolutionMillis;
    if (!this.slowed) {
      const micros = capped * 1000;
      slot.record(micros);
      this.pending.record(micros);
      if (foreign <= 0 && quiet) {
        this.quietTicks++;
      } else {
        this.quietTicks = 0;
        this.quietSince = at;
      }
      if (this.quietTicks >= QUIET_TICKS_BEFORE_SLOWING && resolution < FIRST_QUIET_PERIOD_MILLIS) {
        this.arm(FIRST_QUIET_PERIOD_MILLIS);
      }
      return;
    }
    // Iterations beyond a stall's own count as at most SHORT_ITERATION_MILLIS
    // each, or as further stalls sharing the active time: whichever reads less.
    const others = Math.max(0, foreign - FOREIGN_ITERATIONS_OF_ONE_STALL);
    const stalls = Math.max(1, Math.ceil(foreign / FOREIGN_ITERATIONS_OF_ONE_STALL));
    const estimate = Math.min(active - others * SHORT_ITERATION_MILLIS, active / stalls);
    const micros = (quiet ? active : Math.min(active, Math.max(capped, estimate))) * 1000;
    // A read drops the fraction of a resolution since the last tick (under one sample).
    const ticks = Math.max(1, fromTimer ? Math.round(interval / resolution) : Math.floor(interval / resolution));
    // Read as several stalls, each is one sample.
    const read = quiet || micros === active * 1000 ? 1 : Math.min(ticks, stalls);
    const onTime = ticks - read;
    slot.recordMany(micros, read);
    this.pending.record(micros, read);
    if (onTime > 0) {
      slot.recordMany(0, onTime);
      this.pending.record(0, onTime);
    }
    if (!quiet || others > 0) {
      // Work ran, or the loop is turning for something (V8's incremental
      // marking posts a task per step, hundreds in a row on an idle process):
      // measure at the configured resolution until it is quiet again.
      this.quietTicks = 0;
      this.quietSince = at;
      this.arm(resolution);
      return;
    }
    // Never wait longer than the loop has been quiet: work that repeats is
    // then seen one stall per tick, however far apart its stalls are.
    const next = Math.min(LAST_QUIET_PERIOD_MILLIS, 2 * this.periodMillis);
    if (fromTimer && next > this.periodMillis && at - this.quietSince >= next) this.arm(next);
  }
}
