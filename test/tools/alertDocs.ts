/**
 * The alert and recording-rule tables of docs/alerting.md, generated from the
 * rules files so thresholds in the docs cannot drift from what Prometheus runs.
 *
 *   node -r ./scripts/ts-register.cjs test/tools/alertDocs.ts   # rewrite the generated blocks
 *
 * test/docs.test.ts fails when the committed page is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS } from '../helpers/paths';
import { loadRules, type Rule } from '../helpers/rules';

export const ALERTING_DOC = join(DOCS, 'alerting.md');

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
const code = (text: string): string => `\`${oneLine(text).replace(/\|/g, '\\|')}\``;

function condition(rule: Rule): string {
  return `${code(rule.expr)} for ${rule.for ?? '0m'}`;
}

export function alertTable(): string {
  const { alerts } = loadRules();
  const names = [...new Set(alerts.map((rule) => rule.alert as string))];
  const level = (name: string, severity: string): Rule => {
    const rule = alerts.find((candidate) => candidate.alert === name && candidate.labels?.severity === severity);
    if (!rule) throw new Error(`${name} has no ${severity} rule`);
    return rule;
  };
  const rows = names.map((name) => `| \`${name}\` | ${condition(level(name, 'warning'))} | ${condition(level(name, 'critical'))} |`);
  const advice = names.map((name) => {
    const warning = oneLine(level(name, 'warning').annotations?.description ?? '');
    const critical = oneLine(level(name, 'critical').annotations?.description ?? '');
    return `- **${name}**: ${warning}\n  *Critical:* ${critical}`;
  });
  return ['| Alert | Warning | Critical |', '|---|---|---|', ...rows, '', '### What to look at', '', ...advice].join('\n');
}

export function recordingTable(): string {
  const { recording } = loadRules();
  const rows = recording.map((rule) => `| \`${rule.record}\` | ${code(rule.expr)} |`);
  return ['| Recording rule | Expression |', '|---|---|', ...rows].join('\n');
}

const blocks: Record<string, () => string> = { alerts: alertTable, recording: recordingTable };

/** Replaces each `<!-- generated:NAME -->` ... `<!-- /generated:NAME -->` block with fresh content. */
export function renderAlertingDoc(text: string): string {
  let result = text;
  for (const [name, render] of Object.entries(blocks)) {
    const pattern = new RegExp(`(<!-- generated:${name} [^>]*-->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(result)) throw new Error(`docs/alerting.md has no generated:${name} block`);
    result = result.replace(pattern, (_, open: string, close: string) => `${open}\n${render()}\n${close}`);
  }
  return result;
}

if (require.main === module) {
  writeFileSync(ALERTING_DOC, renderAlertingDoc(readFileSync(ALERTING_DOC, 'utf8')));
  console.log(`wrote ${ALERTING_DOC}`);
}
