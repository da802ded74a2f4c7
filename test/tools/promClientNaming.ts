/**
 * The series names `runtimeViews({ naming: 'prom-client' })` changes, from the
 * code that decides them: the catalog, the preset's Prometheus naming and its
 * prom-client name table. The shipped rules and dashboard read each of these
 * names under both spellings (`semconv or prom-client`), so they work in
 * either naming, and in a fleet that is halfway through a migration.
 */
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { METRICS, type MetricDefinition, type MetricId } from '../../packages/instrumentation/src/catalog';
import { prometheusMetricName } from '../../packages/exporter-presets/src/internal/prometheusUnits';
import { PROM_CLIENT_NAMES } from '../../packages/exporter-presets/src/promClientNames';

function dataPointType(metric: MetricDefinition): DataPointType {
  if (metric.instrument === 'histogram') return DataPointType.HISTOGRAM;
  if (metric.instrument === 'gauge') return DataPointType.GAUGE;
  return DataPointType.SUM;
}

/** Served series name in the default naming -> the same series in prom-client naming. */
export function promClientRenames(): ReadonlyMap<string, string> {
  const renames = new Map<string, string>();
  for (const [id, promClientName] of Object.entries(PROM_CLIENT_NAMES) as Array<[MetricId, string]>) {
    const metric = METRICS[id];
    const type = dataPointType(metric);
    const served = prometheusMetricName({ descriptor: { name: metric.name, unit: metric.unit }, dataPointType: type }, true);
    if (type === DataPointType.HISTOGRAM) {
      for (const series of ['_bucket', '_sum', '_count']) renames.set(`${served}${series}`, `${promClientName}${series}`);
      continue;
    }
    renames.set(served, promClientName);
    // The Collector's exporter serves a `_count` gauge without the preset's `_value`.
    if (served.endsWith('_value')) renames.set(served.slice(0, -'_value'.length), promClientName);
  }
  return renames;
}
