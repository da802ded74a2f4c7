import { diag, type AttributeValue, type Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { prometheusMetricName, sanitizeName } from './prometheusUnits.js';

/**
 * The Prometheus text exposition format 0.0.4, written by us rather than by
 * `@opentelemetry/exporter-prometheus`: a scrape is the hot path of a pulled
 * service, and the upstream serializer runs several regular expressions and
 * builds a fresh object per sample (per bucket for histograms). The output
 * has the same meaning as upstream's: `target_info` from the resource,
 * `otel_scope_*` labels on every sample, `_total` on monotonic sums, gauges for
 * the others, cumulative `_bucket{le}` series up to `+Inf`, and no timestamps.
 */

export interface PrometheusTextOptions {
  /** Whether names carry their unit suffix (`_bytes`, `_seconds`, ...). */
  readonly withUnitSuffixes: boolean;
  /** Called for a metric the text format cannot carry (exponential histograms); it is left out. */
  readonly onUnsupported?: (metric: MetricData) => void;
}

type PrometheusType = 'counter' | 'gauge' | 'histogram';

interface Family {
  readonly name: string;
  readonly type: PrometheusType;
  help: string;
  unit: string;
  /** undefined once two metrics of different types claim the name: the family is dropped. */
  members: Array<{ metric: MetricData; scopeLabels: string }> | undefined;
}

// Caches hold strings derived from names and descriptors, which a program
// creates a bounded number of; the bound is a guard against one that makes
// instruments in a loop, not a size we expect to reach.
const CACHE_LIMIT = 2048;

const TARGET_INFO = 'target_info';
const NO_METRICS = '# no registered metrics';

export class PrometheusTextSerializer {
  private readonly names = new Map<string, string | null>();
  private readonly headers = new Map<string, { help: string; unit: string; type: PrometheusType; text: string }>();
  private readonly labelNames = new Map<string, string>();
  /** Label text of frozen attribute sets, which cannot change under us; GC bounds it. */
  private readonly frozenLabels = new WeakMap<Attributes, string>();
  private readonly conflictsWarned = new Set<string>();

  constructor(private readonly options: PrometheusTextOptions) {}

  serialize(resourceMetrics: ResourceMetrics): string {
    const families = this.families(resourceMetrics.scopeMetrics);
    let text = '';
    let samples = '';
    for (const family of families.values()) {
      if (family.members === undefined) continue;
      if (family.name === TARGET_INFO) {
        // target_info goes first, its metadata fixed, the resource its one sample.
        const labels = this.labels(resourceMetrics.resource.attributes);
        text = this.header(family) + (labels === '' ? 'target_info 1\n' : `target_info{${labels}} 1\n`);
        for (const { metric, scopeLabels } of family.members) text += this.samples(family.name, metric, scopeLabels);
        continue;
      }
      samples += this.header(family);
      for (const { metric, scopeLabels } of family.members) samples += this.samples(family.name, metric, scopeLabels);
    }
    return samples === '' ? text + NO_METRICS : text + samples;
  }

  /** Metrics grouped by their Prometheus name, in first-seen order, target_info first. */
  private families(scopes: ScopeMetrics[]): Map<string, Family> {
    const families = new Map<string, Family>();
    families.set(TARGET_INFO, { name: TARGET_INFO, type: 'gauge', help: 'Target metadata', unit: '', members: [] });
    for (const { scope, metrics } of scopes) {
      let scopeLabels: string | undefined;
      for (const metric of metrics) {
        const type = prometheusType(metric);
        if (type === undefined) {
          this.options.onUnsupported?.(metric);
          continue;
        }
        const name = this.nameOf(metric);
        if (name === null) continue;
        scopeLabels ??=
          `otel_scope_name="${escapeLabelValue(scope.name)}"` +
          (scope.schemaUrl ? `,otel_scope_schema_url="${escapeLabelValue(scope.schemaUrl)}"` : '') +
          (scope.version ? `,otel_scope_version="${escapeLabelValue(scope.version)}"` : '');
        const { description, unit } = metric.descriptor;
        let family = families.get(name);
        if (family === undefined) {
          family = { name, type, help: description, unit, members: [] };
          families.set(name, family);
        } else if (family.members === undefined) {
          continue;
        } else if (family.type !== type) {
          // Two types under one name is not a valid exposition: drop the name, as upstream does.
          this.warnConflict(name, `${family.type} and ${type}`);
          family.members = undefined;
          continue;
        } else {
          // First non-empty description and unit win.
          if (!family.help) family.help = description;
          if (!family.unit) family.unit = unit;
        }
        family.members?.push({ metric, scopeLabels });
      }
    }
    return families;
  }

  private warnConflict(name: string, what: string): void {
    if (this.conflictsWarned.has(name)) return;
    if (this.conflictsWarned.size >= CACHE_LIMIT) this.conflictsWarned.clear();
    this.conflictsWarned.add(name);
    diag.warn(`Prometheus: metrics of different types (${what}) map to the name ${name}; it is left out of /metrics`);
  }

  /** The final Prometheus name, or null when none can be made (reported once). */
  private nameOf(metric: MetricData): string | null {
    const { descriptor } = metric;
    const monotonic = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
    const key = `${descriptor.name}\u0000${descriptor.unit}\u0000${metric.dataPointType}\u0000${monotonic}`;
    let name = this.names.get(key);
    if (name !== undefined) return name;
    name = prometheusMetricName(metric, this.options.withUnitSuffixes);
    if (name === '' || name === '_') {
      diag.error(`Prometheus: metric ${JSON.stringify(descriptor.name)} has no valid Prometheus name; it is left out`);
      name = null;
    } else {
      if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) name = `_${name}`;
      if (monotonic && !name.endsWith('_total')) name += '_total';
    }
    if (this.names.size >= CACHE_LIMIT) this.names.clear();
    this.names.set(key, name);
    return name;
  }

  private header(family: Family): string {
    const cached = this.headers.get(family.name);
    if (cached && cached.help === family.help && cached.unit === family.unit && cached.type === family.type) return cached.text;
    const { name, help, unit, type } = family;
    const text =
      `# HELP ${name} ${escapeHelp(help || 'description missing')}\n` +
      (unit ? `# UNIT ${name} ${escapeHelp(unit)}\n` : '') +
      `# TYPE ${name} ${type}\n`;
    if (this.headers.size >= CACHE_LIMIT) this.headers.clear();
    this.headers.set(name, { help, unit, type, text });
    return text;
  }

  private samples(name: string, metric: MetricData, scopeLabels: string): string {
    let text = '';
    if (metric.dataPointType === DataPointType.HISTOGRAM) {
      for (const point of metric.dataPoints) {
        const own = this.labels(point.attributes);
        const labels = own === '' ? scopeLabels : `${own},${scopeLabels}`;
        text += histogramSamples(name, labels, point.value);
      }
      return text;
    }
    if (metric.dataPointType !== DataPointType.SUM && metric.dataPointType !== DataPointType.GAUGE) return text;
    for (const point of metric.dataPoints) {
      const own = this.labels(point.attributes);
      text += `${name}{${own === '' ? scopeLabels : `${own},${scopeLabels}`}} ${formatNumber(point.value)}\n`;
    }
    return text;
  }

  /** `a="x",b="y"` for an attribute set, '' for none. */
  private labels(attributes: Attributes): string {
    const frozen = Object.isFrozen(attributes);
    if (frozen) {
      const cached = this.frozenLabels.get(attributes);
      if (cached !== undefined) return cached;
    }
    let text = '';
    let cacheable = frozen;
    for (const key in attributes) {
      const value = attributes[key];
      // An array inside a frozen set can still change.
      if (typeof value === 'object' && value !== null) cacheable = false;
      text += `${text === '' ? '' : ','}${this.labelName(key)}="${escapeLabelValue(labelValue(value))}"`;
    }
    if (cacheable) this.frozenLabels.set(attributes, text);
    return text;
  }

  private labelName(key: string): string {
    let name = this.labelNames.get(key);
    if (name !== undefined) return name;
    name = sanitizeName(key);
    // A label name cannot start with a digit; one that did would fail the whole scrape.
    if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) name = `_${name}`;
    if (this.labelNames.size >= CACHE_LIMIT) this.labelNames.clear();
    this.labelNames.set(key, name);
    return name;
  }
}

