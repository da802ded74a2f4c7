import { METRICS, type MetricId } from '@nodevitals/instrumentation';
import { AggregationType, type AggregationOption, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { checkOptionsObject, optionalBoolean, optionalBuckets, optionalChoice, optionalInteger } from './internal/validate.js';
import { DEFAULT_OPTIONS, METRIC_NAMINGS, RUNTIME_VIEWS_FIELDS, type RuntimeViewsOptions } from './options.js';
import { PROM_CLIENT_GC_BUCKETS_SECONDS, PROM_CLIENT_NAMES } from './promClientNames.js';

// The meter @nodevitals/instrumentation creates its instruments on: views are
// scoped to it so an application metric of the same name is left alone.
const RUNTIME_METER_NAME = '@nodevitals/instrumentation';

/**
 * Views for `new MeterProvider({ views })` or `new NodeSDK({ views })` that fit
 * the runtime metrics: histogram buckets in seconds (GC pauses and event-loop
 * delay), optionally base-2 exponential histograms instead, and optionally
 * prom-client's default metric names. Views apply to every reader of the
 * provider. One view per instrument: two views matching one instrument would
 * export it twice.
 */
export function runtimeViews(options?: RuntimeViewsOptions): ViewOptions[] {
  const checked = checkOptionsObject(options, RUNTIME_VIEWS_FIELDS);
  const gcBuckets = optionalBuckets('gcDurationBucketsSeconds', checked.gcDurationBucketsSeconds);
  const delayBuckets = optionalBuckets('eventLoopDelayBucketsSeconds', checked.eventLoopDelayBucketsSeconds);
  const exponential = optionalBoolean('exponentialHistograms', checked.exponentialHistograms) ?? DEFAULT_OPTIONS.exponentialHistograms;
  const maxBuckets =
    optionalInteger('exponentialMaxBuckets', checked.exponentialMaxBuckets, 2, 16384) ?? DEFAULT_OPTIONS.exponentialMaxBuckets;
  const naming = optionalChoice('naming', checked.naming, METRIC_NAMINGS) ?? DEFAULT_OPTIONS.naming;
  if (exponential && (gcBuckets || delayBuckets)) {
    throw new TypeError(
      `${gcBuckets ? 'gcDurationBucketsSeconds' : 'eventLoopDelayBucketsSeconds'} cannot be combined with exponentialHistograms: true, got ${JSON.stringify(gcBuckets ?? delayBuckets)}`,
    );
  }

  const histogram = (boundaries: readonly number[]): AggregationOption =>
    exponential
      ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: maxBuckets, recordMinMax: true } }
      : { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...boundaries], recordMinMax: true } };
  const aggregations: Partial<Record<MetricId, AggregationOption>> = {
    gcDuration: histogram(
      gcBuckets ?? (naming === 'prom-client' ? PROM_CLIENT_GC_BUCKETS_SECONDS : DEFAULT_OPTIONS.gcDurationBucketsSeconds),
    ),
    eventLoopDelayDistribution: histogram(delayBuckets ?? DEFAULT_OPTIONS.eventLoopDelayBucketsSeconds),
  };

  const views: ViewOptions[] = [];
  for (const id of Object.keys(METRICS) as MetricId[]) {
    const name = naming === 'prom-client' ? PROM_CLIENT_NAMES[id] : undefined;
    const aggregation = aggregations[id];
    if (name === undefined && aggregation === undefined) continue;
    views.push({
      instrumentName: METRICS[id].name,
      meterName: RUNTIME_METER_NAME,
      ...(name !== undefined && { name }),
      ...(aggregation !== undefined && { aggregation }),
    });
  }
  return views;
}
