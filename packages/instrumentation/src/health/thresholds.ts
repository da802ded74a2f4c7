/**
 * The one table of thresholds. Health checks (`/health`, readiness, the
 * change hook), the shipped Prometheus alert rules and the tuning report all
 * read these numbers, so a team's probes, alerts and advice agree. A test
 * fails when the rule files drift from it.
 */

/** The checks health evaluates and the report grades, in the order they are shown. */
export const CHECK_NAMES = Object.freeze([
  'eventLoopDelay',
  'eventLoopUtilization',
  'heapUsed',
  'containerMemory',
  'gcTimeShare',
  'gcPause',
  'fileDescriptors',
  'activeHandlesGrowth',
] as const);
export type CheckName = (typeof CHECK_NAMES)[number];

/** The three answers a check, and health as a whole, can give. */
export type HealthStatus = 'ok' | 'warning' | 'critical';

export interface Threshold {
  readonly check: CheckName;
  /** What the value is, in a phrase a person reads in a log line or a report. */
  readonly measures: string;
  /** `s` for durations, `1` for shares and ratios. */
  readonly unit: 's' | '1';
  /** At or above this the check is `warning`. */
  readonly warning: number;
  /** At or above this the check is `critical`. */
  readonly critical: number;
  /** Why the defaults are what they are (docs/health.md prints it). */
  readonly reason: string;
  /** The alert in `collector-config/prometheus/rules/nodevitals-alerts.yml` that uses the same two numbers. */
  readonly alert: string;
  /**
   * Whether a restart fixes what a critical value means: only these fail the
   * liveness flavour of `/health`; readiness fails on every critical check.
   */
  readonly restartFixes: boolean;
  /**
   * Growth checks only: the floor must also have risen by at least this many
   * (warning, critical), so 10 handles becoming 25 is not a leak alarm.
   */
  readonly minimumIncrease?: { readonly warning: number; readonly critical: number };
}

function define(entries: readonly Threshold[]): Readonly<Record<CheckName, Threshold>> {
  const table = {} as Record<CheckName, Threshold>;
  for (const entry of entries) {
    if (!(entry.warning < entry.critical)) throw new Error(`${entry.check}: warning must be below critical`);
    table[entry.check] = Object.freeze(entry);
  }
  return Object.freeze(table);
}

export const THRESHOLDS = define([
  {
    check: 'eventLoopDelay',
    measures: 'event-loop delay p99',
    unit: 's',
    warning: 0.1,
    critical: 0.5,
    reason:
      'Every callback waits this long before it runs, so it adds to every request. 100 ms is felt by users; at 500 ms ' +
      'probes and upstream timeouts start to fail. A loop stalled a second at a time is far past critical.',
    alert: 'NodejsEventLoopDelayHigh',
    restartFixes: false,
  },
  {
    check: 'eventLoopUtilization',
    measures: 'event-loop utilization',
    unit: '1',
    warning: 0.8,
    critical: 0.95,
    reason:
      'The share of time the JavaScript thread is busy. Past 80 % a burst has no room and queues build; past 95 % work ' +
      'arrives faster than it runs and latency grows without bound: shed load, scale out.',
    alert: 'NodejsEventLoopUtilizationHigh',
    restartFixes: false,
  },
  {
    check: 'heapUsed',
    measures: 'V8 old generation used / its limit',
    unit: '1',
    warning: 0.8,
    critical: 0.9,
    reason:
      'V8 aborts the process when the old generation cannot grow past its limit (--max-old-space-size; the heap limit ' +
      'adds a young-generation reserve on top, 192 MiB on Node 24, so it is not the one judged). Near it, GC runs back ' +
      'to back first; at 90 % an out-of-memory crash is close, and a restart gives the memory back.',
    alert: 'NodejsHeapNearLimit',
    restartFixes: true,
  },
  {
    check: 'containerMemory',
    measures: 'container memory used / container limit',
    unit: '1',
    warning: 0.8,
    critical: 0.9,
    reason:
      'The kernel kills the whole container (OOM kill, no stack, no final export) at its cgroup limit, whatever the V8 ' +
      'heap limit says. Only where a limit exists (process.constrainedMemory()).',
    alert: 'NodejsContainerMemoryNearLimit',
    restartFixes: true,
  },
  {
    check: 'gcTimeShare',
    measures: 'share of wall time in GC pauses',
    unit: '1',
    warning: 0.1,
    critical: 0.25,
    reason:
      "The Node counterpart of Go's GC CPU fraction. 10 % of time in pauses is taken from requests; a quarter is typical " +
      'of a heap at its limit just before it runs out.',
    alert: 'NodejsGcTimeShareHigh',
    restartFixes: false,
  },
  {
    check: 'gcPause',
    measures: 'GC pause p99',
    unit: 's',
    warning: 0.1,
    critical: 0.5,
    reason:
      'A pause stops every request in flight. Scavenges take well under 10 ms; pauses past 100 ms are major GCs of a ' +
      'large or fragmented old space, past 500 ms they time out probes.',
    alert: 'NodejsGcPauseHigh',
    restartFixes: false,
  },
  {
    check: 'fileDescriptors',
    measures: 'open file descriptors / their limit',
    unit: '1',
    warning: 0.8,
    critical: 0.95,
    reason:
      'Past the limit every accept(), open() and connect() fails with EMFILE. A leak reaches it steadily; a restart ' +
      'closes them all.',
    alert: 'NodejsFileDescriptorsNearLimit',
    restartFixes: true,
  },
  {
    check: 'activeHandlesGrowth',
    measures: 'active-handle floor / the floor an hour earlier',
    unit: '1',
    warning: 1.2,
    critical: 2,
    reason:
      'Handles opened and never closed (sockets, timers, file handles) raise the floor the count returns to between ' +
      'bursts. 20 % in an hour is a slow leak, doubling a fast one; descriptors or memory run out next.',
    alert: 'NodejsActiveResourcesGrowing',
    restartFixes: true,
    minimumIncrease: { warning: 100, critical: 1000 },
  },
]);
