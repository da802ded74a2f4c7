/**
 * The table of checks in docs/health.md, generated from the thresholds table
 * so the defaults and their reasons in the docs are the code's.
 *
 *   node -r ./scripts/ts-register.cjs test/tools/healthDoc.ts   # rewrite the generated block
 *
 * test/thresholds.test.ts fails when the committed page is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS } from '../helpers/paths';
import { CHECK_NAMES, THRESHOLDS } from '../../packages/instrumentation/src/health/thresholds';
import { thresholdVariable } from '../../packages/exporter-presets/src/internal/healthEnvironment';

export const HEALTH_DOC = join(DOCS, 'health.md');

const shown = (check: (typeof CHECK_NAMES)[number], value: number): string =>
  THRESHOLDS[check].unit === 's' ? `${value * 1000} ms` : check === 'activeHandlesGrowth' ? `${value}x` : `${value * 100} %`;

export function checksTable(): string {
  const rows = CHECK_NAMES.map((check) => {
    const entry = THRESHOLDS[check];
    const increase = entry.minimumIncrease;
    const levels = (level: 'warning' | 'critical') =>
      `${shown(check, entry[level])}${increase ? ` and +${increase[level]}` : ''}<br>\`${thresholdVariable(check, level)}\``;
    return `| \`${check}\` | ${entry.measures} | ${levels('warning')} | ${levels('critical')} | ${entry.restartFixes ? 'yes' : 'no'} | \`${entry.alert}\` | ${entry.reason} |`;
  });
  return [
    '| Check | Value | Warning (variable) | Critical (variable) | Fails liveness | Alert | Why these defaults |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Replaces the `<!-- generated:checks -->` ... `<!-- /generated:checks -->` block. */
export function renderHealthDoc(text: string): string {
  const pattern = /(<!-- generated:checks [^>]*-->)[\s\S]*?(<!-- \/generated:checks -->)/;
  if (!pattern.test(text)) throw new Error('docs/health.md has no generated:checks block');
  return text.replace(pattern, (_, open: string, close: string) => `${open}\n${checksTable()}\n${close}`);
}

if (require.main === module) {
  writeFileSync(HEALTH_DOC, renderHealthDoc(readFileSync(HEALTH_DOC, 'utf8')));
  console.log(`wrote ${HEALTH_DOC}`);
}
