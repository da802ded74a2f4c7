import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';

/** Cumulative bucket counts of a single-series histogram. */
export function histogramBuckets(metrics: Map<string, MetricData>, name: string) {
  const metric = metrics.get(name);
  if (!metric || metric.dataPointType !== DataPointType.HISTOGRAM || metric.dataPoints.length !== 1) {
    return { count: 0, max: undefined, countAbove: () => 0 };
  }
  const { buckets, count, max } = metric.dataPoints[0].value;
  return {
    count,
    max,
    /** Samples in buckets whose lower boundary is at least `seconds`. */
    countAbove(seconds: number): number {
      let total = 0;
      buckets.counts.forEach((bucketCount, index) => {
        const lower = index === 0 ? -Infinity : buckets.boundaries[index - 1];
        if (lower >= seconds) total += bucketCount;
      });
      return total;
    },
  };
}
