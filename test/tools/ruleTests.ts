/**
 * Builds collector-config/prometheus/tests/nodevitals-alerts.test.yml from
 * ruleCases.ts, with the description annotations read from the rules file,
 * and nodevitals-alerts-prom-client.test.yml: the same cases with the series
 * under the names of runtimeViews({ naming: 'prom-client' }).
 *
 *   node -r ./scripts/ts-register.cjs test/tools/ruleTests.ts   # rewrite the file
 *   promtool test rules collector-config/prometheus/tests/nodevitals-alerts.test.yml
 *
 * test/prometheusRules.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROMETHEUS_DIR, RULE_FILES } from '../helpers/paths';
import { readYaml, toYaml } from '../helpers/yaml';
import { promClientRenames } from './promClientNaming';
import { ALERT_CASES, JOB, type AlertCase, type Sample } from './ruleCases';

export const RULE_TEST_FILE = join(PROMETHEUS_DIR, 'tests', 'nodevitals-alerts.test.yml');
/** The same cases with the series named as runtimeViews({ naming: 'prom-client' }) serves them. */
export const PROM_CLIENT_RULE_TEST_FILE = join(PROMETHEUS_DIR, 'tests', 'nodevitals-alerts-prom-client.test.yml');
export const RULE_TEST_FILES: Record<'semconv' | 'prom-client', string> = {
  semconv: RULE_TEST_FILE,
  'prom-client': PROM_CLIENT_RULE_TEST_FILE,
};

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

export function alertRules(): AlertRule[] {
  const file = readYaml<{ groups: Array<{ rules: Array<Partial<AlertRule> & { record?: string }> }> }>(RULE_FILES[1]);
  return file.groups.flatMap((group) => group.rules).filter((rule): rule is AlertRule => Boolean(rule.alert));
}

function formatValues(values: Sample[]): string {
  return values.map((value) => (value === null ? '_' : String(value))).join(' ');
}

export function buildRuleTests(naming: 'semconv' | 'prom-client' = 'semconv'): string {
  const rules = alertRules();
  const description = (alert: string, severity: string): string => {
    const rule = rules.find((candidate) => candidate.alert === alert && candidate.labels.severity === severity);
    if (!rule) throw new Error(`no rule ${alert} with severity ${severity}`);
    return rule.annotations.description;
  };
  const renames = promClientRenames();
  const testOf = (alertCase: AlertCase, naming: string, rename: (metric: string) => string) => ({
    name: `${alertCase.alert} (${naming} names): fires for ${[...new Set(alertCase.evals.flatMap((e) => e.firing.map((f) => f.instance)))].join(', ')}; quiet for ${Object.keys(alertCase.quiet).join(', ')}`,
    interval: '1m',
    input_series: alertCase.series.map((series) => {
      const labels = { job: JOB, instance: series.instance, ...series.labels };
      const text = Object.entries(labels)
        .map(([key, value]) => `${key}="${value}"`)
        .join(',');
      return { series: `${rename(series.metric)}{${text}}`, values: formatValues(series.values) };
    }),
    alert_rule_test: alertCase.evals.map((evaluation) => ({
      eval_time: `${evaluation.at}m`,
      alertname: alertCase.alert,
      exp_alerts: evaluation.firing.map((expected) => ({
        exp_labels: { severity: expected.severity, job: JOB, instance: expected.instance },
        exp_annotations: { summary: expected.summary, description: description(alertCase.alert, expected.severity) },
      })),
    })),
  });
  // In prom-client naming, every case whose series that naming renames, with the series renamed: the same
  // alerts must fire, at the same times, with the same summaries.
  const tests =
    naming === 'semconv'
      ? ALERT_CASES.map((alertCase) => testOf(alertCase, 'OpenTelemetry', (metric) => metric))
      : ALERT_CASES.filter((alertCase) => alertCase.series.some((series) => renames.has(series.metric))).map((alertCase) =>
          testOf(alertCase, 'prom-client', (metric) => renames.get(metric) ?? metric),
        );
  const header = [
    '# GENERATED from test/tools/ruleCases.ts by test/tools/ruleTests.ts: edit the cases there, then run',
    '#   node -r ./scripts/ts-register.cjs test/tools/ruleTests.ts',
    `# Run: promtool test rules collector-config/prometheus/tests/${basename(RULE_TEST_FILES[naming])}`,
    '',
  ].join('\n');
  return (
    header +
    toYaml({
      rule_files: ['../rules/nodevitals-recording.yml', '../rules/nodevitals-alerts.yml'],
      evaluation_interval: '30s',
      tests,
    })
  );
}

if (require.main === module) {
  for (const [naming, file] of Object.entries(RULE_TEST_FILES) as Array<['semconv' | 'prom-client', string]>) {
    writeFileSync(file, buildRuleTests(naming));
    console.log(`wrote ${file}`);
  }
}
