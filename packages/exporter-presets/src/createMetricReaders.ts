import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { consoleMetricReader } from './consoleMetricReader.js';
import { EnvProblem, readEnv, sdkDisabled, warnOnce } from './internal/environment.js';
import { checkOtlpOptions } from './internal/otlpSettings.js';
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
import { checkPrometheusOptions, prometheusMetricReader } from './prometheusMetricReader.js';

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

/**
 * `otlp,prometheus`, `console`, `none`...; an unknown name makes the whole
 * value invalid. `none` anywhere in the list means no readers, as NodeSDK
 * reads it: the explicit off switch wins over the names beside it.
 */
function parseExporterList(raw: string): ExporterName[] | EnvProblem | undefined {
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  // "," or " , ": set, but naming nothing. Not "none": that is said in words.
  if (names.length === 0) return new EnvProblem(`${JSON.stringify(raw)} names no exporter`);
  if (names.some((name) => name !== 'none' && !EXPORTER_NAMES.includes(name as ExporterName))) return undefined;
  if (names.includes('none')) {
    if (names.some((name) => name !== 'none')) {
      warnOnce(
        `OTEL_METRICS_EXPORTER=${raw}`,
        `OTEL_METRICS_EXPORTER names "none" along with other exporters, got ${JSON.stringify(raw)}; no metric reader is created`,
      );
    }
    return [];
  }
  return names as ExporterName[];
}

function pick(options: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => fields.includes(key)));
}

/**
 * The metric readers for `new NodeSDK({ metricReaders })` or
 * `new MeterProvider({ readers })`: the exporters named by the `exporters`
 * option, else by `OTEL_METRICS_EXPORTER`, else OTLP. Returns `[]` when
 * `OTEL_SDK_DISABLED=true`. A wrong option throws here, naming the field,
 * whichever readers are chosen.
 */
export function createMetricReaders(options?: CreateMetricReadersOptions): MetricReader[] {
  const checked = checkOptionsObject(options, KNOWN_FIELDS);
  const exporters = validateExporters(checked.exporters);
  // Every value is checked, not only those of the readers chosen: a wrong
  // option must fail where it is written, not once the environment changes.
  checkOtlpOptions(pick(checked, OTLP_FIELDS));
  checkPrometheusOptions(pick(checked, PROMETHEUS_FIELDS));
  if (sdkDisabled()) return [];
  const chosen =
    exporters ??
    readEnv(['OTEL_METRICS_EXPORTER'], parseExporterList, `a comma list of ${EXPORTER_NAMES.join(', ')} or none`, 'otlp')
      ?.value ??
    DEFAULT_OPTIONS.exporters;
  const readers: MetricReader[] = [];
  for (const name of new Set(chosen)) {
    if (name === 'otlp') readers.push(otlpMetricReader(pick(checked, OTLP_FIELDS)));
    else if (name === 'prometheus') readers.push(prometheusMetricReader(pick(checked, PROMETHEUS_FIELDS)));
    else readers.push(consoleMetricReader(pick(checked, PERIODIC_FIELDS)));
  }
  return readers;
}
