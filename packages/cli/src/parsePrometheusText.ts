/**
 * The Prometheus text exposition format (0.0.4, and the OpenMetrics text
 * close enough to it for reading: `# EOF`, `# UNIT`), as served by our
 * preset, the Collector's prometheus exporter and prom-client. Strict on
 * purpose: a page with a line that is neither a comment nor a sample is not
 * a metrics page (an HTML error page, a login form), and says which line.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricsPage {
  /** Samples by metric name (histograms as their `_bucket`, `_sum` and `_count` names). */
  readonly byName: ReadonlyMap<string, readonly Sample[]>;
  readonly sampleCount: number;
}

export class NotMetricsError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new NotMetricsError('a sample value that is not a number');
  return value;
}

/** Reads `{a="x",b="y"}` from `text` at `start`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let at = start + 1;
  for (;;) {
    while (text[at] === ' ') at++;
    if (text[at] === '}') return [labels, at + 1];
    const name = LABEL_NAME.exec(text.slice(at));
    if (!name) throw new NotMetricsError('a label name expected');
    at += name[0].length;
    if (text[at] !== '=' || text[at + 1] !== '"') throw new NotMetricsError('="value" expected after a label name');
    at += 2;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new NotMetricsError('a label value that never ends');
      if (char === '"') break;
      if (char === '\\') {
        const next = text[at + 1];
        value += next === 'n' ? '\n' : next;
        at += 2;
      } else {
        value += char;
        at++;
      }
    }
    labels[name[0]] = value;
    at++;
    while (text[at] === ' ') at++;
    if (text[at] === ',') at++;
    else if (text[at] !== '}') throw new NotMetricsError('"," or "}" expected after a label');
  }
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line);
  if (!name) throw new NotMetricsError('neither a comment nor a sample');
  let at = name[0].length;
  let labels: Record<string, string> = {};
  if (line[at] === '{') [labels, at] = parseLabels(line, at);
  if (line[at] !== ' ' && line[at] !== '\t') throw new NotMetricsError('a space and a value expected after the name');
  // value, then an optional timestamp
  const fields = line.slice(at).trim().split(/\s+/);
  if (fields.length > 2) throw new NotMetricsError('more than a value and a timestamp after the name');
  return { name: name[0], labels, value: parseValue(fields[0]) };
}

export function parsePrometheusText(text: string): MetricsPage {
  const byName = new Map<string, Sample[]>();
  let sampleCount = 0;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    let sample: Sample;
    try {
      sample = parseSample(line);
    } catch (error) {
      throw new NotMetricsError(`line ${index + 1}: ${(error as Error).message}`);
    }
    let list = byName.get(sample.name);
    if (!list) byName.set(sample.name, (list = []));
    list.push(sample);
    sampleCount++;
  }
  if (sampleCount === 0) throw new NotMetricsError('no samples');
  return { byName, sampleCount };
}
