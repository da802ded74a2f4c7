import { diag, metrics, type Attributes, type DiagLogger, type ObservableGauge, type ObservableResult } from '@opentelemetry/api';
import type { HeapInfo } from 'node:v8';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import type { FileDescriptorCounter } from '../internal/FileDescriptorCounter.js';
import { readBuckets } from '../internal/IterationDelaySampler.js';
import { realMemoryLimit } from '../internal/memoryLimit.js';
import { oldGenerationLimitBytes, oldGenerationUsedBytes } from '../internal/oldGeneration.js';
import { attempt } from '../internal/safeObserve.js';
import { nodeRuntime, type GcEntry, type IterationHistogram, type RuntimeSources, type TimerHandle } from '../runtime.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { HandleFloors } from './HandleFloors.js';
import { resolveHealthOptions, type HealthMonitorOptions, type ResolvedHealthOptions } from './HealthOptions.js';
import {
  formatValue,
  overallStatus,
  statusNumber,
  type CheckReport,
  type HealthFlavour,
  type HealthReport,
} from './HealthReport.js';
import type { HealthTransition, HealthTransitionSource } from './HealthTransition.js';
import { HealthWindow, type WindowSummary } from './HealthWindow.js';
import { CHECK_NAMES, THRESHOLDS, type CheckName, type HealthStatus } from './thresholds.js';

/**
 * Where the runtime has no per-iteration histogram, Node's native timer
 * samples the loop this often. Coarser than the metrics' 10 ms: it wakes an
 * idle loop 20 times a second, not 100, and a stall shorter than this is far
 * below any threshold of the table anyway.
 */
const FALLBACK_RESOLUTION_MILLIS = 50;
/** A cgroup file read; the limit changes only when the container is resized in place. */
const LIMIT_REREAD_MILLIS = 60_000;
/**
 * A check leaves a level only once its value is this much below that level's
 * threshold: a value hovering at a threshold would otherwise log a line and
 * flip readiness at every evaluation.
 */
const HYSTERESIS = 0.05;
const WINDOW_CHECKS: ReadonlySet<CheckName> = new Set(['eventLoopDelay', 'eventLoopUtilization', 'gcTimeShare', 'gcPause']);

interface Reading {
  value: number | undefined;
  note?: string;
  /** The growth check's increase in handles, which must also pass the table's minimum. */
  increase?: number;
}

/**
 * The seed's continuous monitor as a library: every check of the thresholds
 * table (THRESHOLDS) evaluated on an unref'd timer, each runtime API read once
 * per evaluation, a status per check (the worst is the overall status), one
 * log line per transition, a change hook for load shedding, and the
 * `nodevitals.health.status` series. `/health` and `healthHandler()` in
 * @nodevitals/exporter-presets serve `report()`.
 *
 * Between evaluations it does no work of its own but what Node does natively:
 * a per-iteration (or, on older runtimes, 50 ms timer) delay histogram and a
 * `gc` PerformanceObserver, whose entries are summed as they arrive.
 */
export class HealthMonitor implements HealthTransitionSource {
  private readonly options: ResolvedHealthOptions;
  private readonly window: HealthWindow;
  private readonly floors = new HandleFloors();
  private readonly listeners = new Set<(transition: HealthTransition) => void>();
  private readonly statuses = {} as Record<CheckName, HealthStatus>;
  private readonly checks = {} as Record<CheckName, CheckReport>;
  private readonly attributes = {} as Record<CheckName, Attributes>;
  private timer: TimerHandle | undefined;
  private histogram: IterationHistogram | undefined;
  private cancelFirstReset: (() => void) | undefined;
  private unobserveGc: (() => void) | undefined;
  private descriptors: FileDescriptorCounter | undefined;
  private descriptorLimit: number | undefined;
  /** The configured old-generation maximum (flags, resourceLimits): fixed for the thread's life. */
  private configuredOldGeneration: number | undefined;
  private memoryLimit: { bytes: number | undefined; readAt: number } | undefined;
  private gauge: ObservableGauge | undefined;

