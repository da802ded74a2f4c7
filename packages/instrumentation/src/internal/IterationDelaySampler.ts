import type { IterationHistogram, RuntimeSources, TimerHandle } from '../runtime.js';
import { bucketOf, upperBoundOf, type DelayStats } from './DelayHistogram.js';
import { DelayWindow } from './DelayWindow.js';
import type { EventLoopSampler, EventLoopSamplerOptions } from './EventLoopSampler.js';
import { PendingSamples } from './PendingSamples.js';

/**
 * At most this many samples a second of the native histogram reach the SDK's
 * histogram (as many as the 10 ms timer sampler gives): above it, a drain
 * hands over a proportional sample of the iterations (`PendingSamples.drain`).
 */
const SDK_RECORDS_PER_SECOND = 100;

type Sources = Required<
  Pick<RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer' | 'eventLoopIdleMillis' | 'iterationHistogram' | 'onCheckPhase'>
>;

/**
 * Event-loop delay from a per-iteration histogram: Node's own
 * (`monitorEventLoopDelay({ samplePerIteration: true })`, Node 24.21+ and
 * 26.5+, recorded by libuv's prepare/check hooks) or its check-phase rebuild
 * on older lines (`CheckPhaseHistogram`). One sample is one loop iteration's
 * busy time. No timer samples, nothing wakes an idle loop.
 *
 * The native histogram is read into the window's current slot (and the
 * samples awaiting the SDK) at every collection and at every slot boundary,
 * then reset: one timer, every slot length (10 s by default), keeps the
 * window rotating on our own clock even when nobody collects, so two readers
 * still get the same whole window. A read walks the native histogram bucket
 * by bucket of our log-linear histogram (value at a rank, then a galloping
 * search for the last rank in the same bucket), so its cost grows with the
 * number of distinct ~4 % buckets seen, not with the number of iterations,
 * and past a budget of calls the rest is sampled at fixed ranks.
 *
 * The window statistics count every iteration. The mergeable histogram gets
 * every iteration up to 100 a second and a proportional sample of them above
 * (every bucket scaled alike, min and max as they are): a busy server's thousands of
 * iterations a second would otherwise be thousands of SDK records a second,
 * ~0.3-3 µs each, all at collection time.
 */
export class IterationDelaySampler implements EventLoopSampler {
  private readonly window: DelayWindow;
  private readonly pending = new PendingSamples();
  private histogram: IterationHistogram | undefined;
  private timer: TimerHandle | undefined;
  private cancelFirstReset: (() => void) | undefined;
  private lastReadAt = 0;
  private lastDrainAt = 0;

  constructor(
    private readonly runtime: Sources,
    options: EventLoopSamplerOptions,
  ) {
    this.window = new DelayWindow(options.windowMillis / options.slots, options.slots);
  }

  start(): void {
    if (this.timer) return;
    const histogram = (this.histogram ??= this.runtime.iterationHistogram());
    histogram.reset();
    histogram.enable();
    // The first sample after enable() spans from enable() to the end of the
    // first iteration: at start-up, the whole first idle wait (2 s measured
    // after 2 s idle). Dropped in the check phase of the iteration that records it.
    try {
      this.cancelFirstReset = this.runtime.onCheckPhase(() => {
        this.cancelFirstReset = undefined;
        histogram.reset();
      });
    } catch (error) {
      // Not started: nothing of it may keep running.
      histogram.disable();
      throw error;
    }
    const at = this.runtime.now();
    this.lastReadAt = at;
    this.lastDrainAt = at;
    this.window.open({ at, idle: this.runtime.eventLoopIdleMillis() });
    this.timer = this.runtime.setRepeatingTimer(this.rotate, this.window.slotMillis);
  }

  stop(): void {
    if (!this.timer) return;
    this.runtime.clearTimer(this.timer);
    this.timer = undefined;
    this.cancelFirstReset?.();
    this.cancelFirstReset = undefined;
    try {
      this.read(this.runtime.now());
    } finally {
      // A failed last read must not leave the histogram sampling after stop().
      this.histogram?.disable();
    }
  }

  windowStats(): DelayStats | undefined {
    const now = this.runtime.now();
    if (this.timer) this.read(now);
    return this.window.stats(now);
  }

  windowUtilization(): number | undefined {
    return this.window.utilization({ at: this.runtime.now(), idle: this.runtime.eventLoopIdleMillis() });
  }

