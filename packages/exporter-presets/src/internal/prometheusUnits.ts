import { DataPointType } from '@opentelemetry/sdk-metrics';

/**
 * Unit suffixes of Prometheus names, per OpenTelemetry's Prometheus
 * compatibility spec: the same names the Collector's Prometheus exporters
 * write, so dashboards and rules work whichever way the metrics travel.
 */
const UNIT_WORDS: Readonly<Record<string, string>> = Object.freeze({
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  bit: 'bits',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
});

const PER_WORDS: Readonly<Record<string, string>> = Object.freeze({
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
});

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_').replace(/^_+|_+$/g, '');
}

/** The suffix a unit adds, or '' (annotations such as `{resource}` add nothing). */
export function unitSuffix(unit: string, dataPointType: DataPointType): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return dataPointType === DataPointType.GAUGE ? 'ratio' : '';
  const [numerator, denominator] = bare.split('/', 2);
  const first = numerator ? sanitize(UNIT_WORDS[numerator] ?? numerator) : '';
  if (denominator === undefined) return first;
  const second = sanitize(PER_WORDS[denominator] ?? UNIT_WORDS[denominator] ?? denominator);
  return [first, second && `per_${second}`].filter(Boolean).join('_');
}

const HISTOGRAM_ENDINGS = /_(count|sum|bucket)$/;

/** What `prometheusName` reads of a metric: its name, unit and point type. */
export interface NamedMetric {
  readonly descriptor: { readonly name: string; readonly unit: string };
  readonly dataPointType: DataPointType;
}

/**
 * The name Prometheus should see: with its unit suffix when asked, and never
 * ending like a histogram's series unless it is one. `process.unix.file_descriptor.count`
 * as a gauge would read as the `_count` of a histogram (`promtool check metrics`
 * rejects it), so such a name gets `_value` appended. A name it has nothing to
 * add to is returned as it was (not yet sanitised): see `prometheusMetricName`.
 */
export function prometheusName<T extends NamedMetric>(metric: T, withUnitSuffixes: boolean): T {
  const sanitized = sanitize(metric.descriptor.name);
  let name = sanitized.endsWith('_total') ? sanitized.slice(0, -'_total'.length) : sanitized;
  const suffix = withUnitSuffixes ? unitSuffix(metric.descriptor.unit, metric.dataPointType) : '';
  if (suffix !== '' && !name.endsWith(`_${suffix}`) && name !== suffix) name = `${name}_${suffix}`;
  if (metric.dataPointType !== DataPointType.HISTOGRAM && HISTOGRAM_ENDINGS.test(name)) name = `${name}_value`;
  if (name === sanitized) return metric;
  return { ...metric, descriptor: { ...metric.descriptor, name } };
}

/** Prometheus names allow [a-zA-Z0-9_] (colons are for recording rules): every other run becomes one `_`, and runs of `_` collapse. */
export function sanitizeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/_{2,}/g, '_');
}

/** The sanitised name a metric is served under, before any `_total`. */
export function prometheusMetricName(metric: NamedMetric, withUnitSuffixes: boolean): string {
  return sanitizeName(prometheusName(metric, withUnitSuffixes).descriptor.name);
}
