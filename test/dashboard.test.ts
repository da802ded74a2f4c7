/**
 * collector-config/grafana/nodevitals-runtime.json: every PromQL expression
 * (panel targets and variable queries) parses in promtool, every metric it
 * reads is in a real scrape of the Prometheus preset (recording rules
 * followed to the raw series), every label a legend prints exists, each
 * metric family has its row, the JSON imports cleanly (datasource variable,
 * no overlapping panels), and every query returns series in a real
 * Prometheus that scrapes the preset with the rules loaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAll } from './helpers/children';
import { promtool, type ToolResult } from './helpers/promtool';
import { loadRules, rawMetricNames } from './helpers/rules';
import { NAMINGS, scrapePresetInEveryNaming, servedOnEitherPath, type Scrape } from './helpers/scrape';
import { toYaml } from './helpers/yaml';
import { METRICS, type MetricDefinition } from '../packages/instrumentation/src/catalog';
import { prometheusNameOf } from '../scripts/metrics-doc';
import { measureWorkerScrape } from './tools/workerScrape';
import { familyOf, type FamilyName } from './tools/catalogNames';
import { promClientRenames } from './tools/promClientNaming';
import { usePresetScrapedWithRules } from './tools/prometheusWithRules';
import {
  dashboardQueries,
  emptyQueries,
  legendLabels,
  loadDashboard,
  panelsOf,
  rowTitles,
  selectorsIgnoringSelection,
  selectorsOf,
  type DashboardQuery,
} from './tools/dashboard';

afterAll(stopAll);

/** One recording rule per expression: `promtool check rules` then parses each one and names the broken ones. */
function checkParses(queries: DashboardQuery[]): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'nodevitals-dashboard-'));
  try {
    const file = join(dir, 'dashboard-expressions.yml');
    const rules = queries.map((query, index) => ({ record: `dashboard:expression_${index}:check`, expr: query.promql }));
    writeFileSync(file, toYaml({ groups: [{ name: 'dashboard', rules }] }));
    return promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dashboard = loadDashboard();
const queries = dashboardQueries(dashboard);
const { recording } = loadRules();

/**
 * Series the example app's default scrape cannot have: opt-in ones (the workers family), the container
 * memory limit (only under a real limit) and allocated bytes (Node 26+). Panels read them for those who
 * have them; for these the checks against the default scrape ask only for the preset's name of a catalog
 * entry, and the worker panels are checked against a real scrape of a process running workers (below).
 */
const NOT_IN_A_DEFAULT_SCRAPE: ReadonlySet<string> = new Set(
  (Object.values(METRICS) as MetricDefinition[])
    .filter((metric) => metric.optIn || metric === METRICS.memoryLimit || metric === METRICS.heapAllocated)
    .map((metric) => prometheusNameOf(metric)),
);
const readsOnlyDefaultSeries = (promql: string): boolean =>
  rawMetricNames(promql, recording).every((name) => !NOT_IN_A_DEFAULT_SCRAPE.has(name));

describe('Grafana dashboard', () => {
  test('the extraction finds every target of every panel and the variable queries', () => {
    const panels = panelsOf(dashboard).filter((panel) => panel.type !== 'row');
    const targets = panels.flatMap((panel) => panel.targets);
    expect(panels.length).toBeGreaterThanOrEqual(15);
    expect(targets.every((target) => typeof target.expr === 'string' && target.expr.trim() !== '')).toBe(true);
    expect(queries.filter((query) => query.where.startsWith('panel'))).toHaveLength(targets.length);
    expect(queries.filter((query) => query.where.startsWith('variable')).map((query) => query.where)).toEqual([
      'variable job',
      'variable instance',
    ]);
    // No Grafana variable survives the substitution.
    expect(queries.filter((query) => query.promql.includes('$'))).toEqual([]);
  });

  test('every expression parses (promtool check rules)', () => {
    const result = checkParses(queries);
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(result.code).toBe(0);
  });

  test('a broken expression makes the parse check fail (the check is not vacuous)', () => {
    const broken = structuredClone(dashboard);
    const panel = broken.panels.find((candidate: { targets?: unknown[] }) => candidate.targets?.length);
    panel.targets[0].expr = `rate(${panel.targets[0].expr}[$__rate_interval]`; // unbalanced parenthesis
    const result = checkParses(dashboardQueries(broken));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/parse error|unclosed|unexpected/i);
  });

  test('a row per family: event loop, heap, GC, active resources, process, workers', () => {
    const rows = rowTitles(dashboard);
    const expected: Array<[FamilyName, RegExp]> = [
      ['eventLoop', /event.?loop/i],
      ['heap', /heap/i],
      ['gc', /garbage|\bgc\b/i],
      ['resources', /resource/i],
      ['process', /process/i],
      ['workers', /worker/i],
    ];
    for (const [family, title] of expected) {
      const row = rows.find((candidate) => title.test(candidate));
      expect({ family, row }).toEqual({ family, row: expect.any(String) });
      // The row shows metrics of its family, not just a title.
      const families = panelsOf(dashboard)
        .filter((panel) => panel.row === row)
        .flatMap((panel) => panel.targets)
        .flatMap((target) => rawMetricNames(target.expr ?? '', recording))
        .map(familyOf);
      expect({ family, shows: families.includes(family) }).toEqual({ family, shows: true });
    }
  });

  test('every series selector of every panel honours the Job and Instance selectors (no line shows processes not picked)', () => {
    const panels = panelsOf(dashboard).filter((panel) => panel.type !== 'row');
    const ignoring = panels.flatMap((panel) =>
      panel.targets.flatMap((target) =>
        selectorsIgnoringSelection(target.expr ?? '').map((selector) => `${panel.title} ${target.refId}: ${selector.name}${selector.matchers}`),
      ),
    );
    expect(ignoring).toEqual([]);
  });

  test('the selection check catches a line that ignores $instance (as the per-job p99 once did)', () => {
    expect(selectorsIgnoringSelection('job:nodevitals_eventloop_delay_seconds:p99_rate5m{job=~"$job"}')).toEqual([
      { name: 'job:nodevitals_eventloop_delay_seconds:p99_rate5m', matchers: '{job=~"$job"}' },
    ]);
    expect(selectorsIgnoringSelection('sum(rate(a_total[5m])) / sum(rate(b_total{job=~"$job", instance=~"$instance"}[5m]))')).toEqual([
      { name: 'a_total', matchers: '' },
    ]);
    expect(selectorsIgnoringSelection('rate(a_total{instance=~"$instance", job=~"$job"}[5m]) or rate(b_total{job=~"$job",instance=~"$instance"}[5m])')).toEqual([]);
  });

  test('recording rules the dashboard reads exist in the rules files', () => {
    const recordNames = new Set(recording.map((rule) => rule.record));
    const used = queries.flatMap((query) => rawMetricNames(query.promql, []).filter((name) => name.includes(':')));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !recordNames.has(name))).toEqual([]);
  });

  test('imports anywhere: every panel and target uses the Data source variable, which selects Prometheus', () => {
    const variable = dashboard.templating.list.find((candidate: { name: string }) => candidate.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const wrong: string[] = [];
    for (const panel of dashboard.panels.flatMap((candidate: any) => [candidate, ...(candidate.panels ?? [])])) {
      if (panel.type === 'row') continue;
      for (const holder of [panel, ...(panel.targets ?? [])]) {
        if (holder.datasource?.uid !== '${datasource}') wrong.push(`${panel.title}: ${JSON.stringify(holder.datasource)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('no two panels overlap on the grid (Grafana would shuffle them)', () => {
    type Box = { title: string; x: number; y: number; w: number; h: number };
    const boxes: Box[] = dashboard.panels.map((panel: any) => ({ title: panel.title, ...panel.gridPos }));
    const overlaps: string[] = [];
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.title} / ${b.title}`);
      }),
    );
    expect(boxes.every((box) => box.x + box.w <= 24)).toBe(true);
    expect(overlaps).toEqual([]);
  });

  test('a count drawn beside durations gets its own unit (restarts are not seconds)', () => {
    const uptime = panelsOf(dashboard).find((panel) => panel.title === 'Uptime and restarts')!;
    const resets = uptime.targets.find((target) => target.expr?.startsWith('resets('))!;
    const raw = dashboard.panels.find((panel: { title: string }) => panel.title === uptime.title);
    const override = raw.fieldConfig.overrides.find(
      (candidate: { matcher: { id: string; options: string } }) => candidate.matcher.id === 'byFrameRefID' && candidate.matcher.options === resets.refId,
    );
    expect(raw.fieldConfig.defaults.unit).toBe('s');
    expect(override?.properties).toContainEqual({ id: 'unit', value: 'short' });
  });

  test('no query reads a _value-suffixed series directly (the Collector exporter names it without; recording rules take both)', () => {
    const direct = queries.filter((query) => rawMetricNames(query.promql, []).some((name) => name.endsWith('_value')));
    expect(direct.map((query) => query.where)).toEqual([]);
  });

  test("every metric runtimeViews({ naming: 'prom-client' }) renames is read under both names, with the same matchers", () => {
    const renames = promClientRenames();
    const missing = panelsOf(dashboard).flatMap((panel) =>
      panel.targets.flatMap((target) => {
        const selectors = selectorsOf(target.expr ?? '');
        return selectors
          .filter((selector) => renames.has(selector.name))
          .filter((selector) => !selectors.some((other) => other.name === renames.get(selector.name) && other.matchers === selector.matchers))
          .map((selector) => `${panel.title} ${target.refId}: ${selector.name} without ${renames.get(selector.name)}`);
      }),
    );
    expect(missing).toEqual([]);
  });

  describe('against a real scrape of the Prometheus preset in each naming', () => {
    let scrape: Scrape;
    beforeAll(async () => {
      scrape = await scrapePresetInEveryNaming();
    }, 150_000);

    test('every metric an expression reads is in the scrape of one naming or the other (or a catalog series a default scrape lacks)', () => {
      const missing = queries
        .flatMap((query) => rawMetricNames(query.promql, recording).map((name) => ({ where: query.where, name })))
        .filter(({ name }) => !servedOnEitherPath(scrape, name) && !NOT_IN_A_DEFAULT_SCRAPE.has(name));
      expect(missing).toEqual([]);
    });

    test('every label a legend prints exists on the scraped series (job and instance come from Prometheus)', () => {
      const labels = new Set(['job', 'instance', ...[...scrape.text.matchAll(/[{,]([a-zA-Z_]\w*)="/g)].map((match) => match[1])]);
      const missing = panelsOf(dashboard)
        .flatMap((panel) =>
          panel.targets
            .filter((target) => readsOnlyDefaultSeries(target.expr ?? ''))
            .flatMap((target) => legendLabels(target.legendFormat).map((label) => ({ panel: panel.title, label }))),
        )
        .filter(({ label }) => !labels.has(label));
      expect(missing).toEqual([]);
    });

    test('the metric check catches a name the preset does not serve', () => {
      const wrong = rawMetricNames('rate(nodejs_gc_pause_seconds_sum[5m])', recording);
      expect(wrong.filter((name) => !scrape.names.has(name))).toEqual(['nodejs_gc_pause_seconds_sum']);
    });
  });

  describe('the worker-thread panels against a real scrape of a process with workers: true and two workers running', () => {
    const workerPanels = panelsOf(dashboard).filter((panel) => panel.row === 'Worker threads');
    let scrape: Scrape;
    beforeAll(async () => {
      scrape = await measureWorkerScrape(2);
    }, 60_000);

    test('every metric the worker panels read is served, and every label their legends print exists', () => {
      expect(workerPanels.length).toBeGreaterThanOrEqual(3);
      const targets = workerPanels.flatMap((panel) => panel.targets);
      const names = targets.flatMap((target) => rawMetricNames(target.expr ?? '', recording));
      expect(names.filter((name) => !scrape.names.has(name))).toEqual([]);
      const labels = new Set(['job', 'instance', ...[...scrape.text.matchAll(/[{,]([a-zA-Z_]\w*)="/g)].map((match) => match[1])]);
      expect(targets.flatMap((target) => legendLabels(target.legendFormat)).filter((label) => !labels.has(label))).toEqual([]);
      // Two workers: two thread ids on each per-worker series.
      expect(new Set([...scrape.text.matchAll(/nodejs_worker_heap_limit_bytes\{[^}]*thread_id="(\d+)"/g)].map((match) => match[1])).size).toBe(2);
    });
  });

  describe.each(NAMINGS)('in a real Prometheus scraping the preset in %s naming, with the rules loaded', (naming) => {
    const prometheus = usePresetScrapedWithRules(naming);

    test('every panel query and variable query returns series (no empty panel; a query of a series a default scrape lacks may be empty)', async () => {
      expect(await emptyQueries(prometheus, queries.filter((query) => readsOnlyDefaultSeries(query.promql)), 60_000)).toEqual([]);
    }, 90_000);
  });
});

