import { BUCKETS, bucketOf } from './DelayHistogram.js';

/**
 * Delay samples not yet handed to the SDK's histogram, kept as counts and sums
 * per bucket of the sampler's log-linear histogram (buckets ~4 % wide), so
 * that a sampler adds a sample with two array writes and no SDK call, and a
 * collection hands them over in one go.
 *
 * The SDK's histogram takes one value per record. What it is given is, per
 * bucket, the exact minimum and maximum where they fall, and the bucket's
 * other samples at their mean: count, sum, minimum and maximum come out
 * exact, and every value stays inside its own ~4 % bucket, so explicit
 * boundaries (or exponential buckets) put it where the real sample would have
 * gone unless the sample was within ~4 % of a boundary.
 *
 * A record costs the SDK ~0.3-3 µs: a loop read per iteration turns over
 * thousands of samples a second on a busy server, so a drain can be bounded
 * (`limit`) to a proportional sample of them.
 */
export class PendingSamples {
  private readonly counts = new Float64Array(BUCKETS);
  private readonly sums = new Float64Array(BUCKETS);
  /** What thinning left over per bucket, in samples, carried to the next drain so counts stay proportional over time. */
  private readonly credits = new Float64Array(BUCKETS);
  private total = 0;
  private min = Infinity;
  private max = -Infinity;

  get size(): number {
    return this.total;
  }

  record(micros: number, times = 1): void {
    const bucket = bucketOf(micros);
    this.counts[bucket] += times;
    this.sums[bucket] += micros * times;
    this.total += times;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  /**
   * Calls `record` once per pending sample, with its value in seconds, then
   * forgets them all. With more than `limit` samples pending (a busy loop
   * read per iteration), every bucket's count is scaled alike to about
   * `limit` in all, the fractions carried to the next drain, so that over
   * time each bucket keeps its share and quantiles are unbiased; the minimum
   * and maximum are always recorded as they are.
   */
  drain(record: (seconds: number) => void, limit = Infinity): void {
    if (this.total === 0) return;
    const scale = this.total > limit ? limit / this.total : 1;
    if (scale < 1) this.thin(scale);
    const minBucket = bucketOf(this.min);
    const maxBucket = bucketOf(this.max);
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      let left = this.counts[bucket];
      if (left === 0) continue;
      let sum = this.sums[bucket];
      if (bucket === minBucket) {
        record(this.min / 1e6);
        sum -= this.min;
        left--;
      }
      if (bucket === maxBucket && left > 0) {
        record(this.max / 1e6);
        sum -= this.max;
        left--;
      }
      const each = left > 0 ? Math.max(0, sum / left) / 1e6 : 0;
      for (let i = 0; i < left; i++) record(each);
    }
    this.counts.fill(0);
    this.sums.fill(0);
    this.total = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /** Scales every bucket's count (and sum, keeping its mean) by `scale`, carrying each bucket's fraction over. */
  private thin(scale: number): void {
    const counts = this.counts;
    const minBucket = bucketOf(this.min);
    const maxBucket = bucketOf(this.max);
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const count = counts[bucket];
      if (count === 0) continue;
      const owed = count * scale + this.credits[bucket];
      // The buckets holding the minimum and the maximum keep at least the one sample recorded as it is.
      const floor = bucket === minBucket || bucket === maxBucket ? 1 : 0;
      const kept = Math.min(count, Math.max(floor, Math.floor(owed)));
      this.credits[bucket] = owed - kept;
      this.sums[bucket] = kept > 0 ? (this.sums[bucket] * kept) / count : 0;
      counts[bucket] = kept;
    }
  }
}
