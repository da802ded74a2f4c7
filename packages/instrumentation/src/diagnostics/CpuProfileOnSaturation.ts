import { diag } from '@opentelemetry/api';
import type { HealthTransition, HealthTransitionSource } from '../health/HealthTransition.js';
import type { CaptureBudget } from './CaptureBudget.js';
import type { CaptureDirectory } from './CaptureDirectory.js';
import { takeCpuProfile, type CpuProfileRun } from './cpuProfile.js';

const CHECK = 'eventLoopUtilization';

/**
 * One CPU profile per episode of saturation: when event-loop utilization has
 * been critical for `sustainedSeconds` without a break, a profile of
 * `cpuProfileSeconds`, if the caps and the rate limit allow. A burst that
 * recovers before then is not profiled.
 */
export class CpuProfileOnSaturation {
  private unsubscribe: (() => void) | undefined;
  private sustainTimer: NodeJS.Timeout | undefined;
  private profile: CpuProfileRun | undefined;
  private criticalSince: HealthTransition | undefined;
  private stopped = false;

  constructor(
    private readonly directory: CaptureDirectory,
    private readonly budget: CaptureBudget,
    private readonly sustainedSeconds: number,
    private readonly cpuProfileSeconds: number,
  ) {}

  start(transitions: HealthTransitionSource): void {
    this.unsubscribe = transitions.onTransition((transition) => {
      // The source is the health monitor: nothing here may throw into it.
      try {
        this.onTransition(transition);
      } catch (error) {
        diag.debug('nodevitals diagnostics: transition not handled', error);
      }
    });
  }

  /** Forgets the source, drops a pending wait, and discards a profile under way. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearSustainTimer();
    this.profile?.cancel();
    this.profile = undefined;
  }

  private onTransition(transition: HealthTransition): void {
    if (this.stopped || transition.check !== CHECK) return;
    if (transition.to !== 'critical') {
      this.criticalSince = undefined;
      this.clearSustainTimer();
      return;
    }
    if (this.criticalSince) return;
    this.criticalSince = transition;
    this.sustainTimer = setTimeout(() => {
      this.sustainTimer = undefined;
      void this.capture(transition);
    }, this.sustainedSeconds * 1000);
    this.sustainTimer.unref();
  }

  private clearSustainTimer(): void {
    if (this.sustainTimer) clearTimeout(this.sustainTimer);
    this.sustainTimer = undefined;
  }

  private async capture(cause: HealthTransition): Promise<void> {
    if (this.stopped || this.profile) return;
    const refusal = this.budget.refusal(0);
    if (refusal) {
      this.budget.recordSkip('cpu-profile', refusal.reason, refusal.detail);
      return;
    }
    let run: CpuProfileRun | undefined;
    try {
      run = this.profile = takeCpuProfile(this.cpuProfileSeconds * 1000);
      const json = await run.done;
      if (json === undefined || this.stopped) return;
      const bytes = Buffer.byteLength(json);
      // The size is known now, before a byte is written: the byte cap holds exactly.
      const late = this.budget.refusal(bytes, { rate: false });
      if (late) {
        this.budget.recordSkip('cpu-profile', late.reason, late.detail);
        return;
      }
      const file = await this.directory.write(this.directory.nextCpuProfileName(), json);
      this.budget.recordCapture(
        'cpu-profile',
        file,
        bytes,
        `event-loop utilization was critical (${cause.value.toFixed(2)} >= ${cause.threshold}) for ${this.sustainedSeconds} s; ${this.cpuProfileSeconds} s profiled`,
      );
    } catch (error) {
      // No inspector in this build, a full disk, a directory removed: one line, and the host runs on.
      this.budget.recordFailure('cpu-profile', error);
    } finally {
      if (this.profile === run) this.profile = undefined;
    }
  }
}
