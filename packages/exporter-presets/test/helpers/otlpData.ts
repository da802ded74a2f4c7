/**
 * What a receiver decoded, flattened for assertions: one entry per metric
 * with its unit, kind and data points, plus the resource attributes.
 */

export interface ReceivedPoint {
  attributes: Record<string, unknown>;
  value?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  kind: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  temporality?: number;
  points: ReceivedPoint[];
}

export interface ReceivedExport {
  resource: Record<string, unknown>;
  metrics: Map<string, ReceivedMetric>;
}

const num = (value: unknown): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof (value as { toNumber?: () => number }).toNumber === 'function') return (value as { toNumber(): number }).toNumber();
  return Number(value);
};

function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return undefined;
  for (const key of ['stringValue', 'boolValue', 'intValue', 'doubleValue']) {
    if (value[key] !== undefined && value[key] !== null) return key === 'intValue' ? num(value[key]) : value[key];
  }
  return value[value.value as string];
}

function attributes(list: Array<{ key: string; value: Record<string, unknown> }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValue(value)]));
}

/** Flattens a decoded ExportMetricsServiceRequest (camelCase field names, as protobufjs/proto-loader give them). */
export function flattenRequest(request: any): ReceivedExport[] {
  return (request.resourceMetrics ?? []).map((resourceMetrics: any) => {
    const metrics = new Map<string, ReceivedMetric>();
    for (const scope of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const kind = (['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const).find(
          (key) => metric[key],
        );
        if (!kind) continue;
        const data = metric[kind];
        metrics.set(metric.name, {
          name: metric.name,
          unit: metric.unit,
          kind,
          temporality: data.aggregationTemporality === undefined ? undefined : temporalityNumber(data.aggregationTemporality),
          points: (data.dataPoints ?? []).map((point: any) => ({
            attributes: attributes(point.attributes),
            value: num(point.asDouble ?? point.asInt),
            count: num(point.count),
            sum: num(point.sum),
            bucketCounts: point.bucketCounts?.map(num),
            explicitBounds: point.explicitBounds?.map(num),
          })),
        });
      }
    }
    return { resource: attributes(resourceMetrics.resource?.attributes), metrics };
  });
}

function temporalityNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return value === 'AGGREGATION_TEMPORALITY_DELTA' ? 1 : value === 'AGGREGATION_TEMPORALITY_CUMULATIVE' ? 2 : 0;
}
