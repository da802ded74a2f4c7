import { readFileSync } from 'node:fs';
import type { PrometheusServer } from '../../packages/exporter-presets/test/helpers/prometheusServer';
import { DASHBOARD } from '../helpers/paths';
import { metricNamesIn, substituteGrafanaVariables as substituteVariables } from '../helpers/promql';

export interface DashboardQuery {
  /** Where the expression lives, for failure messages: `panel "CPU" target A`, `variable instance`. */
  where: string;
  /** The expression as written in the JSON, Grafana variables included. */
  raw: string;
  /** Valid PromQL: variables substituted, `label_values(sel, label)` reduced to `sel`. */
  promql: string;
}

export interface DashboardPanel {
  title: string;
  type: string;
  /** Title of the row the panel sits under ('' above the first row). */
  row: string;
  targets: Target[];
}

export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
}

type RawPanel = { title?: string; type?: string; panels?: RawPanel[]; targets?: Target[] };

export function loadDashboard(path = DASHBOARD): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Every panel with the row it belongs to. Grafana stores an expanded row's
 * panels after the row at the top level, and a collapsed row's inside
 * `row.panels`; both count.
 */
export function panelsOf(dashboard: any): DashboardPanel[] {
  const panels: DashboardPanel[] = [];
  let row = '';
  const add = (panel: RawPanel, rowTitle: string): void => {
    panels.push({ title: panel.title ?? '', type: panel.type ?? '', row: rowTitle, targets: panel.targets ?? [] });
  };
  for (const panel of (dashboard.panels ?? []) as RawPanel[]) {
    if (panel.type === 'row') {
      row = panel.title ?? '';
      for (const inner of panel.panels ?? []) add(inner, row);
    } else {
      add(panel, row);
    }
  }
  return panels;
}

export function rowTitles(dashboard: any): string[] {
  return ((dashboard.panels ?? []) as RawPanel[]).filter((panel) => panel.type === 'row').map((panel) => panel.title ?? '');
}

/** `label_values(selector, label)` asks for label values of a series selector; the selector is the PromQL. */
function variableQueryToPromql(query: string): string {
  const labelValues = query.match(/^\s*label_values\(\s*(.+?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$/s);
  if (labelValues) return labelValues[1];
  const queryResult = query.match(/^\s*query_result\(\s*(.+)\s*\)\s*$/s);
  if (queryResult) return queryResult[1];
  return query;
}

/** Every PromQL expression of the dashboard: panel targets and query variables. */
export function dashboardQueries(dashboard: any): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets) {
      if (typeof target.expr !== 'string') continue;
      queries.push({
        where: `panel "${panel.title}" target ${target.refId ?? '?'}`,
        raw: target.expr,
        promql: substituteVariables(target.expr),
      });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const raw: string = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (typeof raw !== 'string') continue;
    queries.push({ where: `variable ${variable.name}`, raw, promql: substituteVariables(variableQueryToPromql(raw)) });
  }
  return queries;
}

/** The labels a legend template prints: `{{instance}} {{v8js_gc_type}}` -> instance, v8js_gc_type. */
export function legendLabels(legendFormat: string | undefined): string[] {
  return [...(legendFormat ?? '').matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}/g)].map((match) => match[1]);
}

/**
 * Where the dashboard would show an empty panel: the queries that still
 * return no series in `prometheus` after polling for up to `timeoutMillis`.
 */
export async function emptyQueries(prometheus: PrometheusServer, queries: DashboardQuery[], timeoutMillis: number): Promise<string[]> {
  let empty: string[] = [];
  await prometheus
    .poll(
      async () => {
        empty = [];
        for (const query of queries) {
          if ((await prometheus.query(query.promql)).length === 0) empty.push(query.where);
        }
        return empty.length === 0;
      },
      timeoutMillis,
      'every dashboard query to return series',
    )
    .catch(() => undefined);
  return empty;
}

/** One series selector of an expression: the metric name and its matchers as written (`''` without braces). */
export interface Selector {
  name: string;
  matchers: string;
}

/** Every series selector of an expression: each occurrence of each metric name it reads, with its `{...}`. */
export function selectorsOf(expr: string): Selector[] {
  const selectors: Selector[] = [];
  for (const name of metricNamesIn(expr)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const match of expr.matchAll(new RegExp(`(?<![\\w:"])${escaped}(?![\\w:])\\s*(\\{[^}]*\\})?`, 'g'))) {
      selectors.push({ name, matchers: match[1] ?? '' });
    }
  }
  return selectors;
}

/**
 * The selectors of an expression that ignore the dashboard's Job or Instance
 * selector: each one must match `job=~"$job"` and `instance=~"$instance"`, or
 * its line shows processes the user did not pick.
 */
export function selectorsIgnoringSelection(expr: string): Selector[] {
  return selectorsOf(expr).filter(
    (selector) => !/\bjob=~"\$job"/.test(selector.matchers) || !/\binstance=~"\$instance"/.test(selector.matchers),
  );
}
