import type { CheckName, HealthStatus } from './thresholds.js';

/**
 * One check moving from one status to another: what the change hook
 * receives, what the transition log line says, and what diagnostics react to.
 */
export interface HealthTransition {
  readonly check: CheckName;
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  /** The value that moved it, in the check's unit (THRESHOLDS[check].unit). */
  readonly value: number;
  /** The threshold crossed: the critical one for `critical`, else the warning one. */
  readonly threshold: number;
  /** `Date.now()` when it was seen. */
  readonly atMillis: number;
}

/** Anything that announces transitions: the health monitor, or a test's stand-in. */
export interface HealthTransitionSource {
  /** Calls `listener` on every transition from now on; returns the call that stops it. */
  onTransition(listener: (transition: HealthTransition) => void): () => void;
}
