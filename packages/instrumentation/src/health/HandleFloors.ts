const MINUTE_MILLIS = 60_000;
/** The floor is the least count over this many minutes, as the alert's `min_over_time(...[30m])`. */
const FLOOR_MINUTES = 30;
/** Compared with the floor this many minutes earlier, as the alert's `offset 1h`. */
const OFFSET_MINUTES = 60;
const KEPT_MINUTES = FLOOR_MINUTES + OFFSET_MINUTES;

/** The active-handle floor now and an hour earlier. */
export interface FloorGrowth {
  readonly now: number;
  readonly hourAgo: number;
}

/**
 * The least active-resource count of each of the last 90 minutes: a ring of
 * 90 numbers, enough to compare the floor of the last 30 minutes with the
 * floor of the 30 minutes an hour before, as the NodejsActiveResourcesGrowing
 * alert does. Nothing until the earlier half-hour is whole (90 minutes after
 * the first count).
 */
export class HandleFloors {
  private readonly minima = new Float64Array(KEPT_MINUTES);
  private readonly minutes = new Float64Array(KEPT_MINUTES).fill(-1);
  private firstMinute: number | undefined;

  record(atMillis: number, count: number): void {
    const minute = Math.floor(atMillis / MINUTE_MILLIS);
    this.firstMinute ??= minute;
    const index = minute % KEPT_MINUTES;
    if (this.minutes[index] !== minute) {
      this.minutes[index] = minute;
      this.minima[index] = count;
    } else if (count < this.minima[index]) {
      this.minima[index] = count;
    }
  }

  growth(atMillis: number): FloorGrowth | undefined {
    const minute = Math.floor(atMillis / MINUTE_MILLIS);
    if (this.firstMinute === undefined || minute - this.firstMinute < KEPT_MINUTES - 1) return undefined;
    const now = this.floor(minute - FLOOR_MINUTES + 1, minute);
    const hourAgo = this.floor(minute - KEPT_MINUTES + 1, minute - OFFSET_MINUTES);
    return now === undefined || hourAgo === undefined ? undefined : { now, hourAgo };
  }

  reset(): void {
    this.minutes.fill(-1);
    this.firstMinute = undefined;
  }

  /** The least count seen in minutes `from` to `to`, both included; minutes with no count are skipped. */
  private floor(from: number, to: number): number | undefined {
    let least = Infinity;
    for (let minute = from; minute <= to; minute++) {
      const index = ((minute % KEPT_MINUTES) + KEPT_MINUTES) % KEPT_MINUTES;
      if (this.minutes[index] === minute && this.minima[index] < least) least = this.minima[index];
    }
    return Number.isFinite(least) ? least : undefined;
  }
}
