import { BUCKETS, DelayHistogram, upperBoundOf } from '../internal/DelayHistogram.js';

/** One evaluation interval's samples. Delays and pauses in microseconds. */
interface Slot {
  startedAt: number;
  idleAtStart: number;
  readonly delays: DelayHistogram;
  readonly gcPauses: DelayHistogram;
}

/** What the loop and GC checks read over the window. */
export interface WindowSummary {
  readonly elapsedMillis: number;
  /** Busy share of the loop, 0 to 1. */
  readonly utilization: number;
  /** Time-weighted p99 of the loop delay, seconds (see `timeWeightedQuantile`). */
  readonly delaySeconds: number;
  /** Share of wall time spent in GC pauses. */
  readonly gcTimeShare: number;
  /** p99 of the GC pauses, by count, seconds; undefined without a pause in the window. */
  readonly gcPauseSeconds: number | undefined;
}

/**
 * The longest delay `d` such that samples at least `d` long add up to more
 * than `share` of `wallMicros`; 0 when all of them together do not.
 *
 * Each sample is a stretch of time the loop could not run a callback (an
 * iteration's busy time, or a timer's lateness), so weighting samples by
 * their own length turns counts into time. A count-weighted p99 misses a loop
 * that stalls for a second every few seconds when thousands of fast
 * iterations surround each stall (the stalls are far fewer than 1 % of the
 * samples); here those stalls fill a third of the time and the value is a
 * second. Read it as: a callback queued at a random moment of the window
 * waits less than this 99 % of the time.
 */
export function timeWeightedQuantile(histogram: DelayHistogram, share: number, wallMicros: number): number {
  const budget = share * wallMicros;
  let covered = 0;
  for (let bucket = BUCKETS - 1; bucket >= 0; bucket--) {
    const count = histogram.counts[bucket];
    if (count === 0) continue;
    const lower = bucket === 0 ? 0 : upperBoundOf(bucket - 1);
    const upper = upperBoundOf(bucket);
    const middle = Number.isFinite(upper) ? (lower + upper) / 2 : histogram.max;
    const value = Math.min(histogram.max, Math.max(histogram.min, middle));
    covered += count * value;
    if (covered > budget) return value;
  }
  return 0;
}

/**
 * The health window as a ring of evaluation intervals: the samples of each
 * interval go into its slot, and the window is every live slot, from the
 * oldest one's start to now. Memory is fixed: two small histograms a slot.
 */
export class HealthWindow {
  private readonly slots: Slot[];
  private current = 0;
  private live = 0;
  private readonly delays = new DelayHistogram();
  private readonly gcPauses = new DelayHistogram();

  constructor(slotCount: number) {
    this.slots = Array.from({ length: Math.max(1, slotCount) }, () => ({
      startedAt: 0,
      idleAtStart: 0,
      delays: new DelayHistogram(),
      gcPauses: new DelayHistogram(),
    }));
  }

  /** Empties the window; its first slot starts at `at`, with the loop's cumulative idle time `idle` (ms). */
  open(at: number, idle: number): void {
    for (const slot of this.slots) {
      slot.delays.reset();
      slot.gcPauses.reset();
    }
    this.current = 0;
    this.live = 1;
    this.slots[0].startedAt = at;
    this.slots[0].idleAtStart = idle;
  }

  /** The slot samples go to now. */
  get slot(): Slot {
    return this.slots[this.current];
  }

  /** Starts the next slot at `at`, dropping the oldest when the ring is full. */
  advance(at: number, idle: number): void {
    this.current = (this.current + 1) % this.slots.length;
    this.live = Math.min(this.live + 1, this.slots.length);
    const slot = this.slots[this.current];
    slot.delays.reset();
    slot.gcPauses.reset();
    slot.startedAt = at;
    slot.idleAtStart = idle;
  }

  /**
   * The checks' values from the oldest live slot's start to `at`; undefined
   * before `minimumMillis` have passed (the evaluation at start, a moment after
   * the window opened, would read any work of that moment as 100 % busy).
   */
  summary(at: number, idle: number, minimumMillis: number): WindowSummary | undefined {
    const oldest = this.slots[(this.current - this.live + 1 + this.slots.length) % this.slots.length];
    const elapsedMillis = at - oldest.startedAt;
    if (!(elapsedMillis >= minimumMillis && elapsedMillis > 0)) return undefined;
    this.delays.reset();
    this.gcPauses.reset();
    for (let i = 0; i < this.live; i++) {
      const slot = this.slots[(this.current - i + this.slots.length) % this.slots.length];
      this.delays.add(slot.delays);
      this.gcPauses.add(slot.gcPauses);
    }
    const busy = elapsedMillis - (idle - oldest.idleAtStart);
    const wallMicros = elapsedMillis * 1000;
    return {
      elapsedMillis,
      utilization: Math.min(1, Math.max(0, busy / elapsedMillis)),
      delaySeconds: timeWeightedQuantile(this.delays, 0.01, wallMicros) / 1e6,
      gcTimeShare: Math.min(1, this.gcPauses.sum / wallMicros),
      gcPauseSeconds: this.gcPauses.count > 0 ? this.gcPauses.stats()!.p99 / 1e6 : undefined,
    };
  }
}