function prometheusType(metric: MetricData): PrometheusType | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return undefined;
  }
}

/** `_count`, `_sum`, then cumulative `_bucket` counts ending at `le="+Inf"`. */
function histogramSamples(name: string, labels: string, histogram: Histogram): string {
  let text = `${name}_count{${labels}} ${formatNumber(histogram.count)}\n`;
  if (histogram.sum !== undefined) text += `${name}_sum{${labels}} ${formatNumber(histogram.sum)}\n`;
  const { boundaries, counts } = histogram.buckets;
  const prefix = `${name}_bucket{${labels},le="`;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i];
    const bound = boundaries[i];
    // Some aggregations list +Inf as a boundary; it then ends the series.
    if (bound === undefined || bound === Infinity) {
      text += `${prefix}+Inf"} ${formatNumber(cumulative)}\n`;
      break;
    }
    text += `${prefix}${formatNumber(bound)}"} ${formatNumber(cumulative)}\n`;
  }
  return text;
}

/** Go's ParseFloat reads NaN, +Inf and -Inf; JavaScript writes `Infinity`. */
function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return `${value}`;
}

/** Non-string attribute values are written as JSON, as the OpenTelemetry spec asks. */
function labelValue(value: AttributeValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

// A scan by char code: almost every value needs no escaping, and a regex
// replace per label would cost more than the rest of the sample.
function escapeLabelValue(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 92 || code === 34 || code === 10) return text.replace(/[\\"\n]/g, escapeChar);
  }
  return text;
}

function escapeHelp(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 92 || code === 10) return text.replace(/[\\\n]/g, escapeChar);
  }
  return text;
}

function escapeChar(char: string): string {
  return char === '\n' ? '\\n' : `\\${char}`;
}