  /** A wrong option throws here, naming the field and value. `runtime` and `logger` are for tests. */
  constructor(
    options?: HealthMonitorOptions,
    private readonly runtime: RuntimeSources = nodeRuntime(),
    private readonly logger: DiagLogger = diag.createComponentLogger({ namespace: PACKAGE_NAME }),
  ) {
    this.options = resolveHealthOptions(options);
    this.window = new HealthWindow(Math.ceil(this.options.windowMillis / this.options.intervalMillis));
    for (const check of CHECK_NAMES) {
      this.statuses[check] = 'ok';
      this.checks[check] = this.checkReport(check, { value: undefined, note: 'not evaluated yet' }, 'ok');
      this.attributes[check] = Object.freeze({ [ATTRIBUTES.healthCheck]: check });
    }
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** The worst status of every check at the last evaluation. */
  get status(): HealthStatus {
    return overallStatus(this.checks, 'readiness');
  }

  /** Milliseconds between evaluations: how soon an answer can change (`Retry-After`). */
  get intervalMillis(): number {
    return this.options.intervalMillis;
  }

  /** The window the loop and GC checks describe, in milliseconds. */
  get windowMillis(): number {
    return this.options.windowMillis;
  }

  /** Every check at the last evaluation, and the status of `flavour` (default readiness). */
  report(flavour: HealthFlavour = 'readiness'): HealthReport {
    return { status: overallStatus(this.checks, flavour), checks: { ...this.checks } };
  }

  onTransition(listener: (transition: HealthTransition) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Starts evaluating (once now, then every `intervalMillis`). Never throws; safe to call twice. */
  start(): void {
    if (this.timer) return;
    try {
      this.startSources();
      this.timer = this.runtime.setRepeatingTimer(this.tick, this.options.intervalMillis);
      this.evaluate();
    } catch (error) {
      this.logger.warn('health monitor failed to start', error);
      this.stop();
    }
  }

  /** Undoes `start()`: timer, histogram, observer, descriptor and metric callback released. Safe to call twice. */
  stop(): void {
    try {
      if (this.timer) this.runtime.clearTimer(this.timer);
      this.timer = undefined;
      this.cancelFirstReset?.();
      this.cancelFirstReset = undefined;
      this.histogram?.disable();
      this.unobserveGc?.();
      this.unobserveGc = undefined;
      this.descriptors?.close();
      this.descriptors = undefined;
      this.gauge?.removeCallback(this.observeStatus);
      this.gauge = undefined;
    } catch (error) {
      this.logger.debug('health monitor did not stop cleanly', error);
    }
  }

  private startSources(): void {
    const { runtime } = this;
    const at = runtime.now();
    this.window.open(at, this.idleMillis());
    this.floors.reset();
    // A new run judges afresh: its first evaluation announces what it finds.
    for (const check of CHECK_NAMES) this.statuses[check] = 'ok';
    this.histogram ??= runtime.iterationHistogram?.() ?? runtime.timerDelayHistogram?.(FALLBACK_RESOLUTION_MILLIS);
    const histogram = this.histogram;
    histogram?.reset();
    histogram?.enable();
    // Judged from the first turn of the loop on. Started from a preload, what
    // runs before it (the application's own module loading) is start-up, not
    // a loop that stalls or saturates: it would read as a late first timer
    // sample and a busy window; and a first per-iteration sample spans the
    // idle wait since enable() (see IterationDelaySampler).
    this.cancelFirstReset = runtime.onCheckPhase?.(() => {
      this.cancelFirstReset = undefined;
      histogram?.reset();
      this.window.open(runtime.now(), this.idleMillis());
    });
    this.unobserveGc = runtime.observeGc?.(this.recordGc);
    this.descriptors = attempt(runtime.fileDescriptorCounter);
    const limit = attempt(runtime.fileDescriptorLimit);
    this.descriptorLimit = limit !== undefined && limit > 0 ? limit : undefined;
    this.memoryLimit = undefined;
    this.configuredOldGeneration = attempt(runtime.configuredOldGeneration);
    const provider = this.options.meterProvider ?? metrics.getMeterProvider();
    const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
    this.gauge = meter.createObservableGauge(METRICS.healthStatus.name, {
      description: METRICS.healthStatus.description,
      unit: METRICS.healthStatus.unit,
    });
    this.gauge.addCallback(this.observeStatus);
  }

  private readonly observeStatus = (result: ObservableResult): void => {
    for (const check of CHECK_NAMES) result.observe(statusNumber(this.statuses[check]), this.attributes[check]);
  };

  private readonly recordGc = (entries: readonly GcEntry[]): void => {
    const pauses = this.window.slot.gcPauses;
    for (const entry of entries) if (entry.duration >= 0) pauses.record(entry.duration * 1000);
  };

  private readonly tick = (): void => {
    try {
      this.evaluate();
    } catch (error) {
      // Never into the host's timers phase; the next tick tries again.
      this.logger.debug('health evaluation failed', error);
    }
  };

  private idleMillis(): number {
    return attempt(this.runtime.eventLoopUtilization)?.idle ?? 0;
  }

  private evaluate(): void {
    const at = this.runtime.now();
    const idle = this.idleMillis();
    const histogram = this.histogram;
    if (histogram && histogram.count > 0) {
      const delays = this.window.slot.delays;
      readBuckets(histogram, histogram.count, (micros, times) => delays.recordMany(micros, times));
      histogram.reset();
    }
    const summary = this.window.summary(at, idle, this.options.intervalMillis / 2);
    const readings = this.read(summary, at);
    this.window.advance(at, idle);
    const transitions: HealthTransition[] = [];
    for (const check of CHECK_NAMES) {
      const reading = readings[check];
      const status = this.judge(check, reading, this.statuses[check]);
      this.checks[check] = this.checkReport(check, reading, status);
      const from = this.statuses[check];
      if (status === from) continue;
      this.statuses[check] = status;
      const { warning, critical } = this.options.thresholds[check];
      transitions.push({
        check,
        from,
        to: status,
        value: reading.value ?? NaN,
        threshold: status === 'critical' ? critical : warning,
        atMillis: Date.now(),
      });
    }
    for (const transition of transitions) this.announce(transition);
  }

  /** Every check's value, each runtime API read once. */
  private read(summary: WindowSummary | undefined, at: number): Record<CheckName, Reading> {
    const { runtime } = this;
    const noWindow: Reading = { value: undefined, note: 'no data yet: the window has just started' };
    const heap = attempt(runtime.heapStatistics);
    const limit = this.containerLimit(at);
    const available = limit === undefined ? undefined : attempt(runtime.availableMemory);
    const open = attempt(() => this.descriptors?.count());
    const handles = attempt(runtime.activeResources)?.length;
    if (handles !== undefined) this.floors.record(at, handles);
    const floors = this.floors.growth(at);
    const histogramNote = this.histogram ? undefined : 'no event-loop delay histogram on this runtime';
    // A runtime without these reads would otherwise pass for a loop always busy, or a GC that never pauses.
    const utilizationNote = runtime.eventLoopUtilization ? undefined : 'performance.eventLoopUtilization() is not available';
    const gcNote = this.unobserveGc ? undefined : "no 'gc' PerformanceObserver on this runtime";
    const fromWindow = (unavailable: string | undefined, reading: (window: WindowSummary) => Reading): Reading =>
      unavailable ? { value: undefined, note: unavailable } : summary ? reading(summary) : noWindow;
    return {
      eventLoopDelay: fromWindow(histogramNote, (window) => ({ value: window.delaySeconds })),
      eventLoopUtilization: fromWindow(utilizationNote, (window) => ({ value: window.utilization })),
      heapUsed: this.oldGenerationShare(heap),
      containerMemory:
        limit === undefined
          ? { value: undefined, note: 'no container memory limit here (process.constrainedMemory())' }
          : available === undefined
            ? { value: undefined, note: 'process.availableMemory() is not available' }
            : { value: Math.min(1, Math.max(0, (limit - available) / limit)) },
      gcTimeShare: fromWindow(gcNote, (window) => ({ value: window.gcTimeShare })),
      gcPause: fromWindow(gcNote, (window) =>
        window.gcPauseSeconds === undefined ? { value: undefined, note: 'no GC pause in the window' } : { value: window.gcPauseSeconds },
      ),
      fileDescriptors:
        open !== undefined && this.descriptorLimit !== undefined
          ? { value: open / this.descriptorLimit }
          : { value: undefined, note: 'no descriptor count or limit here (/proc)' },
      activeHandlesGrowth: floors
        ? { value: floors.hourAgo > 0 ? floors.now / floors.hourAgo : floors.now > 0 ? Infinity : 1, increase: floors.now - floors.hourAgo }
        : { value: undefined, note: 'no value until 90 minutes of history (the floor of the last 30 minutes vs the one an hour earlier)' },
    };
  }

  /**
   * The old generation's used share of its own limit: what V8 runs out of
   * memory on. The whole heap's limit also reserves the young generation
   * (192 MiB on Node 24), which would hide a small heap's crash (see oldGeneration).
   */
  private oldGenerationShare(heap: HeapInfo | undefined): Reading {
    if (!heap || !(heap.heap_size_limit > 0)) return { value: undefined, note: 'v8.getHeapStatistics() is not available' };
    const spaces = attempt(this.runtime.heapSpaceStatistics);
    const used = spaces ? oldGenerationUsedBytes(spaces) : heap.used_heap_size;
    return { value: used / oldGenerationLimitBytes(heap.heap_size_limit, this.configuredOldGeneration) };
  }

  private containerLimit(now: number): number | undefined {
    if (!this.memoryLimit || now - this.memoryLimit.readAt >= LIMIT_REREAD_MILLIS) {
      const bytes = attempt(this.runtime.constrainedMemory);
      this.memoryLimit = { bytes: realMemoryLimit(bytes), readAt: now };
    }
    return this.memoryLimit.bytes;
  }

  private judge(check: CheckName, reading: Reading, previous: HealthStatus): HealthStatus {
    const { value, increase } = reading;
    if (value === undefined || Number.isNaN(value)) return 'ok';
    const { warning, critical } = this.options.thresholds[check];
    const minimum = THRESHOLDS[check].minimumIncrease;
    // The thresholds of the level a check holds, and of those below it, are lowered by the hysteresis.
    const held = (level: HealthStatus, threshold: number) =>
      statusNumber(previous) >= statusNumber(level) ? threshold * (1 - HYSTERESIS) : threshold;
    if (value >= held('critical', critical) && (!minimum || (increase ?? 0) > minimum.critical)) return 'critical';
    if (value >= held('warning', warning) && (!minimum || (increase ?? 0) > minimum.warning)) return 'warning';
    return 'ok';
  }

  private checkReport(check: CheckName, reading: Reading, status: HealthStatus): CheckReport {
    const entry = THRESHOLDS[check];
    const { warning, critical } = this.options?.thresholds[check] ?? entry;
    const minimum = entry.minimumIncrease;
    const note =
      reading.note ??
      (minimum ? `also needs the floor to have risen by more than ${minimum.warning} (warning) or ${minimum.critical} (critical)` : undefined);
    return Object.freeze({
      status,
      value: reading.value === undefined || !Number.isFinite(reading.value) ? null : reading.value,
      warning,
      critical,
      unit: entry.unit,
      measures: entry.measures,
      ...(WINDOW_CHECKS.has(check) ? { windowMillis: this.options.windowMillis } : {}),
      ...(note ? { note } : {}),
    });
  }

  /** One log line, then every listener; a listener that throws is reported and the others still run. */
  private announce(transition: HealthTransition): void {
    const { check, from, to, value, threshold } = transition;
    const shown = formatValue(check, Number.isFinite(value) ? value : null);
    const limit = formatValue(check, threshold);
    const what = THRESHOLDS[check].measures;
    if (to === 'ok') {
      this.logger.warn(`health: ${check} recovered from ${from}: ${what} ${shown}, below the warning threshold ${limit}`);
    } else {
      const direction = from === 'critical' ? `eased from critical to ${to}` : `is ${to}`;
      this.logger.warn(`health: ${check} ${direction}: ${what} ${shown}, ${to} threshold ${limit}`);
    }
    for (const listener of this.listeners) {
      try {
        listener(transition);
      } catch (error) {
        this.logger.warn('health: a transition listener threw; the others still ran', error);
      }
    }
  }
}
