/**
 * Scenarios for `promtool test rules`: for every alert, instances where it must
 * fire (at each severity) and instances where it must not, among them one that
 * restarts and one whose data goes absent. `ruleTests.ts` turns these into
 * collector-config/prometheus/tests/nodevitals-alerts.test.yml, filling the
 * alert descriptions in from the rules file so only the rendered summaries
 * (which carry the value) are written here.
 *
 * Time is in minutes; one sample per minute; `null` is a missing sample.
 */

export type Severity = 'warning' | 'critical';
export type Sample = number | null;

export interface SeriesSpec {
  metric: string;
  instance: string;
  /** Labels besides job and instance. */
  labels?: Record<string, string>;
  values: Sample[];
}

export interface ExpectedAlert {
  instance: string;
  severity: Severity;
  /** The rendered summary annotation. */
  summary: string;
}

export interface AlertCase {
  alert: string;
  /** Length of every series, in minutes. */
  minutes: number;
  series: SeriesSpec[];
  evals: Array<{ at: number; firing: ExpectedAlert[] }>;
  /** Instances that must never fire, and why; ids start with `restarted` or `absent` where that is the point. */
  quiet: Record<string, string>;
}

export const JOB = 'api';

function over(minutes: number, value: (t: number) => Sample): Sample[] {
  return Array.from({ length: minutes + 1 }, (_, t) => value(t));
}

/** Uptime of a process that started long ago and keeps running. */
const longRunning = (t: number): number => 9000 + 60 * t;

function gauge(metric: string, instance: string, minutes: number, value: (t: number) => Sample, labels?: Record<string, string>): SeriesSpec {
  return { metric, instance, labels, values: over(minutes, value) };
}

/**
 * A heap as the heap family serves it: per-space used (old space and the young
 * generation's new space), the whole heap, the heap limit (old limit plus the
 * young reserve) and the old generation's own limit.
 */
function oldGenerationHeap(instance: string, oldUsed: number, oldLimit: number, youngReserve: number, youngUsed = 3 * MIB): SeriesSpec[] {
  return [
    gauge(HEAP_SPACE_USED, instance, 30, () => oldUsed, { v8js_heap_space_name: 'old_space' }),
    gauge(HEAP_SPACE_USED, instance, 30, () => youngUsed, { v8js_heap_space_name: 'new_space' }),
    gauge(HEAP_USED, instance, 30, () => oldUsed + youngUsed),
    gauge(HEAP_LIMIT, instance, 30, () => oldLimit + youngReserve),
    gauge(OLD_GENERATION_LIMIT, instance, 30, () => oldLimit),
  ];
}

const DELAY = 'nodejs_eventloop_delay_p99_seconds';
const ELU = 'nodejs_eventloop_utilization_ratio';
const HEAP_USED = 'v8js_memory_heap_total_used_bytes';
const HEAP_LIMIT = 'v8js_memory_heap_total_limit_bytes';
const HEAP_SPACE_USED = 'v8js_memory_heap_used_bytes';
const OLD_GENERATION_LIMIT = 'v8js_memory_heap_old_generation_limit_bytes';
const MIB = 1024 * 1024;
const MEMORY_LIMIT = 'process_memory_limit_bytes';
const MEMORY_AVAILABLE = 'process_memory_available_bytes';
const GC_SUM = 'v8js_gc_duration_seconds_sum';
const GC_BUCKET = 'v8js_gc_duration_seconds_bucket';
const RESOURCES = 'v8js_resource_active';
const UPTIME = 'process_uptime_seconds';
const DETACHED = 'v8js_context_detached';
const RSS = 'process_memory_usage_bytes';
const HEAP_LIVE = 'v8js_memory_heap_live_bytes';
const FD_COUNT = 'process_unix_file_descriptor_count_value';
/** The same gauge as the Collector's Prometheus exporter names it (no `_value`). */
const FD_COUNT_VIA_COLLECTOR = 'process_unix_file_descriptor_count';
const FD_LIMIT = 'process_unix_file_descriptor_limit';

const GIB = 1_000_000_000;