  drainSamples(record: (seconds: number) => void): void {
    const now = this.runtime.now();
    if (this.timer) this.read(now);
    const seconds = Math.max(1, (now - this.lastDrainAt) / 1000);
    this.lastDrainAt = now;
    this.pending.drain(record, SDK_RECORDS_PER_SECOND * seconds);
  }

  private readonly rotate = (): void => {
    try {
      // What accumulated since the last read belongs to the slot that was
      // current then (the timer fires just after a boundary); then the new
      // slot is opened with the loop's idle time at its start.
      this.read(this.lastReadAt);
      const at = this.runtime.now();
      this.lastReadAt = at;
      this.window.slotAt(at, this.runtime.eventLoopIdleMillis());
    } catch {
      // Never surface in the host's timers phase; the next rotation retries.
    }
  };

  /** Moves the native histogram's samples into the slot of time `slotTime`, then resets it. */
  private read(slotTime: number): void {
    const histogram = this.histogram;
    if (!histogram) return;
    const count = histogram.count;
    if (count === 0) return;
    const slot = this.window.slotAt(slotTime, this.runtime.eventLoopIdleMillis());
    readBuckets(histogram, count, (micros, times) => {
      slot.recordMany(micros, times);
      this.pending.record(micros, times);
    });
    histogram.reset();
    this.lastReadAt = Math.max(this.lastReadAt, slotTime);
  }
}

/**
 * Past this many `percentile()` calls a read stops resolving buckets one by
 * one: each call walks Node's HDR counts (~3 µs), and iteration times spread
 * from microseconds to 100 ms fill ~230 of our buckets, ~3,000-4,500 calls,
 * 9-13 ms on the main thread (`bench/readCost.mjs`). Times within an octave
 * or two (16-32 buckets, ~330 calls for 10,000 of them) stay under it.
 */
export const READ_CALL_BUDGET = 512;
/** Ranks at which the rest of a read over budget is sampled. */
export const SAMPLED_RANKS = 64;

/**
 * Hands a native histogram's `count` samples (nanoseconds) to `add`
 * (microseconds), one call per occupied bucket of ours: the first and last
 * value of each bucket as they are, the rest at their midpoint. Health reads
 * its own native histogram through it too. The number of `percentile()` calls
 * is bounded: past READ_CALL_BUDGET, the samples not yet handed over go in
 * SAMPLED_RANKS equal shares of ranks, each share's highest value as it is
 * and the others at the midpoint of the share's range (the count and the
 * largest value stay exact; the others are off by at most one share's range).
 */
export function readBuckets(histogram: IterationHistogram, count: number, add: (micros: number, times: number) => void): void {
  let calls = 0;
  // The value at rank r (1-based) is the percentile 100 r / count.
  const valueAt = (rank: number) => {
    calls++;
    return histogram.percentile(Math.min(100, (100 * rank) / count)) / 1000;
  };
  let rank = 1;
  while (rank <= count) {
    if (calls >= READ_CALL_BUDGET) {
      const remaining = count - rank + 1;
      const shares = Math.min(SAMPLED_RANKS, remaining);
      let handed = rank - 1;
      let below = valueAt(rank);
      for (let share = 1; share <= shares; share++) {
        // Each share holds at least one rank: shares <= remaining.
        const end = rank - 1 + Math.round((share * remaining) / shares);
        const times = end - handed;
        const top = valueAt(end);
        add(top, 1);
        if (times > 1) add((below + top) / 2, times - 1);
        below = top;
        handed = end;
      }
      return;
    }
    const first = valueAt(rank);
    const upper = upperBoundOf(bucketOf(first));
    // Gallop to a rank past the bucket, then bisect: `low` is in it, `high` is not.
    let low = rank;
    let high = count + 1;
    for (let step = 1; low + step <= count; step *= 2) {
      if (valueAt(low + step) < upper) {
        low += step;
      } else {
        high = low + step;
        break;
      }
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (valueAt(middle) < upper) low = middle;
      else high = middle;
    }
    const times = low - rank + 1;
    if (times === 1) {
      add(first, 1);
    } else {
      const last = valueAt(low);
      add(first, 1);
      add(last, 1);
      if (times > 2) add((first + last) / 2, times - 2);
    }
    rank = low + 1;
  }
}
