/**
 * docs/*.md and the README say only true things that can be checked: links
 * resolve, metric names exist (in the catalog, a real scrape of the preset, or
 * the rules files), every OTEL_* variable mentioned is one the code reads, the
 * alert tables are the rules files', the migration tables name the peers'
 * real metrics and nodevitals' real counterparts, the fleet figures match a
 * fresh measurement, and the log lines troubleshooting quotes are the code's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { stopAll } from './helpers/children';
import { DOCS, ROOT } from './helpers/paths';
import { metricNamesIn } from './helpers/promql';
import { loadRules, rawMetricNames } from './helpers/rules';
import { scrapePreset, servedOnEitherPath, type Scrape } from './helpers/scrape';
import { ALERTING_DOC, renderAlertingDoc } from './tools/alertDocs';
import { allOptIns, measureOtlp } from './tools/measureExport';
import { catalogEntryOf, OTLP_NAMES } from './tools/catalogNames';
import { promClientDefaultNames, runtimeNodeNames, scrapeWithNaming } from './tools/peers';
import { ATTRIBUTES, METRICS, type MetricId } from '../packages/instrumentation/src/catalog';
import { PROM_CLIENT_NAMES } from '../packages/exporter-presets/src/promClientNames';
import { prometheusNameOf } from '../scripts/metrics-doc';

afterAll(stopAll);

const pages = [
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
  join(ROOT, 'README.md'),
];
const read = (path: string): string => readFileSync(path, 'utf8');
const where = (path: string): string => relative(ROOT, path);

/** Text outside fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Inline code spans of the prose. */
function codeSpans(markdown: string): string[] {
  return [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((match) => match[1]);
}

/** GitHub's heading anchors. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) =>
      match[1]
        .trim()
        .toLowerCase()
        .replace(/`/g, '')
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

/** The rows of the first table after `heading`, as cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
  }
  return rows;
}

const backticked = (cell: string): string | undefined => cell.match(/`([^`]+)`/)?.[1];
const stripLabels = (name: string): string => name.replace(/\{.*$/, '');

describe('links', () => {
  test('every relative link in docs/*.md and README.md resolves to a file (and its #anchor to a heading)', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = prose(read(page));
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1];
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#', 2);
        const file = path === '' ? page : resolve(dirname(page), path);
        if (!existsSync(file)) {
          broken.push(`${where(page)}: ${target} (no such file)`);
          continue;
        }
        if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchorsOf(read(file)).has(anchor)) {
          broken.push(`${where(page)}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('every docs/*.md page the collector configs and rules point to exists', () => {
    const configDir = join(ROOT, 'collector-config');
    const files = (readdirSync(configDir, { recursive: true }) as string[]).filter((file) => /\.(ya?ml|json)$/.test(file));
    const cited = files.flatMap((file) =>
      [...read(join(configDir, file)).matchAll(/docs\/[\w-]+\.md/g)].map((match) => ({ file, page: match[0] })),
    );
    expect(cited.length).toBeGreaterThan(3);
    expect(cited.filter(({ page }) => !existsSync(join(ROOT, page)))).toEqual([]);
  });

  test('the docs index lists every page in docs/', () => {
    const index = read(join(DOCS, 'README.md'));
    const listed = new Set([...index.matchAll(/\]\(([\w-]+\.md)\)/g)].map((match) => match[1]));
    const missing = readdirSync(DOCS).filter((name) => name.endsWith('.md') && name !== 'README.md' && !listed.has(name));
    expect(missing).toEqual([]);
  });
});

describe('OTEL_* variables', () => {
  const sources = readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name, 'src'))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => (readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => read(join(dir, file))))
    .join('\n');
  // Literal names, and the pairs built by `both('SUFFIX')` in otlpSettings.ts.
  const read_ = new Set([...sources.matchAll(/OTEL_[A-Z0-9_]*[A-Z0-9]/g)].map((match) => match[0]));
  for (const match of sources.matchAll(/both\('([A-Z_]+)'\)/g)) {
    read_.add(`OTEL_EXPORTER_OTLP_METRICS_${match[1]}`);
    read_.add(`OTEL_EXPORTER_OTLP_${match[1]}`);
  }

  test('the code reads the variables the docs lean on most (the check has something to check against)', () => {
    for (const name of ['OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_LOG_LEVEL']) {
      expect(read_).toContain(name);
    }
    expect(read_).not.toContain('OTEL_TRACES_EXPORTER');
  });

  test('every OTEL_* variable the docs mention is one the code reads', () => {
    const unknown: string[] = [];
    for (const page of pages) {
      for (const match of read(page).matchAll(/OTEL_[A-Z0-9_]+(?=([[{*]?))/g)) {
        const name = match[0];
        // `OTEL_METRIC_EXPORT_{INTERVAL,TIMEOUT}`, `OTEL_EXPORTER_OTLP[_METRICS]_*`: a prefix of real names.
        const prefix = name.endsWith('_') || match[1] !== '';
        const known = read_.has(name) || (prefix && [...read_].some((variable) => variable.startsWith(name)));
        if (!known) unknown.push(`${where(page)}: ${name}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });
});

describe('docs/troubleshooting.md', () => {
  const sources = readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name, 'src'))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => (readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => read(join(dir, file))))
    .join('\n');
  /** A quoted log line as a pattern over source text: each word is itself or a `${...}` placeholder; `...` ends a prefix. */
  const patternOf = (message: string): RegExp =>
    new RegExp(
      message
        .replace(/\s*\.\.\.$/, '')
        .split(/(\w+)/)
        .map((part, index) => (index % 2 === 1 ? `(?:${part}|\\$\\{[^}]*\\})` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join(''),
    );

  test('every log line it quotes is one the code writes', () => {
    const quoted = codeSpans(read(join(DOCS, 'troubleshooting.md'))).filter((span) => span.split(' ').length >= 4);
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    expect(quoted.filter((message) => !patternOf(message).test(sources))).toEqual([]);
    expect(patternOf('OTLP export failed (attempt 2, gRPC code 14); retrying at once').test(sources)).toBe(false);
  });
});

describe('against real output', () => {
  let scrape: Scrape;
  /** The same preset with runtimeViews({ naming: 'prom-client' }): the rules read names of both. */
  let promClientScrape: Scrape;
  let optInScrape: Scrape;
  let promClient: Set<string>;
  let runtimeNode: Set<string>;
  const { recording } = loadRules();
  const recordNames = new Set(recording.map((rule) => rule.record as string));

  beforeAll(async () => {
    // The third scrape has every opt-in series on, so an opt-in name the docs give is checked too.
    [scrape, promClientScrape, optInScrape] = await Promise.all([
      scrapePreset(),
      scrapePreset({}, 'prom-client'),
      scrapeWithNaming('semconv', allOptIns()),
    ]);
    promClient = await promClientDefaultNames();
    runtimeNode = await runtimeNodeNames();
  }, 150_000);

  /**
   * A series name the preset serves in either naming (or the Collector exporter's spelling of one); a
   * histogram's base name counts when its `_bucket` series is there.
   */
  const served = (name: string): boolean =>
    [scrape, promClientScrape, optInScrape].some((served) => servedOnEitherPath(served, name) || served.names.has(`${name}_bucket`));

  /**
   * Series a default scrape of a young process cannot be counted on to show: opt-in ones, the memory
   * limit (only under a real limit), allocated bytes (Node 26+), and the live heap and last major GC
   * (only after a first major GC). Their names come from the preset's own naming of the catalog entry.
   */
  const conditional: ReadonlySet<unknown> = new Set([METRICS.memoryLimit, METRICS.heapAllocated, METRICS.heapLive, METRICS.lastMajorGc]);
  const notInADefaultScrape = new Set(
    (Object.values(METRICS) as Array<(typeof METRICS)[MetricId] & { optIn?: string }>)
      .filter((metric) => metric.optIn || conditional.has(metric))
      // The preset's name, and the Collector exporter's (no `_value` after a name ending in `_count`).
      .flatMap((metric) => [prometheusNameOf(metric), prometheusNameOf(metric).replace(/_value$/, '')]),
  );

  test.each(pages.map((page) => [where(page), page]))(
    '%s: every nodevitals-looking metric name in backticks exists (catalog, real scrape, rules, or a peer name)',
    (_, page) => {
      const known = (name: string): boolean =>
        OTLP_NAMES.has(name) ||
        served(name) ||
        notInADefaultScrape.has(name) ||
        recordNames.has(name) ||
        promClient.has(name) ||
        runtimeNode.has(name) ||
        Object.values(ATTRIBUTES).some((key) => key === name || key.replace(/\./g, '_') === name);
      const unknown: string[] = [];
      for (const span of codeSpans(read(page))) {
        // Lower-case only: `process.getActiveResourcesInfo()` is an API, not a metric; nor is a
        // prefix of a longer call such as `process.hrtime.bigint()`.
        for (const match of span.matchAll(/(?<![\w.$])(?:v8js|nodejs|process)[._][a-z0-9_.]*[a-z0-9](?![\w(]|\.\w)/g)) {
          if (!known(match[0])) unknown.push(match[0]);
        }
      }
      expect([...new Set(unknown)]).toEqual([]);
    },
  );

  test('the metric-name check finds the names (it is not vacuous) and rejects a wrong one', () => {
    const names = pages.flatMap((page) => codeSpans(read(page))).filter((span) => /^(v8js|nodejs|process)[._]/.test(span));
    expect(names.length).toBeGreaterThan(100);
    expect(served('v8js_gc_duration_seconds')).toBe(true);
    expect(served('v8js_gc_duration_bucket')).toBe(false);
    expect(OTLP_NAMES.has('nodejs.eventloop.lag')).toBe(false);
  });

  test('docs/fleet.md: Prometheus series per process is close to a real scrape (within 30%: GC kinds seen and heap spaces vary)', () => {
    const fleet = read(join(DOCS, 'fleet.md'));
    const row = tableAfter(fleet, '## Per process, measured').find((cells) => cells[0].startsWith('Prometheus series'))!;
    const documented = Number(row[1].split(' ')[0].replace(/,/g, ''));
    const series = scrape.text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('target_info')).length;
    expect({ series, near: Math.abs(series - documented) <= 0.3 * documented }).toEqual({ series, near: true });
  });

  describe('docs/migrate.md', () => {
    const migrate = read(join(DOCS, 'migrate.md'));
    const promRows = tableAfter(migrate, '## From prom-client');
    const otelRows = tableAfter(migrate, '## From @opentelemetry/instrumentation-runtime-node');

    test('the prom-client table lists exactly the metrics collectDefaultMetrics() really registers', () => {
      const listed = promRows.map((row) => backticked(row[0]) as string);
      expect(promClient.size).toBeGreaterThan(20);
      expect([...listed].sort()).toEqual([...promClient].sort());
    });

    test('every nodevitals counterpart in the prom-client table is in a real scrape (recording rules followed)', () => {
      const missing: string[] = [];
      for (const row of promRows) {
        const expr = backticked(row[1]);
        if (!expr) {
          expect({ row: row[0], cell: row[1] }).toEqual({ row: row[0], cell: 'none' });
          continue;
        }
        expect(metricNamesIn(expr).length).toBeGreaterThan(0);
        for (const name of rawMetricNames(expr, recording)) if (!served(name)) missing.push(`${row[0]}: ${name}`);
      }
      expect(missing).toEqual([]);
    });

    test('"kept" rows are exactly what runtimeViews({ naming: "prom-client" }) renames, and a real scrape serves them', async () => {
      const kept = promRows.filter((row) => row[2] === 'kept');
      const renamed = Object.entries(PROM_CLIENT_NAMES) as Array<[MetricId, string]>;
      expect(kept.map((row) => backticked(row[0])).sort()).toEqual(renamed.map(([, name]) => name).sort());
      // The row's nodevitals name is the same catalog metric the view renames.
      for (const row of kept) {
        const id = renamed.find(([, name]) => name === backticked(row[0]))![0];
        expect({ row: row[0], metric: catalogEntryOf(stripLabels(backticked(row[1])!))?.name }).toEqual({
          row: row[0],
          metric: METRICS[id].name,
        });
      }
      // Opt-ins on: prom-client's per-space available bytes are opt-in here (heapSpaceDetail).
      const promClientNaming = await scrapeWithNaming('prom-client', allOptIns());
      const served = (name: string): boolean => promClientNaming.names.has(name) || promClientNaming.names.has(`${name}_bucket`);
      expect(renamed.map(([, name]) => name).filter((name) => !served(name))).toEqual([]);
    }, 30_000);

    test('the runtime-node table lists exactly what RuntimeNodeInstrumentation really reports, mapped to catalog names', () => {
      const listed = otelRows.map((row) => backticked(row[0]) as string);
      expect(runtimeNode.size).toBeGreaterThan(10);
      expect([...listed].sort()).toEqual([...runtimeNode].sort());
      expect(otelRows.map((row) => backticked(row[1])).filter((name) => !OTLP_NAMES.has(name as string))).toEqual([]);
    });
  });
});

describe('docs/alerting.md', () => {
  test('the threshold and recording-rule tables are the rules files (node -r ./scripts/ts-register.cjs test/tools/alertDocs.ts)', () => {
    const text = read(ALERTING_DOC);
    expect(text).toContain('| `NodejsHeapNearLimit` |');
    expect(text).toBe(renderAlertingDoc(text));
  });

  test('a threshold edited by hand in the page is caught', () => {
    const text = read(ALERTING_DOC);
    const tampered = text.replace('`instance:nodevitals_heap_used:ratio > 0.9`', '`instance:nodevitals_heap_used:ratio > 0.95`');
    expect(tampered).not.toBe(text);
    expect(renderAlertingDoc(tampered)).not.toBe(tampered);
  });
});

describe('docs/cost-and-cardinality.md and docs/fleet.md', () => {
  const cost = read(join(DOCS, 'cost-and-cardinality.md'));
  const fleet = read(join(DOCS, 'fleet.md'));
  const number = (text: string): number => Number(text.replace(/[*,]/g, ''));

  test('the family rows add up to the totals, and fleet.md uses the same per-process figures', () => {
    const rows = tableAfter(cost, '# Control cost and cardinality');
    const families = rows.filter((row) => !row[0].includes('all'));
    const total = rows.find((row) => row[0].includes('all'))!;
    expect(families.map((row) => row[0].replace(/\W/g, ''))).toEqual(['heap', 'GC', 'eventloop', 'activeresources', 'process']);
    expect(families.reduce((sum, row) => sum + number(row[2]), 0)).toBe(number(total[2]));
    expect(families.reduce((sum, row) => sum + number(row[3]), 0)).toBe(number(total[3]));
    const measured = tableAfter(fleet, '## Per process, measured');
    const figure = (label: string): number => number(measured.find((row) => row[0].startsWith(label))![1].split(' ')[0]);
    expect(figure('OTLP data points')).toBe(number(total[3]));
    expect(figure('Prometheus series')).toBe(number(total[2]));
  });

  test('the fleet arithmetic follows from the per-process figures', () => {
    const measured = tableAfter(fleet, '## Per process, measured');
    const figure = (label: string): number => number(measured.find((row) => row[0].startsWith(label))![1].split(' ')[0]);
    const series = figure('Prometheus series');
    const fleetRows = tableAfter(fleet, '## 1,000 and 10,000 processes');
    const seriesRow = fleetRows.find((row) => row[0].startsWith('active series'))!;
    expect([number(seriesRow[2]), number(seriesRow[3])]).toEqual([series * 1000, series * 10_000]);
    const pointsRow = fleetRows.find((row) => row[0].startsWith('data points per second'))!;
    expect(number(pointsRow[2])).toBeCloseTo((figure('OTLP data points') / 60) * 1000, -1);
    const bytesRow = fleetRows.find((row) => row[0].startsWith('OTLP bytes per second, app'))!;
    expect(number(bytesRow[2].replace(' KB', ''))).toBeCloseTo(figure('OTLP bytes per export (protobuf') / 60, 0);
  });

  test('the per-process OTLP figures are close to a fresh measurement with the test receiver (within 30%: Node versions differ in heap spaces)', async () => {
    const measured = tableAfter(fleet, '## Per process, measured');
    const figure = (label: string): number => number(measured.find((row) => row[0].startsWith(label))![1].split(' ')[0]);
    const fresh = await measureOtlp({ label: 'default', exponentialHistograms: false });
    const near = (documented: number, actual: number): boolean => Math.abs(actual - documented) <= 0.3 * documented;
    expect({ points: fresh.dataPoints, near: near(figure('OTLP data points'), fresh.dataPoints) }).toEqual({ points: fresh.dataPoints, near: true });
    expect({ bytes: fresh.bytes, near: near(figure('OTLP bytes per export (protobuf'), fresh.bytes) }).toEqual({ bytes: fresh.bytes, near: true });
    expect({ gzip: fresh.gzipBytes, near: near(figure('OTLP bytes per export, gzipped'), fresh.gzipBytes) }).toEqual({ gzip: fresh.gzipBytes, near: true });
  }, 90_000);
});
