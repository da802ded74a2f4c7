/**
 * A small log-linear histogram of delays in microseconds: 16 buckets per
 * power of two (values within ~3 % of their bucket's middle), exact count,
 * sum, min and max. One lives in each slot of the event-loop window; slots
 * merge by adding arrays, and every statistic comes from one pass over at
 * most a few hundred buckets (Node's own histogram spends 60-430 us on
 * `mean`/`stddev`; this is a few microseconds).
 */
const SUB_BUCKETS = 16;
const OCTAVES = 28; // 1 us .. 2^28 us (~4.5 min)
export const BUCKETS = OCTAVES * SUB_BUCKETS + 1;

export interface DelayStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

export function bucketOf(micros: number): number {
  if (micros < 1) return 0;
  const octave = Math.floor(Math.log2(micros));
  if (octave >= OCTAVES) return BUCKETS - 1;
  const sub = Math.floor((micros / 2 ** octave - 1) * SUB_BUCKETS);
  return 1 + octave * SUB_BUCKETS + Math.min(sub, SUB_BUCKETS - 1);
}

/** The value a bucket stands for where only its count is known, in microseconds. */
export function middleOf(bucket: number): number {
  if (bucket === 0) return 0.5;
  const octave = Math.floor((bucket - 1) / SUB_BUCKETS);
  const sub = (bucket - 1) % SUB_BUCKETS;
  return 2 ** octave * (1 + (sub + 0.5) / SUB_BUCKETS);
}

/** The smallest value, in microseconds, that falls in a bucket after `bucket` (Infinity for the last). */
export function upperBoundOf(bucket: number): number {
  if (bucket === 0) return 1;
  if (bucket >= BUCKETS - 1) return Infinity;
  const octave = Math.floor((bucket - 1) / SUB_BUCKETS);
  const sub = (bucket - 1) % SUB_BUCKETS;
  return 2 ** octave * (1 + (sub + 1) / SUB_BUCKETS);
}

export class DelayHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  sumOfSquares = 0;
  min = Infinity;
  max = 0;

  record(micros: number): void {
    this.counts[bucketOf(micros)]++;
    this.count++;
    this.sum += micros;
    this.sumOfSquares += micros * micros;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  /** `times` samples of the same value (a bucket read from a native histogram). */
  recordMany(micros: number, times: number): void {
    this.counts[bucketOf(micros)] += times;
    this.count += times;
    this.sum += micros * times;
    this.sumOfSquares += micros * micros * times;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  add(other: DelayHistogram): void {
    if (other.count === 0) return;
    const counts = this.counts;
    const theirs = other.counts;
    for (let i = 0; i < BUCKETS; i++) counts[i] += theirs[i];
    this.count += other.count;
    this.sum += other.sum;
    this.sumOfSquares += other.sumOfSquares;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.sumOfSquares = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** All statistics in microseconds, or undefined while empty. */
  stats(): DelayStats | undefined {
    const count = this.count;
    if (count === 0) return undefined;
    const mean = this.sum / count;
    const variance = Math.max(0, this.sumOfSquares / count - mean * mean);
    const ranks = [0.5 * count, 0.9 * count, 0.99 * count];
    const quantiles = [0, 0, 0];
    let seen = 0;
    let next = 0;
    for (let i = 0; i < BUCKETS && next < ranks.length; i++) {
      seen += this.counts[i];
      while (next < ranks.length && seen >= ranks[next]) {
        quantiles[next++] = Math.min(this.max, Math.max(this.min, middleOf(i)));
      }
    }
    return {
      count,
      min: this.min,
      max: this.max,
      mean,
      stddev: Math.sqrt(variance),
      p50: quantiles[0],
      p90: quantiles[1],
      p99: quantiles[2],
    };
  }
}
