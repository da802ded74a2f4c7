import type { CheckPhaseScheduler, IterationHistogram } from '../runtime.js';
import { BUCKETS, DelayHistogram, middleOf } from './DelayHistogram.js';

/** What the histogram reads: the clock, the loop's idle time, and what schedules its check-phase callback. */
export interface CheckPhaseSources {
  now(): number;
  eventLoopIdleMillis(): number;
  checkPhase: CheckPhaseScheduler;
}

/**
 * One unref'd immediate, re-armed from itself, that runs once in the check
 * phase of every loop iteration and measures that iteration's busy time: the
 * time since the previous check phase minus the time the loop spent blocked
 * for I/O in between (libuv's idle time), i.e. the iteration's timers, I/O
 * callbacks, immediates and close callbacks. It hands the figure to every
 * histogram listening, so the metrics and health on one process pay for one
 * callback per iteration, not one each. It wakes nothing and holds nothing
 * (an unref'd immediate does not keep libuv's poll from blocking): an idle
 * loop costs nothing, a busy one one callback and one immediate per
 * iteration. Armed while anyone listens; the chain starts detached from the
 * async context of whoever starts it.
 */
export class CheckPhaseClock {
  private readonly listeners: ((busyMillis: number) => void)[] = [];
  private armed = false;
  private pending: unknown;
  /** Set while re-arming: a stand-in setImmediate that calls back at once must not recurse. */
  private arming = false;
  private lastAt = 0;
  private lastIdle = 0;

  constructor(private readonly sources: CheckPhaseSources) {}

  /** Starts handing `listener` every iteration's busy time (ms); arms the clock if it was not. Throws if it cannot arm. */
  listen(listener: (busyMillis: number) => void): void {
    const known = this.listeners.includes(listener);
    if (known && this.armed) return;
    if (!this.armed) {
      this.lastAt = this.sources.now();
      this.lastIdle = this.sources.eventLoopIdleMillis();
      // Detached: the chain started here must not carry the caller's async
      // context (a request's store) for the process's life.
      this.arm(true);
    }
    if (!known) this.listeners.push(listener);
  }

  /** Stops handing `listener` samples; disarms the clock when nobody listens. */
  unlisten(listener: (busyMillis: number) => void): void {
    const index = this.listeners.indexOf(listener);
    if (index === -1) return;
    this.listeners.splice(index, 1);
    if (this.listeners.length > 0 || !this.armed) return;
    const pending = this.pending;
    this.armed = false;
    this.pending = undefined;
    this.sources.checkPhase.cancel(pending);
  }

  private readonly check = (): void => {
    this.armed = false;
    this.pending = undefined;
    if (this.arming) return;
    try {
      const at = this.sources.now();
      const idle = this.sources.eventLoopIdleMillis();
      const busy = Math.max(0, at - this.lastAt - (idle - this.lastIdle));
      this.lastAt = at;
      this.lastIdle = idle;
      const { listeners } = this;
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i](busy);
        } catch {
          // One listener's failure is not the others'.
        }
      }
    } catch {
      // Never into the host's check phase; the next iteration measures again.
    }
    // Everyone may have stopped listening from inside a listener.
    if (this.listeners.length === 0 || this.armed) return;
    try {
      this.arm(false);
    } catch {
      // Nothing to re-arm with: the histograms stop recording, the host goes on.
    }
  };

  /** Schedules `check` for the next check phase; a stand-in that calls it at once finds `arming` set. */
  private arm(detached: boolean): void {
    const { checkPhase } = this.sources;
    this.arming = true;
    try {
      this.pending =
        detached && checkPhase.scheduleDetached ? checkPhase.scheduleDetached(this.check) : checkPhase.schedule(this.check);
      this.armed = true;
    } finally {
      this.arming = false;
    }
  }
}

/**
 * Node's per-iteration histogram (`monitorEventLoopDelay({ samplePerIteration:
 * true })`) rebuilt in JavaScript, for the lines that lack it (22, 20): one
 * sample per loop iteration, that iteration's busy time, from a shared
 * `CheckPhaseClock`.
 *
 * Samples land in the same log-linear buckets the window uses (~4 % wide;
 * exact count, minimum and maximum), and `percentile` answers by rank as
 * Node's does, so every reader of a native histogram (`readBuckets`) reads
 * this one unchanged. Unlike the native one, the first sample after
 * `enable()` is only the busy time since the clock's previous check phase.
 */
export class CheckPhaseHistogram implements IterationHistogram {
  private readonly samples = new DelayHistogram();
  /** Samples up to and including each bucket; rebuilt on the first rank lookup after a record. */
  private readonly cumulative = new Float64Array(BUCKETS);
  private cumulativeFresh = false;

  constructor(private readonly clock: CheckPhaseClock) {}

  get count(): number {
    return this.samples.count;
  }

  enable(): void {
    this.clock.listen(this.record);
  }

  disable(): void {
    this.clock.unlisten(this.record);
  }

  reset(): void {
    this.samples.reset();
    this.cumulativeFresh = false;
  }

  /** The value at `percentile` (0 < percentile <= 100), nanoseconds: the lowest sample with that share of samples at or below it. */
  percentile(percentile: number): number {
    const { samples } = this;
    const count = samples.count;
    if (count === 0) return 0;
    // The floor's slack absorbs the rounding of the 100 r / count a reader passes in.
    const rank = Math.min(count, Math.max(1, Math.ceil((percentile / 100) * count - 1e-9)));
    if (rank === 1) return samples.min * 1000;
    if (rank === count) return samples.max * 1000;
    const cumulative = this.cumulativeCounts();
    let low = 0;
    let high = BUCKETS - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] >= rank) high = middle;
      else low = middle + 1;
    }
    return Math.min(samples.max, Math.max(samples.min, middleOf(low))) * 1000;
  }

  private cumulativeCounts(): Float64Array {
    const { cumulative } = this;
    if (!this.cumulativeFresh) {
      const counts = this.samples.counts;
      let seen = 0;
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        seen += counts[bucket];
        cumulative[bucket] = seen;
      }
      this.cumulativeFresh = true;
    }
    return cumulative;
  }

  private readonly record = (busyMillis: number): void => {
    this.samples.record(busyMillis * 1000);
    this.cumulativeFresh = false;
  };
}
