import { DelayHistogram, type DelayStats } from './DelayHistogram.js';

/** The loop's idle time at a moment: active time over a stretch is elapsed minus idle. */
export interface Snapshot {
  at: number;
  idle: number;
}

/**
 * A sliding window of delay statistics kept as rotating slots on the
 * instrumentation's own clock, so a collection only reads: two readers
 * collecting at any moments both see the same complete window. Slots are
 * numbered from the moment the window was opened, so a sampler that rotates
 * on a timer started at that moment fills each slot from its start.
 */
export class DelayWindow {
  private readonly slots: DelayHistogram[];
  private readonly slotEpochs: number[];
  private readonly slotStarts: (Snapshot | undefined)[];
  private readonly merged = new DelayHistogram();
  private origin = 0;
  private opened: Snapshot | undefined;

  constructor(readonly slotMillis: number, slotCount: number) {
    this.slots = Array.from({ length: slotCount }, () => new DelayHistogram());
    this.slotEpochs = new Array(slotCount).fill(-Infinity);
    this.slotStarts = new Array(slotCount).fill(undefined);
  }

  /** Starts the window afresh at `start`. */
  open(start: Snapshot): void {
    this.origin = start.at;
    this.opened = start;
    for (let i = 0; i < this.slots.length; i++) {
      this.slots[i].reset();
      this.slotEpochs[i] = -Infinity;
      this.slotStarts[i] = undefined;
    }
    this.slotAt(start.at, start.idle);
  }

  /** The slot for time `at`, cleared first if it last held an older epoch. */
  slotAt(at: number, idle: number): DelayHistogram {
    const epoch = this.epochAt(at);
    const index = epoch % this.slots.length;
    if (this.slotEpochs[index] !== epoch) {
      this.slots[index].reset();
      this.slotEpochs[index] = epoch;
      this.slotStarts[index] = { at, idle };
    }
    return this.slots[index];
  }

  /** Delay statistics over the window, in microseconds; undefined before the first sample. */
  stats(now: number): DelayStats | undefined {
    const current = this.epochAt(now);
    const merged = this.merged;
    merged.reset();
    for (let i = 0; i < this.slots.length; i++) {
      if (current - this.slotEpochs[i] < this.slots.length) merged.add(this.slots[i]);
    }
    return merged.stats();
  }

  /** Busy share over the window, from the oldest live slot's snapshot to `now`. */
  utilization(now: Snapshot): number | undefined {
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
    const from = oldest ?? this.opened;
    if (!from) return undefined;
    const total = now.at - from.at;
    if (!(total > 0)) return undefined;
    return Math.min(1, Math.max(0, (total - (now.idle - from.idle)) / total));
  }

  private epochAt(at: number): number {
    // max(0): a sample stamped a hair before open() belongs to the first slot.
    return Math.max(0, Math.floor((at - this.origin) / this.slotMillis));
  }
}
