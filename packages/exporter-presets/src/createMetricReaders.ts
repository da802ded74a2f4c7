import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { consoleMetricReader } from './consoleMetricReader.js';
import { readEnv, sdkDisabled } from './internal/environment.js';
import { checkOptionsObject, describeValue } from './internal/validate.js';
import {
  DEFAULT_OPTIONS,
  EXPORTER_NAMES,
  OTLP_FIELDS,
  PERIODIC_FIELDS,
  PROMETHEUS_FIELDS,
  type CreateMetricReadersOptions,
  type ExporterName,
} from './options.js';
import { otlpMetricReader } from './otlpMetricReader.js';
import { prometheusMetricReader } from './prometheusMetricReader.js';

const KNOWN_FIELDS = ['exporters', ...new Set([...OTLP_FIELDS, ...PROMETHEUS_FIELDS])];

function validateExporters(value: unknown): readonly ExporterName[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(`exporters must be an array of ${EXPORTER_NAMES.join(', ')}, got ${describeValue(value)}`);
  }
  for (const name of value) {
    if (!EXPORTER_NAMES.includes(name)) {
      throw new RangeError(`exporters must only hold ${EXPORTER_NAMES.join(', ')}, got ${describeValue(value)}`);
    }
  }
  return value;
}

/** `otlp,prometheus`, `console`, `none`...; an unknown name makes the whole value invalid. */
function parseExporterList(raw: string): ExporterName[] | undefined {
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.some((name) => name !== 'none' && !EXPORTER_NAMES.includes(name as ExporterName))) return undefined;
  return names.filter((name): name is ExporterName => name !== 'none');
}

function pick(options: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => fields.includes(key)));
}

/**
 * The metric readers for `new NodeSDK({ metricReaders })` or
 * `new MeterProvider({ readers })`: the exporters named by the `exporters`
 * option, else by `OTEL_METRICS_EXPORTER`, else OTLP. Returns `[]` when
 * `OTEL_SDK_DISABLED=true`. A wrong option throws here, naming the field.
 */
export function createMetricReaders(options?: CreateMetricReadersOptions): MetricReader[] {
  const checked = checkOptionsObject(options, KNOWN_FIELDS);
  const chosen =
    validateExporters(checked.exporters) ??
    readEnv(['OTEL_METRICS_EXPORTER'], parseExporterList, `a comma list of ${EXPORTER_NAMES.join(', ')} or none`, 'otlp')
      ?.value ??
    DEFAULT_OPTIONS.exporters;
  if (sdkDisabled()) return [];
  const readers: MetricReader[] = [];
  for (const name of new Set(chosen)) {
    if (name === 'otlp') readers.push(otlpMetricReader(pick(checked, OTLP_FIELDS)));
    else if (name === 'prometheus') readers.push(prometheusMetricReader(pick(checked, PROMETHEUS_FIELDS)));
    else readers.push(consoleMetricReader(pick(checked, PERIODIC_FIELDS)));
  }
  return readers;
}
