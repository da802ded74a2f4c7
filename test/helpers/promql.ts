/**
 * Grafana's built-in and dashboard variables, replaced by values that keep an
 * expression valid PromQL: intervals by durations, every other variable
 * (`$job`, `${instance}`, `[[pod]]`, `${job:regex}`) by a regex matching anything.
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\[\[__rate_interval\]\]/g, '5m')
    .replace(/\$__interval|\$\{__interval\}|\[\[__interval\]\]/g, '1m')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$\{\w+(?::\w+)?\}|\[\[\w+\]\]|\$\w+/g, '.+');
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric names an expression selects: identifiers that are not functions,
 * keywords, label names (grouping clauses, matchers) or strings.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const token = match[0];
    const rest = stripped.slice((match.index ?? 0) + token.length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(token.toLowerCase())) continue;
    const before = stripped.slice(0, match.index);
    if (/[0-9.]$/.test(before)) continue; // 1e3, 0.5e-2
    names.add(token);
  }
  return [...names];
}
