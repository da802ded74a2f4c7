/**
 * One table of thresholds (issue 13): the shipped alert rules use exactly the
 * warning and critical numbers health judges by, so a team's alerts and its
 * probes agree. Changing a number in one place and not the other fails here.
 */
import { CHECK_NAMES, THRESHOLDS } from '../packages/instrumentation/src/health/thresholds';
import { readFileSync } from 'node:fs';
import { loadRules, type Rule } from './helpers/rules';
import { HEALTH_DOC, renderHealthDoc } from './tools/healthDoc';

/** Every number an expression compares a value to with `>` or `>=`, in order. */
function comparedTo(expr: string): number[] {
  return [...expr.matchAll(/>=?\s*(\d+(?:\.\d+)?)/g)].map((match) => Number(match[1]));
}

describe('the alert rules and health read one table', () => {
  const { alerts } = loadRules();
  const level = (alert: string, severity: string): Rule | undefined =>
    alerts.find((rule) => rule.alert === alert && rule.labels?.severity === severity);

  it.each(CHECK_NAMES.map((check) => [check, THRESHOLDS[check].alert]))('%s: %s compares at the warning and critical numbers of the table', (check, alert) => {
    const entry = THRESHOLDS[check];
    for (const severity of ['warning', 'critical'] as const) {
      const rule = level(alert, severity);
      expect({ alert, severity, exists: rule !== undefined }).toEqual({ alert, severity, exists: true });
      const numbers = comparedTo(rule!.expr);
      // The first comparison is the threshold; a growth alert's second is the table's minimum increase.
      expect({ alert, severity, threshold: numbers[0] }).toEqual({ alert, severity, threshold: entry[severity] });
      if (entry.minimumIncrease) {
        expect({ alert, severity, minimumIncrease: numbers[1] }).toEqual({ alert, severity, minimumIncrease: entry.minimumIncrease[severity] });
      }
    }
  });

  it('reads what it checks: a changed number is noticed', () => {
    const rule = level(THRESHOLDS.heapUsed.alert, 'critical')!;
    expect(comparedTo(rule.expr.replace(String(THRESHOLDS.heapUsed.critical), '0.93'))[0]).not.toBe(THRESHOLDS.heapUsed.critical);
  });
});

test('docs/health.md prints the defaults and reasons of the table (run test/tools/healthDoc.ts after changing it)', () => {
  const page = readFileSync(HEALTH_DOC, 'utf8');
  expect(page).toBe(renderHealthDoc(page));
  for (const check of CHECK_NAMES) expect(page).toContain(THRESHOLDS[check].reason);
});
