import { CHECK_NAMES, THRESHOLDS, type CheckName, type HealthStatus } from './thresholds.js';

/** One check as `/health` shows it. */
export interface CheckReport {
  readonly status: HealthStatus;
  /** In `unit`; null when there is nothing to judge (no data yet, no limit here). */
  readonly value: number | null;
  readonly warning: number;
  readonly critical: number;
  readonly unit: 's' | '1';
  /** What the value is. */
  readonly measures: string;
  /** The window the value describes, for the checks that have one. */
  readonly windowMillis?: number;
  /** Why the value is null, or what else it needs (the growth check's minimum increase). */
  readonly note?: string;
}

/** What `/health` answers: the worst status of the checks it counts, and every check. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly checks: Readonly<Record<CheckName, CheckReport>>;
}

/**
 * `readiness`: any critical check fails it (take the instance out of the
 * load balancer until it recovers). `liveness`: only a critical check that a
 * restart fixes (THRESHOLDS[check].restartFixes) fails it; a saturated loop
 * is a reason to send less traffic, not to kill the process.
 */
export type HealthFlavour = 'readiness' | 'liveness';
export const HEALTH_FLAVOURS: readonly HealthFlavour[] = Object.freeze(['readiness', 'liveness']);

const RANK: Record<HealthStatus, number> = { ok: 0, warning: 1, critical: 2 };

/** The value of `nodevitals.health.status` for a status. */
export function statusNumber(status: HealthStatus): number {
  return RANK[status];
}

export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The overall status of `checks` in one flavour. */
export function overallStatus(checks: Readonly<Record<CheckName, CheckReport>>, flavour: HealthFlavour): HealthStatus {
  let status: HealthStatus = 'ok';
  for (const check of CHECK_NAMES) {
    const own = checks[check].status;
    if (flavour === 'liveness' && own === 'critical' && !THRESHOLDS[check].restartFixes) continue;
    status = worse(status, own);
  }
  return status;
}

/** A value as a person reads it in a log line: seconds, a percentage, or a ratio. */
export function formatValue(check: CheckName, value: number | null): string {
  if (value === null) return 'no value';
  if (THRESHOLDS[check].unit === 's') return `${Number(value.toPrecision(3))} s`;
  if (check === 'activeHandlesGrowth') return `${Number(value.toPrecision(3))}x`;
  return `${Number((value * 100).toPrecision(3))} %`;
}
