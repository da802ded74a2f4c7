/**
 * From the names operators see (Prometheus series names, OTLP names) back to
 * the catalog, the single source of truth for what nodevitals emits.
 */
import { METRICS, type FamilyName, type MetricDefinition } from '../../packages/instrumentation/src/catalog';

export const CATALOG: readonly MetricDefinition[] = Object.values(METRICS);
export const OTLP_NAMES: ReadonlySet<string> = new Set(CATALOG.map((metric) => metric.name));

const underscored = (name: string): string => name.replace(/\./g, '_');

/**
 * The catalog entry a Prometheus series name comes from: the longest catalog
 * name (dots as underscores) that the series name starts with, followed by
 * nothing or by a suffix (unit, `_total`, `_bucket`, `_value`...).
 */
export function catalogEntryOf(prometheusName: string): MetricDefinition | undefined {
  let best: MetricDefinition | undefined;
  for (const metric of CATALOG) {
    const base = underscored(metric.name);
    if (prometheusName !== base && !prometheusName.startsWith(`${base}_`)) continue;
    if (!best || base.length > underscored(best.name).length) best = metric;
  }
  return best;
}

export function familyOf(prometheusName: string): FamilyName | undefined {
  return catalogEntryOf(prometheusName)?.family;
}

export type { FamilyName, MetricDefinition };
