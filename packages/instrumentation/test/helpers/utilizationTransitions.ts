import { performance } from 'node:perf_hooks';
import type { HealthTransition, HealthTransitionSource } from '../../src/health/HealthTransition';
import { THRESHOLDS } from '../../src/health/thresholds';

/**
 * A stand-in for the health monitor's eventLoopUtilization check, driven by a
 * real measurement: every `periodMillis` it reads the loop's utilization over
 * the last period and announces a transition when its status changes, with
 * the shipped thresholds. Its timer is unref'd, like the monitor's.
 */
export class UtilizationTransitions implements HealthTransitionSource {
  private readonly listeners = new Set<(transition: HealthTransition) => void>();
  private status: HealthTransition['to'] = 'ok';
  private last = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout;
  readonly announced: HealthTransition[] = [];

  constructor(periodMillis = 250) {
    this.timer = setInterval(() => this.measure(), periodMillis);
    this.timer.unref();
  }

  onTransition(listener: (transition: HealthTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private measure(): void {
    const now = performance.eventLoopUtilization();
    const value = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
    const { warning, critical } = THRESHOLDS.eventLoopUtilization;
    const to = value >= critical ? 'critical' : value >= warning ? 'warning' : 'ok';
    if (to === this.status) return;
    const transition: HealthTransition = {
      check: 'eventLoopUtilization',
      from: this.status,
      to,
      value,
      threshold: to === 'critical' ? critical : warning,
      atMillis: Date.now(),
    };
    this.status = to;
    this.announced.push(transition);
    for (const listener of this.listeners) listener(transition);
  }
}
