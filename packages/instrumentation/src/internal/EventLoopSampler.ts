import type { RuntimeSources, TimerHandle } from '../runtime.js';
import { DelayHistogram, type DelayStats } from './DelayHistogram.js';

interface Snapshot {
  idle: number;
  active: number;
}

export interface EventLoopSamplerOptions {
  resolutionMillis: number;
  windowMillis: number;
  slots: number;
  /** Called with every sample, in seconds (feeds the mergeable histogram). */
  onSample(seconds: number): void;
}

/**
 * Samples event-loop delay with an unref'd timer and keeps a sliding window
 * of statistics on its own clock, so a collection only reads: two readers
 * collecting at any moments both see the same complete window.
 *
 * A sample is the stretch of busy time that held the timer back. Node's
 * histogram records the tick-to-tick interval, so an idle loop reads as the
 * resolution (~10 ms) and a 50 ms stall as up to 60 ms. Here the timer's
 * lateness says the loop was busy at least that long; the active time in
 * the interval (from event-loop utilization) says at most that long. The
 * sample is the active time, capped at twice the lateness so that a loop
 * saturated by many short callbacks is not reported as one long stall.
 * An idle loop therefore reads as the few microseconds of our own tick, and
 * a stall as its length, whatever its phase against the timer.
 */
export class EventLoopSampler {
  private readonly slots: DelayHistogram[];
  private readonly slotEpochs: number[];
  private readonly slotStarts: (Snapshot | undefined)[];
  private readonly slotMillis: number;
  private readonly merged = new DelayHistogram();
  private timer: TimerHandle | undefined;
  private scheduledAt = 0;
  private idleAtSchedule = 0;
  private started: Snapshot | undefined;

  constructor(
    private readonly runtime: Required<Pick<RuntimeSources, 'now' | 'setTimer' | 'clearTimer' | 'eventLoopUtilization'>>,
    private readonly options: EventLoopSamplerOptions,
  ) {
    this.slotMillis = options.windowMillis / options.slots;
    this.slots = Array.from({ length: options.slots }, () => new DelayHistogram());
    this.slotEpochs = new Array(options.slots).fill(-Infinity);
    this.slotStarts = new Array(options.slots).fill(undefined);
  }

  start(): void {
    if (this.timer) return;
    this.started = this.utilization();
    this.rotate(this.runtime.now(), this.started);
    this.schedule(this.started.idle);
  }

  stop(): void {
    if (!this.timer) return;
    this.runtime.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Delay statistics over the window, in microseconds; undefined before the first sample. */
  windowStats(): DelayStats | undefined {
    const current = this.epochAt(this.runtime.now());
    const merged = this.merged;
    merged.reset();
    for (let i = 0; i < this.slots.length; i++) {
      if (current - this.slotEpochs[i] < this.slots.length) merged.add(this.slots[i]);
    }
    return merged.stats();
  }

  /** Busy share over the window, from the oldest live slot's snapshot to `now`. */
  windowUtilization(now: Snapshot): number | undefined {
    const current = this.epochAt(this.runtime.now());
    let oldest: Snapshot | undefined;
    let oldestEpoch = Infinity;
    for (let i = 0; i < this.slots.length; i++) {
      const epoch = this.slotEpochs[i];
      if (current - epoch < this.slots.length && epoch < oldestEpoch && this.slotStarts[i]) {
        oldest = this.slotStarts[i];
        oldestEpoch = epoch;
      }
    }
    const from = oldest ?? this.started;
    if (!from) return undefined;
    const active = now.active - from.active;
    const total = active + (now.idle - from.idle);
    if (!(total > 0)) return undefined;
    return Math.min(1, Math.max(0, active / total));
  }

  private utilization(): Snapshot {
    const { idle, active } = this.runtime.eventLoopUtilization();
    return { idle, active };
  }

  private schedule(idleNow: number): void {
    this.scheduledAt = this.runtime.now();
    this.idleAtSchedule = idleNow;
    // Re-arming the timer that just fired, where the runtime's timers can,
    // spares a new timer object on every tick (100 a second by default).
    const timer = this.timer;
    if (timer?.refresh) timer.refresh();
    else this.timer = this.runtime.setTimer(this.tick, this.options.resolutionMillis);
  }

  private readonly tick = (): void => {
    if (!this.timer) return;
    try {
      const now = this.runtime.now();
      const snapshot = this.utilization();
      const interval = now - this.scheduledAt;
      const lateness = interval - this.options.resolutionMillis;
      const active = Math.max(0, interval - (snapshot.idle - this.idleAtSchedule));
      const delayMillis = lateness > 0 ? Math.min(active, 2 * lateness) : 0;
      const slot = this.rotate(now, snapshot);
      slot.record(delayMillis * 1000);
      this.options.onSample(delayMillis / 1000);
      this.schedule(snapshot.idle);
    } catch {
      // A sampler that throws would surface in the host's timers phase: keep
      // sampling, and let the next tick try again.
      if (this.timer) this.schedule(this.idleAtSchedule);
    }
  };

  private epochAt(now: number): number {
    return Math.floor(now / this.slotMillis);
  }

  /** Returns the slot for `now`, clearing it first if it last held an older epoch. */
  private rotate(now: number, snapshot: Snapshot): DelayHistogram {
    const epoch = this.epochAt(now);
    const index = epoch % this.slots.length;
    if (this.slotEpochs[index] !== epoch) {
      this.slots[index].reset();
      this.slotEpochs[index] = epoch;
      this.slotStarts[index] = snapshot;
    }
    return this.slots[index];
  }
}
