import type { RuntimeSources, TimerHandle } from '../runtime.js';
import { DelayHistogram, type DelayStats } from './DelayHistogram.js';

/** The loop's idle time at a moment: active time over a stretch is elapsed minus idle. */
interface Snapshot {
  at: number;
  idle: number;
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
 * the interval (elapsed minus the loop's idle time) says at most that long. The
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
  private lastAt = 0;
  private lastIdle = 0;
  private started: Snapshot | undefined;

  constructor(
    private readonly runtime: Required<Pick<RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer' | 'eventLoopIdleMillis'>>,
    private readonly options: EventLoopSamplerOptions,
  ) {
    this.slotMillis = options.windowMillis / options.slots;
    this.slots = Array.from({ length: options.slots }, () => new DelayHistogram());
    this.slotEpochs = new Array(options.slots).fill(-Infinity);
    this.slotStarts = new Array(options.slots).fill(undefined);
  }

  start(): void {
    if (this.timer) return;
    const started = this.snapshot();
    this.started = started;
    this.lastAt = started.at;
    this.lastIdle = started.idle;
    this.rotate(started.at, started.idle);
    this.timer = this.runtime.setRepeatingTimer(this.tick, this.options.resolutionMillis);
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

  /** Busy share over the window, from the oldest live slot's snapshot to now. */
  windowUtilization(): number | undefined {
    const now = this.snapshot();
    const current = this.epochAt(now.at);
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
    const total = now.at - from.at;
    if (!(total > 0)) return undefined;
    return Math.min(1, Math.max(0, (total - (now.idle - from.idle)) / total));
  }

  private snapshot(): Snapshot {
    return { at: this.runtime.now(), idle: this.runtime.eventLoopIdleMillis() };
  }

  private readonly tick = (): void => {
    try {
      const at = this.runtime.now();
      const idle = this.runtime.eventLoopIdleMillis();
      // The interval timer's period starts when the previous tick fired.
      const interval = at - this.lastAt;
      const lateness = interval - this.options.resolutionMillis;
      const active = Math.max(0, interval - (idle - this.lastIdle));
      const delayMillis = lateness > 0 ? Math.min(active, 2 * lateness) : 0;
      this.lastAt = at;
      this.lastIdle = idle;
      this.rotate(at, idle).record(delayMillis * 1000);
      this.options.onSample(delayMillis / 1000);
    } catch {
      // A sampler that throws would surface in the host's timers phase: the
      // interval keeps running, and the next tick tries again.
    }
  };

  private epochAt(now: number): number {
    return Math.floor(now / this.slotMillis);
  }

  /** Returns the slot for time `at`, clearing it first if it last held an older epoch. */
  private rotate(at: number, idle: number): DelayHistogram {
    const epoch = this.epochAt(at);
    const index = epoch % this.slots.length;
    if (this.slotEpochs[index] !== epoch) {
      this.slots[index].reset();
      this.slotEpochs[index] = epoch;
      this.slotStarts[index] = { at, idle };
    }
    return this.slots[index];
  }
}
