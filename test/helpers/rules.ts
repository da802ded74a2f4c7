import { RULE_FILES } from './paths';
import { readYaml } from './yaml';
import { metricNamesIn } from './promql';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadRules(): { recording: Rule[]; alerts: Rule[] } {
  const rulesOf = (path: string): Rule[] =>
    readYaml<{ groups: Array<{ rules: Rule[] }> }>(path).groups.flatMap((group) => group.rules);
  return { recording: rulesOf(RULE_FILES[0]), alerts: rulesOf(RULE_FILES[1]) };
}

/**
 * The scraped metric names an expression needs, following recording rules
 * down to the raw series they are computed from.
 */
export function rawMetricNames(expr: string, recording: Rule[] = loadRules().recording): string[] {
  const raw = new Set<string>();
  const visit = (text: string, depth: number): void => {
    for (const name of metricNamesIn(text)) {
      const rule = recording.find((candidate) => candidate.record === name);
      if (rule && depth < 10) visit(rule.expr, depth + 1);
      else raw.add(name);
    }
  };
  visit(expr, 0);
  return [...raw];
}
