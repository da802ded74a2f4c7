import { diag, metrics } from '@opentelemetry/api';
import type { HealthTransitionSource } from '../health/HealthTransition.js';
import { CaptureBudget, type CaptureCounts } from './CaptureBudget.js';
import { CaptureCounter } from './CaptureCounter.js';
import { CaptureDirectory } from './CaptureDirectory.js';
import { CpuProfileOnSaturation } from './CpuProfileOnSaturation.js';
import { resolveDiagnosticsOptions, type DiagnosticsOptions } from './DiagnosticsOptions.js';
import { armNearHeapLimit } from './nearHeapLimit.js';

export interface DiagnosticsHandle {
  /** The directory captures go to, resolved. */
  readonly directory: string;
  /** Captures written by this process, armed and skipped so far (also the `nodevitals.diagnostics.captures` series). */
  counts(): CaptureCounts;
  /**
   * Stops listening to transitions, drops a pending CPU profile and stops the
   * sampling heap profiler. A heap snapshot already armed stays armed: V8 has
   * no call to take it back. Safe to call twice.
   */
  stop(): void;
}

/**
 * Diagnostics on threshold, opt-in and bounded: a heap snapshot (and on Node
 * 26 a heap profile) written by V8 when the heap nears its limit, and a CPU
 * profile when `transitions` report event-loop utilization critical for
 * `sustainedSeconds`. Every file goes to one directory, under caps on count
 * and bytes and a rate limit. Throws only for wrong options; anything else
 * (an unwritable directory, a missing API) is logged and skipped.
 */
export function startDiagnostics(options?: DiagnosticsOptions, transitions?: HealthTransitionSource): DiagnosticsHandle {
  const resolved = resolveDiagnosticsOptions(options);
  const directory = new CaptureDirectory(resolved.directory);
  const budget = new CaptureBudget(directory, resolved);
  const undo: Array<() => void> = [];
  let stopped = false;
  const handle: DiagnosticsHandle = {
    directory: resolved.directory,
    counts: () => budget.counts(),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const step of undo.splice(0)) step();
    },
  };
  // Nothing to arm, nothing to create.
  if (resolved.captures.length === 0) return handle;
  try {
    directory.ensure();
  } catch (error) {
    diag.warn(`nodevitals diagnostics: not started: cannot create ${resolved.directory}: ${error instanceof Error ? error.message : String(error)}`);
    return handle;
  }
  try {
    const counter = new CaptureCounter(resolved.meterProvider ?? metrics.getMeterProvider(), resolved.captures, () => budget.counts());
    undo.push(() => counter.stop());
  } catch (error) {
    diag.warn('nodevitals diagnostics: the captures series is not reported', error);
  }
  try {
    for (const kind of ['heap-snapshot', 'heap-profile'] as const) {
      if (!resolved.captures.includes(kind)) continue;
      const disarm = armNearHeapLimit(kind, directory, budget);
      // A snapshot cannot be disarmed (V8 keeps the callback); a heap profile stops with its sampling profiler.
      if (kind === 'heap-snapshot') continue;
      undo.push(() => {
        disarm();
        budget.setArmed(kind, false);
      });
    }
    if (resolved.captures.includes('cpu-profile')) {
      if (transitions) {
        const profiler = new CpuProfileOnSaturation(directory, budget, resolved.sustainedSeconds, resolved.cpuProfileSeconds);
        profiler.start(transitions);
        budget.setArmed('cpu-profile', true);
        undo.push(() => {
          profiler.stop();
          budget.setArmed('cpu-profile', false);
        });
      } else {
        diag.info('nodevitals diagnostics: cpu-profile not armed: it needs the health monitor (a HealthTransitionSource)');
      }
    }
  } catch (error) {
    diag.warn('nodevitals diagnostics: not fully started', error);
  }
  return handle;
}