function gcBuckets(instance: string, minutes: number, perMinute: (t: number) => Record<string, number> | null): SeriesSpec[] {
  const bounds = ['0.001', '0.1', '0.25', '0.5', '1', '+Inf'];
  return bounds.map((le) =>
    gauge(GC_BUCKET, instance, minutes, (t) => perMinute(t)?.[le] ?? null, { v8js_gc_type: 'major', le }),
  );
}

/** Cumulative bucket counts of `count` pauses per minute, all falling in the bucket whose upper bound is `le`. */
function pausesIn(le: string, count: number, t: number): Record<string, number> {
  const bounds = ['0.001', '0.1', '0.25', '0.5', '1', '+Inf'];
  const from = bounds.indexOf(le);
  return Object.fromEntries(bounds.map((bound, index) => [bound, index >= from ? count * t : 0]));
}

export const ALERT_CASES: AlertCase[] = [
  {
    alert: 'NodejsEventLoopDelayHigh',
    minutes: 30,
    series: [
      gauge(DELAY, 'slow', 30, () => 0.2),
      gauge(DELAY, 'stalled', 30, () => 0.9),
      gauge(DELAY, 'healthy', 30, () => 0.002),
      gauge(DELAY, 'spiky', 30, (t) => (t % 4 === 0 ? 0.9 : 0.002)),
      // Down for two minutes, then a slow first minutes while code warms up.
      gauge(DELAY, 'restarted', 30, (t) => (t === 10 || t === 11 ? null : t === 12 || t === 13 ? 0.3 : 0.002)),
      gauge(DELAY, 'absent', 30, (t) => (t <= 3 ? 0.9 : null)),
    ],
    evals: [
      { at: 3, firing: [] },
      {
        at: 15,
        firing: [
          { instance: 'slow', severity: 'warning', summary: 'api/slow: event-loop delay p99 200ms' },
          { instance: 'stalled', severity: 'warning', summary: 'api/stalled: event-loop delay p99 900ms' },
          { instance: 'stalled', severity: 'critical', summary: 'api/stalled: event-loop delay p99 900ms' },
        ],
      },
    ],
    quiet: {
      healthy: 'idle loop',
      spiky: 'one slow window in four: never 5 minutes straight',
      restarted: 'slow for two minutes after a restart',
      absent: 'stopped reporting: old values must not keep an alert alive',
    },
  },
  {
    alert: 'NodejsEventLoopUtilizationHigh',
    minutes: 40,
    series: [
      gauge(ELU, 'busy', 40, () => 0.85),
      gauge(ELU, 'saturated', 40, () => 0.99),
      gauge(ELU, 'ok', 40, () => 0.5),
      gauge(ELU, 'burst', 40, (t) => (t < 8 ? 0.99 : 0.3)),
      gauge(ELU, 'restarted', 40, (t) => (t === 15 || t === 16 ? null : t >= 17 && t <= 19 ? 0.97 : 0.5)),
      gauge(ELU, 'absent', 40, (t) => (t <= 5 ? 0.99 : null)),
    ],
    evals: [
      {
        at: 20,
        firing: [
          { instance: 'busy', severity: 'warning', summary: 'api/busy: event loop busy 85% of the time' },
          { instance: 'saturated', severity: 'warning', summary: 'api/saturated: event loop busy 99% of the time' },
          { instance: 'saturated', severity: 'critical', summary: 'api/saturated: event loop busy 99% of the time' },
        ],
      },
    ],
    quiet: {
      ok: 'half busy',
      burst: 'saturated for 8 minutes only',
      restarted: 'busy start-up after a restart',
      absent: 'stopped reporting',
    },
  },
  {
    alert: 'NodejsHeapNearLimit',
    minutes: 30,
    series: [
      gauge(HEAP_USED, 'near', 30, () => 0.85 * GIB),
      gauge(HEAP_LIMIT, 'near', 30, () => GIB),
      gauge(HEAP_USED, 'oom', 30, () => 0.95 * GIB),
      gauge(HEAP_LIMIT, 'oom', 30, () => GIB),
      gauge(HEAP_USED, 'fine', 30, () => 0.3 * GIB),
      gauge(HEAP_LIMIT, 'fine', 30, () => GIB),
      // Near the limit, crashes at minute 10, comes back small.
      gauge(HEAP_USED, 'restarted', 30, (t) => (t < 10 ? 0.95 * GIB : t < 12 ? null : 0.1 * GIB)),
      gauge(HEAP_LIMIT, 'restarted', 30, (t) => (t >= 10 && t < 12 ? null : GIB)),
      // Heap used without its limit (heap family partly missing): no ratio, no alert.
      gauge(HEAP_USED, 'absent-limit', 30, () => 0.95 * GIB),
      // Node 24 with --max-old-space-size=64: the old generation at 94 % of its 64 MiB is about to run out, while
      // the whole heap reads 63 of 256 MiB (the limit reserves 192 MiB for the young generation): judged by the old one.
      ...oldGenerationHeap('small', 60 * MIB, 64 * MIB, 192 * MIB),
      // The same limits with the old generation at half: the young generation's 30 MiB does not count.
      ...oldGenerationHeap('small-roomy', 32 * MIB, 64 * MIB, 192 * MIB, 30 * MIB),
    ],
    evals: [
      {
        at: 20,
        firing: [
          { instance: 'near', severity: 'warning', summary: 'api/near: V8 heap at 85% of its limit' },
          { instance: 'oom', severity: 'warning', summary: 'api/oom: V8 heap at 95% of its limit' },
          { instance: 'oom', severity: 'critical', summary: 'api/oom: V8 heap at 95% of its limit' },
          { instance: 'small', severity: 'warning', summary: 'api/small: V8 heap at 93.75% of its limit' },
          { instance: 'small', severity: 'critical', summary: 'api/small: V8 heap at 93.75% of its limit' },
        ],
      },
    ],
    quiet: {
      fine: 'a third of the limit',
      restarted: 'was near the limit, restarted small: the alert resolves',
      'absent-limit': 'no limit series: nothing to compare with',
      'small-roomy': 'the old generation at half its limit, however full the young one',
    },
  },
  {
    alert: 'NodejsContainerMemoryNearLimit',
    minutes: 30,
    series: [
      gauge(MEMORY_LIMIT, 'near', 30, () => GIB),
      gauge(MEMORY_AVAILABLE, 'near', 30, () => 0.15 * GIB),
      gauge(MEMORY_LIMIT, 'oom', 30, () => GIB),
      gauge(MEMORY_AVAILABLE, 'oom', 30, () => 0.05 * GIB),
      gauge(MEMORY_LIMIT, 'fine', 30, () => GIB),
      gauge(MEMORY_AVAILABLE, 'fine', 30, () => 0.6 * GIB),
      // Near the limit, OOM-killed at minute 10, back with most of it free.
      gauge(MEMORY_LIMIT, 'restarted', 30, (t) => (t >= 10 && t < 12 ? null : GIB)),
      gauge(MEMORY_AVAILABLE, 'restarted', 30, (t) => (t < 10 ? 0.05 * GIB : t < 12 ? null : 0.8 * GIB)),
      // No container limit: only the free system memory is reported, and no ratio exists.
      gauge(MEMORY_AVAILABLE, 'absent-limit', 30, () => 0.01 * GIB),
    ],
    evals: [
      {
        at: 20,
        firing: [
          { instance: 'near', severity: 'warning', summary: 'api/near: container memory at 85% of its limit' },
          { instance: 'oom', severity: 'warning', summary: 'api/oom: container memory at 95% of its limit' },
          { instance: 'oom', severity: 'critical', summary: 'api/oom: container memory at 95% of its limit' },
        ],
      },
    ],
    quiet: {
      fine: 'two fifths of the limit in use',
      restarted: 'was near the limit, OOM-killed and restarted small: the alert resolves',
      'absent-limit': 'no container limit: nothing to compare with',
    },
  },
  {
    alert: 'NodejsGcTimeShareHigh',
    minutes: 40,
    series: [
      // 6 + 3 = 9 GC seconds per minute: 15 % of the time.
      gauge(GC_SUM, 'heavy', 40, (t) => 6 * t, { v8js_gc_type: 'major' }),
      gauge(GC_SUM, 'heavy', 40, (t) => 3 * t, { v8js_gc_type: 'minor' }),
      gauge(GC_SUM, 'thrashing', 40, (t) => 18 * t, { v8js_gc_type: 'major' }),
      gauge(GC_SUM, 'light', 40, (t) => 0.6 * t, { v8js_gc_type: 'minor' }),
      // The counter starts again from zero after a restart: rate() must not see a burst.
      gauge(GC_SUM, 'restarted', 40, (t) => (t < 20 ? 100 + 0.6 * t : t < 22 ? null : 0.6 * (t - 22)), { v8js_gc_type: 'minor' }),
      gauge(GC_SUM, 'absent', 40, (t) => (t <= 5 ? 18 * t : null), { v8js_gc_type: 'major' }),
    ],
    evals: [
      {
        at: 30,
        firing: [
          { instance: 'heavy', severity: 'warning', summary: 'api/heavy: 15% of wall time spent in GC' },
          { instance: 'thrashing', severity: 'warning', summary: 'api/thrashing: 30% of wall time spent in GC' },
          { instance: 'thrashing', severity: 'critical', summary: 'api/thrashing: 30% of wall time spent in GC' },
        ],
      },
    ],
    quiet: {
      light: '1 % in GC',
      restarted: 'counter reset by a restart',
      absent: 'stopped reporting',
    },
  },
  {
    alert: 'NodejsGcPauseHigh',
    minutes: 40,
    series: [
      ...gcBuckets('slow', 40, (t) => pausesIn('0.5', 10, t)),
      ...gcBuckets('stalling', 40, (t) => pausesIn('1', 10, t)),
      ...gcBuckets('quick', 40, (t) => pausesIn('0.001', 10, t)),
      // No GC at all in the window: the quantile is NaN, which must not fire.
      ...gcBuckets('idle', 40, () => pausesIn('0.001', 0, 0)),
      ...gcBuckets('restarted', 40, (t) => (t < 20 ? pausesIn('0.001', 10, t + 50) : t < 22 ? null : pausesIn('0.001', 10, t - 22))),
      ...gcBuckets('absent', 40, (t) => (t <= 5 ? pausesIn('1', 10, t) : null)),
    ],
    evals: [
      {
        at: 30,
        firing: [
          { instance: 'slow', severity: 'warning', summary: 'api/slow: GC pause p99 497.5ms' },
          { instance: 'stalling', severity: 'warning', summary: 'api/stalling: GC pause p99 995ms' },
          { instance: 'stalling', severity: 'critical', summary: 'api/stalling: GC pause p99 995ms' },
        ],
      },
    ],
    quiet: {
      quick: 'sub-millisecond pauses',
      idle: 'no GC in the window (NaN quantile)',
      restarted: 'bucket counters reset by a restart',
      absent: 'stopped reporting',
    },
  },
  {
    alert: 'NodejsActiveResourcesGrowing',
    minutes: 240,
    series: [
      gauge(RESOURCES, 'leaky', 240, (t) => 200 + 4 * t, { v8js_resource_type: 'TCPSocketWrap' }),
      gauge(RESOURCES, 'leaky', 240, () => 50, { v8js_resource_type: 'Timeout' }),
      gauge(UPTIME, 'leaky', 240, longRunning),
      // A fast leak in steps: 100 -> 1500 at minute 100 -> 4500 at minute 160.
      // (Steps, not a smooth curve, so the rendered ratio does not depend on
      // whether the recording group ran just before or just after the alerts.)
      gauge(RESOURCES, 'exploding', 240, (t) => (t < 100 ? 100 : t < 160 ? 1500 : 4500), { v8js_resource_type: 'TCPSocketWrap' }),
      gauge(UPTIME, 'exploding', 240, longRunning),
      // Traffic bursts open many sockets for a minute; the floor stays put.
      gauge(RESOURCES, 'bursty', 240, (t) => (t % 10 === 0 ? 2300 : 300), { v8js_resource_type: 'TCPSocketWrap' }),
      gauge(UPTIME, 'bursty', 240, longRunning),
      // Restarts at minute 100; pools fill again over 20 minutes (warm-up, not a leak).
      gauge(RESOURCES, 'restarted', 240, (t) => (t < 100 ? 300 : t < 102 ? null : Math.min(300, 20 + 15 * (t - 102))), {
        v8js_resource_type: 'TCPSocketWrap',
      }),
      gauge(UPTIME, 'restarted', 240, (t) => (t < 100 ? longRunning(t) : t < 102 ? null : 60 * (t - 102))),
      // The resources family is switched off or unsupported: only uptime arrives.
      gauge(UPTIME, 'absent', 240, longRunning),
    ],
    evals: [
      {
        at: 180,
        firing: [
          { instance: 'leaky', severity: 'warning', summary: 'api/leaky: active resources floor is 1.4x what it was an hour ago' },
          { instance: 'exploding', severity: 'warning', summary: 'api/exploding: active resources floor is 15.0x what it was an hour ago' },
          { instance: 'exploding', severity: 'critical', summary: 'api/exploding: active resources floor is 15.0x what it was an hour ago' },
        ],
      },
      {
        at: 240,
        firing: [
          { instance: 'leaky', severity: 'warning', summary: 'api/leaky: active resources floor is 1.3x what it was an hour ago' },
          { instance: 'exploding', severity: 'warning', summary: 'api/exploding: active resources floor is 3.0x what it was an hour ago' },
          { instance: 'exploding', severity: 'critical', summary: 'api/exploding: active resources floor is 3.0x what it was an hour ago' },
        ],
      },
    ],
    quiet: {
      bursty: 'peaks, but a flat floor',
      restarted: 'warm-up after a restart',
      absent: 'no resource series at all',
    },
  },
  {
    alert: 'NodejsDetachedContextsGrowing',
    minutes: 200,
    series: [
      gauge(DETACHED, 'holding', 200, () => 2),
      gauge(UPTIME, 'holding', 200, longRunning),
      // One more leaked context every 5 minutes.
      gauge(DETACHED, 'leaking', 200, (t) => Math.floor(t / 5)),
      gauge(UPTIME, 'leaking', 200, longRunning),
      // vm contexts come and go; the next GC collects them.
      gauge(DETACHED, 'transient', 200, (t) => (t % 2 === 1 ? 3 : 0)),
      gauge(UPTIME, 'transient', 200, longRunning),
      // Held two contexts, then restarted at minute 150 with none.
      gauge(DETACHED, 'restarted', 200, (t) => (t < 150 ? 2 : t < 152 ? null : 0)),
      gauge(UPTIME, 'restarted', 200, (t) => (t < 150 ? longRunning(t) : t < 152 ? null : 60 * (t - 152))),
      gauge(UPTIME, 'absent', 200, longRunning),
    ],
    evals: [
      {
        at: 180,
        firing: [
          { instance: 'holding', severity: 'warning', summary: 'api/holding: 2 detached V8 context(s) survived 30+ minutes of GCs' },
          { instance: 'leaking', severity: 'warning', summary: 'api/leaking: 30 detached V8 context(s) survived 30+ minutes of GCs' },
          { instance: 'leaking', severity: 'critical', summary: 'api/leaking: 30 detached V8 contexts and growing' },
        ],
      },
    ],
    quiet: {
      transient: 'collected by the next GC: the floor is zero',
      restarted: 'restarted with none',
      absent: 'no detached-context series',
    },
  },
  {
    alert: 'NodejsResidentMemoryGrowing',
    minutes: 200,
    series: [
      gauge(RSS, 'leaking', 200, (t) => 100e6 + 1e6 * t),
      gauge(UPTIME, 'leaking', 200, longRunning),
      // Steps, for a rendered ratio that does not depend on rule-group order.
      gauge(RSS, 'doubling', 200, (t) => (t < 100 ? 100e6 : t < 160 ? 250e6 : 600e6)),
      gauge(UPTIME, 'doubling', 200, longRunning),
      // GC sawtooth: peaks move, the floor does not.
      gauge(RSS, 'sawtooth', 200, (t) => 100e6 + (t % 10) * 10e6),
      gauge(UPTIME, 'sawtooth', 200, longRunning),
      // Restarted at minute 100, memory climbs back to its normal level.
      gauge(RSS, 'restarted', 200, (t) => (t < 100 ? 300e6 : t < 102 ? null : Math.min(300e6, 50e6 + 12.5e6 * (t - 102)))),
      gauge(UPTIME, 'restarted', 200, (t) => (t < 100 ? longRunning(t) : t < 102 ? null : 60 * (t - 102))),
      gauge(UPTIME, 'absent', 200, longRunning),
    ],
    evals: [
      {
        at: 180,
        firing: [
          { instance: 'leaking', severity: 'warning', summary: 'api/leaking: resident memory floor is 1.32x what it was an hour ago' },
          { instance: 'doubling', severity: 'warning', summary: 'api/doubling: resident memory floor is 2.50x what it was an hour ago' },
          { instance: 'doubling', severity: 'critical', summary: 'api/doubling: resident memory floor is 2.50x what it was an hour ago' },
        ],
      },
    ],
    quiet: {
      sawtooth: 'GC sawtooth with a flat floor',
      restarted: 'climbing back after a restart',
      absent: 'no resident-memory series',
    },
  },
  {
    alert: 'NodejsLiveHeapGrowing',
    minutes: 200,
    series: [
      // Retains 1 MB more every minute: the floor rises steadily.
      gauge(HEAP_LIVE, 'leaking', 200, (t) => 100e6 + 1e6 * t),
      gauge(UPTIME, 'leaking', 200, longRunning),
      // Steps, for a rendered ratio that does not depend on rule-group order.
      gauge(HEAP_LIVE, 'doubling', 200, (t) => (t < 100 ? 100e6 : t < 160 ? 250e6 : 600e6)),
      gauge(UPTIME, 'doubling', 200, longRunning),
      // Churn without a leak: what survives a major GC varies with the work in flight, the floor does not move.
      gauge(HEAP_LIVE, 'churning', 200, (t) => 100e6 + (t % 7) * 15e6),
      gauge(UPTIME, 'churning', 200, longRunning),
      // A small heap warming its caches: 1.5x, but only 8 MB.
      gauge(HEAP_LIVE, 'small', 200, (t) => (t < 100 ? 16e6 : 24e6)),
      gauge(UPTIME, 'small', 200, longRunning),
      // Leaking until restarted at minute 100; the heap fills back to its normal level.
      gauge(HEAP_LIVE, 'restarted', 200, (t) => (t < 100 ? 100e6 + 2e6 * t : t < 102 ? null : Math.min(150e6, 30e6 + 5e6 * (t - 102)))),
      gauge(UPTIME, 'restarted', 200, (t) => (t < 100 ? longRunning(t) : t < 102 ? null : 60 * (t - 102))),
      // The gc family is off, or no major GC has run yet: only uptime arrives.
      gauge(UPTIME, 'absent', 200, longRunning),
    ],
    evals: [
      {
        at: 180,
        firing: [
          { instance: 'leaking', severity: 'warning', summary: 'api/leaking: live heap after major GC is 1.32x its floor an hour ago' },
          { instance: 'doubling', severity: 'warning', summary: 'api/doubling: live heap after major GC is 2.50x its floor an hour ago' },
          { instance: 'doubling', severity: 'critical', summary: 'api/doubling: live heap after major GC is 2.50x its floor an hour ago' },
        ],
      },
    ],
    quiet: {
      churning: 'churn without a leak: a flat floor',
      small: 'grew by half, but by 8 MB only',
      restarted: 'filling back up after a restart',
      absent: 'no live-heap series',
    },
  },
  {
    alert: 'NodejsFileDescriptorsNearLimit',
    minutes: 30,
    series: [
      gauge(FD_COUNT, 'near', 30, () => 850),
      gauge(FD_LIMIT, 'near', 30, () => 1000),
      gauge(FD_COUNT, 'exhausted', 30, () => 980),
      gauge(FD_LIMIT, 'exhausted', 30, () => 1000),
      // Scraped from the Collector gateway: the count without `_value`.
      gauge(FD_COUNT_VIA_COLLECTOR, 'via-collector', 30, () => 990),
      gauge(FD_LIMIT, 'via-collector', 30, () => 1000),
      gauge(FD_COUNT, 'fine', 30, () => 100),
      gauge(FD_LIMIT, 'fine', 30, () => 1000),
      gauge(FD_COUNT, 'restarted', 30, (t) => (t < 5 ? 990 : t < 7 ? null : 50)),
      gauge(FD_LIMIT, 'restarted', 30, (t) => (t >= 5 && t < 7 ? null : 1000)),
      // Not on Linux, or /proc unreadable: a count without a limit.
      gauge(FD_COUNT, 'absent-limit', 30, () => 990),
    ],
    evals: [
      {
        at: 20,
        firing: [
          { instance: 'near', severity: 'warning', summary: 'api/near: 85% of the file-descriptor limit in use' },
          { instance: 'exhausted', severity: 'warning', summary: 'api/exhausted: 98% of the file-descriptor limit in use' },
          { instance: 'exhausted', severity: 'critical', summary: 'api/exhausted: 98% of the file-descriptor limit in use' },
          { instance: 'via-collector', severity: 'warning', summary: 'api/via-collector: 99% of the file-descriptor limit in use' },
          { instance: 'via-collector', severity: 'critical', summary: 'api/via-collector: 99% of the file-descriptor limit in use' },
        ],
      },
    ],
    quiet: {
      fine: 'a tenth of the limit',
      restarted: 'near the limit for 5 minutes, then restarted',
      'absent-limit': 'no limit series',
    },
  },
  {
    alert: 'NodejsProcessRestarted',
    minutes: 60,
    series: [
      gauge(UPTIME, 'crashed', 60, (t) => (t < 30 ? 6000 + 60 * t : 5 + 60 * (t - 30))),
      gauge(UPTIME, 'crashloop', 60, (t) => (t < 50 ? 5 + 60 * (t % 10) : 5 + 60 * (t - 40))),
      gauge(UPTIME, 'steady', 60, (t) => 6000 + 60 * t),
      // A deploy: the old pod goes, a new one (a new instance) starts from zero.
      gauge(UPTIME, 'restarted-as-new-pod-old', 60, (t) => (t < 20 ? 6000 + 60 * t : null)),
      gauge(UPTIME, 'restarted-as-new-pod-new', 60, (t) => (t < 20 ? null : 5 + 60 * (t - 20))),
      // Scrapes failing for 10 minutes: a gap, no restart.
      gauge(UPTIME, 'absent-gap', 60, (t) => (t >= 30 && t < 40 ? null : 6000 + 60 * t)),
    ],
    evals: [
      {
        at: 35,
        firing: [
          { instance: 'crashed', severity: 'warning', summary: 'api/crashed: process restarted 1 time(s) in 15 minutes' },
          { instance: 'crashloop', severity: 'warning', summary: 'api/crashloop: process restarted 1 time(s) in 15 minutes' },
          { instance: 'crashloop', severity: 'critical', summary: 'api/crashloop: process restarted 3 times in an hour' },
        ],
      },
      {
        at: 50,
        firing: [
          { instance: 'crashloop', severity: 'warning', summary: 'api/crashloop: process restarted 1 time(s) in 15 minutes' },
          { instance: 'crashloop', severity: 'critical', summary: 'api/crashloop: process restarted 4 times in an hour' },
        ],
      },
    ],
    quiet: {
      steady: 'never restarted',
      'restarted-as-new-pod-old': 'replaced by a deploy: not a restart in place',
      'restarted-as-new-pod-new': 'a new instance starting is not a restart',
      'absent-gap': 'missing scrapes are not a restart',
    },
  },
];
