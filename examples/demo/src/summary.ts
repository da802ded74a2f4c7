import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { METRICS } from '@nodevitals/instrumentation';

export type Snapshot = Map<string, MetricData>;

interface HistogramState {
  boundaries: number[];
  counts: number[];
  count: number;
  sum: number;
}

function gauge(snapshot: Snapshot, name: string): number | undefined {
  const point = snapshot.get(name)?.dataPoints[0];
  return typeof point?.value === 'number' ? point.value : undefined;
}

/** All points of a histogram merged into one (the GC histogram has one per kind). */
function histogram(snapshot: Snapshot, name: string): HistogramState | undefined {
  const metric = snapshot.get(name);
  if (!metric || metric.dataPointType !== DataPointType.HISTOGRAM || metric.dataPoints.length === 0) return undefined;
  const first = metric.dataPoints[0].value;
  const merged: HistogramState = {
    boundaries: first.buckets.boundaries,
    counts: first.buckets.counts.map(() => 0),
    count: 0,
    sum: 0,
  };
  for (const { value } of metric.dataPoints) {
    value.buckets.counts.forEach((count, index) => (merged.counts[index] += count));
    merged.count += value.count;
    merged.sum += value.sum ?? 0;
  }
  return merged;
}

/** The bucket upper bound under which `quantile` of the samples between two snapshots fall. */
function quantileBetween(before: HistogramState | undefined, after: HistogramState | undefined, quantile: number) {
  if (!after) return undefined;
  const counts = after.counts.map((count, index) => count - (before?.counts[index] ?? 0));
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    seen += counts[index];
    if (seen >= quantile * total) return after.boundaries[index] ?? Infinity;
  }
  return undefined;
}

const mib = (bytes: number | undefined) => (bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const ms = (seconds: number | undefined) =>
  seconds === undefined ? '—' : seconds === Infinity ? '> last bucket' : `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
const percent = (ratio: number | undefined) => (ratio === undefined ? '?' : `${(ratio * 100).toFixed(1)} %`);

/**
 * A few readable lines comparing two snapshots taken `elapsedSeconds` apart.
 * The GC figures cover the time between the two snapshots; the event-loop
 * delay and utilization gauges cover the instrumentation's sliding window
 * (`eventLoopWindowSeconds`), which the line says: a max that stays put for
 * a few prints is one long stall still inside the window, not a stuck value.
 */
export function summarize(before: Snapshot | undefined, after: Snapshot, elapsedSeconds: number, eventLoopWindowSeconds: number): string {
  const used = gauge(after, METRICS.heapUsed.name);
  const limit = gauge(after, METRICS.heapLimit.name);
  const gcBefore = before && histogram(before, METRICS.gcDuration.name);
  const gcAfter = histogram(after, METRICS.gcDuration.name);
  const gcTime = (gcAfter?.sum ?? 0) - (gcBefore?.sum ?? 0);
  const gcCount = (gcAfter?.count ?? 0) - (gcBefore?.count ?? 0);
  const resources = after.get(METRICS.resourcesActive.name)?.dataPoints ?? [];
  const busiest = resources
    .map((point) => [String(point.attributes['v8js.resource.type']), Number(point.value)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  return [
    `heap        ${mib(used)} used of ${mib(limit)} limit (${percent(used !== undefined && limit ? used / limit : undefined)})`,
    `gc          ${gcCount} pauses, p99 ≤ ${ms(quantileBetween(gcBefore, gcAfter, 0.99))} (bucket bound), ${percent(gcTime / elapsedSeconds)} of the time`,
    `event loop  last ${eventLoopWindowSeconds} s: delay p99 ${ms(gauge(after, METRICS.eventLoopDelayP99.name))}, max ${ms(gauge(after, METRICS.eventLoopDelayMax.name))}, utilization ${percent(gauge(after, METRICS.eventLoopUtilization.name))}`,
    `resources   ${busiest || 'none'}`,
  ].join('\n');
}
