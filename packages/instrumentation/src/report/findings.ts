import { METRICS } from '../catalog.js';
import { THRESHOLDS, type CheckName, type Threshold } from '../health/thresholds.js';
import type { GcMeasurements, RuntimeMeasurements } from './RuntimeMeasurements.js';
import { bytes, mebibytes, percent, ratio, seconds } from './units.js';

/** A finding's answer: `unknown` when the source did not report what it needs. */
export type Verdict = 'ok' | 'warning' | 'critical' | 'unknown';

/** The areas of the report, in the order they are printed. */
export const REPORT_AREAS = Object.freeze(['heap', 'gc', 'allocation', 'eventLoop', 'handles', 'workers'] as const);
export type ReportArea = (typeof REPORT_AREAS)[number];

export interface Finding {
  readonly area: ReportArea;
  /** What is measured, as a person reads it. */
  readonly title: string;
  /** The row of THRESHOLDS that grades it; none for figures shown for context only. */
  readonly check?: CheckName;
  /** The graded value in the threshold's unit (a share, a ratio or seconds). */
  readonly value?: number;
  /** The value as printed, with the figures behind it. */
  readonly measured: string;
  readonly threshold?: { readonly warning: number; readonly critical: number; readonly unit: 's' | '1'; readonly text: string };
  readonly verdict: Verdict;
  /** What to do about it, concrete enough to act on. */
  readonly recommendation: string;
}

export interface RuntimeFindings {
  /** The worst verdict of any finding; `unknown` findings do not count. */
  readonly verdict: 'ok' | 'warning' | 'critical';
  readonly periodSeconds: number;
  readonly findings: readonly Finding[];
}

/** Share of the container limit a heap limit should stay under, leaving room for code, buffers and native memory. */
const HEAP_SHARE_OF_CONTAINER = 0.75;

function grade(threshold: Threshold, value: number): Verdict {
  if (!Number.isFinite(value)) return 'unknown';
  if (value >= threshold.critical) return 'critical';
  if (value >= threshold.warning) return 'warning';
  return 'ok';
}

function thresholdText(threshold: Threshold): string {
  const show = (value: number): string =>
    threshold.unit === 's' ? seconds(value) : threshold.warning >= 1 ? ratio(value) : percent(value);
  return `warning >= ${show(threshold.warning)}, critical >= ${show(threshold.critical)}`;
}

function judged(
  area: ReportArea,
  check: CheckName,
  title: string,
  value: number | undefined,
  measured: string,
  advice: (verdict: Verdict) => string,
): Finding {
  const threshold = THRESHOLDS[check];
  const verdict = value === undefined ? 'unknown' : grade(threshold, value);
  return {
    area,
    title,
    check,
    ...(value === undefined ? {} : { value }),
    measured,
    threshold: { warning: threshold.warning, critical: threshold.critical, unit: threshold.unit, text: thresholdText(threshold) },
    verdict,
    recommendation: advice(verdict),
  };
}

/** `part / whole` when both are known and the whole is positive. */
function shareOf(part: number | undefined, whole: number | undefined): number | undefined {
  return part !== undefined && whole !== undefined && whole > 0 ? part / whole : undefined;
}

function suggestedHeapLimit(containerLimitBytes: number): string {
  return `--max-old-space-size=${mebibytes(containerLimitBytes * HEAP_SHARE_OF_CONTAINER)}`;
}

/**
 * The heap figures the heap check judges. What V8 runs out of is the old
 * generation; the whole heap's limit also reserves the young generation
 * (192 MiB on Node 24), so the whole heap is judged only where the old
 * generation's figures are missing (prom-client's names, an older nodevitals).
 */
export function judgedHeap(m: RuntimeMeasurements): { usedBytes?: number; limitBytes?: number; oldGeneration: boolean } {
  if (m.oldGenerationUsedBytes !== undefined && m.oldGenerationLimitBytes !== undefined) {
    return { usedBytes: m.oldGenerationUsedBytes, limitBytes: m.oldGenerationLimitBytes, oldGeneration: true };
  }
  return { usedBytes: m.heapUsedBytes, limitBytes: m.heapLimitBytes, oldGeneration: false };
}

function heapFindings(m: RuntimeMeasurements): Finding[] {
  const { heapUsedBytes: used, heapLimitBytes: limit, containerLimitBytes: container, rssBytes: rss } = m;
  const { usedBytes: judgedUsed, limitBytes: judgedLimit, oldGeneration } = judgedHeap(m);
  const heapShare = shareOf(judgedUsed, judgedLimit);
  const heap = judged(
    'heap',
    'heapUsed',
    oldGeneration ? 'old generation used / its limit' : 'heap used / heap limit',
    heapShare,
    heapShare === undefined
      ? judgedUsed === undefined
        ? 'not reported'
        : `${bytes(judgedUsed)} used, limit not reported`
      : `${bytes(judgedUsed!)} of ${bytes(judgedLimit!)} (${percent(heapShare)})`,
    (verdict) => {
      if (verdict === 'unknown')
        return `The heap limit is not reported (prom-client has no such metric): serve nodevitals' ${METRICS.heapOldGenerationLimit.name} to judge it.`;
      if (verdict === 'ok') return 'The heap has room under its limit.';
      const raise =
        container !== undefined
          ? `raise the limit only within the container (${suggestedHeapLimit(container)} is ~75 % of ${bytes(container)})`
          : 'or raise --max-old-space-size if the machine has the memory';
      return (
        `The heap is near the limit where V8 aborts the process. Find what is retained: take a heap snapshot ` +
        `(node --heapsnapshot-signal=SIGUSR2, or --heapsnapshot-near-heap-limit=1) and compare two; ${raise}.`
      );
    },
  );
  const findings = [heap];
  const containerShare = shareOf(rss, container);
  findings.push(
    judged(
      'heap',
      'containerMemory',
      'resident memory / container limit',
      containerShare,
      container === undefined
        ? `no container memory limit${rss === undefined ? '' : ` (resident ${bytes(rss)})`}`
        : rss === undefined
          ? `limit ${bytes(container)}, resident memory not reported`
          : `${bytes(rss)} of ${bytes(container)} (${percent(containerShare!)})`,
      (verdict) => {
        if (container === undefined) return 'No cgroup memory limit is reported, so the kernel will not OOM-kill on one; nothing to judge.';
        if (verdict === 'unknown') return `Resident memory is not reported: serve ${METRICS.memoryUsage.name} to judge it.`;
        if (verdict === 'ok') return 'Resident memory is well under the container limit.';
        const offHeap = rss !== undefined && used !== undefined ? ` ${bytes(Math.max(0, rss - used))} of it is outside the V8 heap (buffers, native modules, code).` : '';
        return (
          `The kernel OOM-kills the container at its limit, with no stack and no final export.${offHeap} Raise the ` +
          `container limit, or cut memory: heap (${container ? suggestedHeapLimit(container) : '--max-old-space-size'}) and buffers.`
        );
      },
    ),
  );
  if (limit !== undefined && container !== undefined && container > 0) {
    // The OOM trap: a heap allowed to grow past the container limit is killed by the kernel before V8 can collect.
    const share = limit / container;
    findings.push(
      judged(
        'heap',
        'containerMemory',
        'heap limit / container limit',
        share,
        `heap limit ${bytes(limit)}, container limit ${bytes(container)} (${percent(share)})`,
        (verdict) =>
          verdict === 'ok'
            ? `The heap limit leaves ${bytes(container - limit)} of the container for everything else.`
            : `The heap may grow to ${percent(share)} of the container, so the kernel OOM-kills the process before V8 ` +
              `collects harder or reports heap exhaustion. Start node with ${suggestedHeapLimit(container)} (~75 % of the container limit).`,
      ),
    );
  }
  return findings;
}

function dominantKind(gc: GcMeasurements): string | undefined {
  let best: string | undefined;
  for (const [kind, figures] of Object.entries(gc.byKind)) {
    if (figures.seconds > 0 && (best === undefined || figures.seconds > gc.byKind[best].seconds)) best = kind;
  }
  return best;
}

function gcFindings(m: RuntimeMeasurements): Finding[] {
  const gc = m.gc;
  const kinds = gc ? Object.entries(gc.byKind).filter(([, figures]) => figures.count > 0) : [];
  const dominant = gc && dominantKind(gc);
  const split = kinds.map(([kind, figures]) => `${kind} ${seconds(figures.seconds)} in ${figures.count}`).join(', ');
  const share = judged(
    'gc',
    'gcTimeShare',
    'share of time in GC pauses',
    gc?.timeShare,
    gc === undefined ? 'no GC durations reported' : `${percent(gc.timeShare)} of ${seconds(m.periodSeconds)}${split ? ` (${split})` : ', no GC'}`,
    (verdict) => {
      if (verdict === 'unknown') return `GC durations are not reported: serve ${METRICS.gcDuration.name} (or prom-client's GC histogram).`;
      if (verdict === 'ok') return 'GC takes little time from requests.';
      if (dominant === 'minor')
        return (
          'Scavenges (young-generation GCs) take most of it: objects outlive the small young generation. Give it ' +
          'more room with --max-semi-space-size=32 or 64 (MiB; V8 default 16 on 64-bit), and cut short-lived allocations.'
        );
      return (
        `Major GCs (${dominant ?? 'major'}) take most of it: the old generation is large or near its limit. Check the heap ` +
        'finding; reduce what is retained, or raise --max-old-space-size within the container limit.'
      );
    },
  );
  let worst: [string, NonNullable<GcMeasurements['byKind'][string]>] | undefined;
  for (const entry of kinds) {
    if (entry[1].p99Seconds !== undefined && (worst === undefined || entry[1].p99Seconds > worst[1].p99Seconds!)) worst = entry;
  }
  const pauses = kinds
    .filter(([, figures]) => figures.p99Seconds !== undefined)
    .map(([kind, figures]) => `${kind} ${figures.p99IsLowerBound ? '> ' : ''}${seconds(figures.p99Seconds!)}`)
    .join(', ');
  const pause = judged(
    'gc',
    'gcPause',
    'GC pause p99, worst kind',
    gc === undefined ? undefined : (worst?.[1].p99Seconds ?? 0),
    gc === undefined ? 'no GC durations reported' : pauses ? `p99 by kind: ${pauses}` : 'no GC pause in the period',
    (verdict) => {
      if (verdict === 'unknown') return 'GC durations are not reported.';
      if (verdict === 'ok') return 'No GC pause long enough to stall requests.';
      if (worst?.[0] === 'minor')
        return 'Long scavenges mean many objects survive the young generation: hold fewer medium-lived objects (caches, buffers kept across awaits).';
      return (
        'Long major pauses come from a large or fragmented old space: shrink the retained set (heap snapshot), or ' +
        'split the work over more, smaller processes.'
      );
    },
  );
  return [share, pause];
}

function allocationFinding(m: RuntimeMeasurements): Finding {
  const rate = m.allocationBytesPerSecond;
  return {
    area: 'allocation',
    title: 'allocation rate',
    ...(rate === undefined ? {} : { value: rate }),
    measured: rate === undefined ? `not reported (${METRICS.heapAllocated.name} needs Node 26+)` : `${bytes(rate)}/s`,
    // No threshold: the rate is context for the GC findings, not a fault by itself.
    verdict: rate === undefined ? 'unknown' : 'ok',
    recommendation:
      rate === undefined
        ? 'Run on Node 26+ to see the allocation rate; until then the GC share tells its cost.'
        : 'Context for the GC findings: a high rate with a high scavenge share calls for --max-semi-space-size; ' +
          'find the allocating code with node --heap-prof.',
  };
}

function eventLoopFindings(m: RuntimeMeasurements): Finding[] {
  const cpuProf =
    'Something runs long without yielding: record node --cpu-prof (or --cpu-prof-dir) under load and look for long ' +
    'synchronous frames (JSON, regexes, crypto, sync fs, big loops); move CPU work to worker threads.';
  const delay = judged(
    'eventLoop',
    'eventLoopDelay',
    'event-loop delay p99',
    m.eventLoopDelayP99Seconds,
    m.eventLoopDelayP99Seconds === undefined ? 'not reported' : seconds(m.eventLoopDelayP99Seconds),
    (verdict) =>
      verdict === 'unknown' ? 'Event-loop delay is not reported.' : verdict === 'ok' ? 'Callbacks run on time.' : cpuProf,
  );
  const utilization = judged(
    'eventLoop',
    'eventLoopUtilization',
    'event-loop utilization',
    m.eventLoopUtilization,
    m.eventLoopUtilization === undefined ? 'not reported (prom-client has no utilization)' : percent(m.eventLoopUtilization),
    (verdict) => {
      if (verdict === 'unknown') return `Event-loop utilization is not reported: serve nodevitals' ${METRICS.eventLoopUtilization.name}.`;
      if (verdict === 'ok') return 'The loop has room for bursts.';
      return 'The JavaScript thread is nearly always busy: scale out or shed load, and profile with node --cpu-prof to cut the work per request.';
    },
  );
  return [delay, utilization];
}

function handleFindings(m: RuntimeMeasurements): Finding[] {
  const { openFileDescriptors: open, fileDescriptorLimit: limit } = m;
  const share = shareOf(open, limit);
  const fds = judged(
    'handles',
    'fileDescriptors',
    'open file descriptors / limit',
    share,
    open === undefined ? 'not reported (Linux only)' : limit === undefined ? `${open} open, limit not reported` : `${open} of ${limit} (${percent(share!)})`,
    (verdict) => {
      if (verdict === 'unknown') return 'Descriptors or their limit are not reported (Linux /proc only).';
      if (verdict === 'ok') return 'Descriptors are far from their limit.';
      return 'Past the limit accept(), open() and connect() fail with EMFILE. Look for leaked sockets or files (ls -l /proc/<pid>/fd), then raise the limit (ulimit -n, systemd LimitNOFILE, container nofile).';
    },
  );
  const growth = m.activeHandlesGrowth;
  const handles = judged(
    'handles',
    'activeHandlesGrowth',
    'active handles (growth over an hour)',
    growth,
    `${m.activeHandles === undefined ? 'not reported' : `${m.activeHandles} active`}${growth === undefined ? '' : `, floor ${ratio(growth)} over an hour`}`,
    (verdict) => {
      if (verdict === 'unknown')
        return m.activeHandles === undefined
          ? 'Active handles are not reported.'
          : 'Growth needs an hour of history; the alert NodejsActiveResourcesGrowing watches it in Prometheus.';
      if (verdict === 'ok') return 'The handle floor is steady.';
      return 'Handles are opened and never closed (sockets, timers, file handles): compare process.getActiveResourcesInfo() over time to see which type grows.';
    },
  );
  return [fds, handles];
}

function workerFindings(m: RuntimeMeasurements): Finding[] {
  const workers = m.workers;
  if (workers === undefined) {
    return [
      {
        area: 'workers',
        title: 'worker threads',
        measured: 'not reported',
        verdict: 'unknown',
        recommendation: 'Workers are not reported by this source (the workers family is opt-in); each worker has its own heap and loop.',
      },
    ];
  }
  const findings: Finding[] = [
    {
      area: 'workers',
      title: 'worker threads',
      value: workers.count,
      measured: `${workers.count} running`,
      verdict: 'ok',
      recommendation: 'Each worker has its own heap and event loop: an overloaded worker does not show in the main thread figures.',
    },
  ];
  // Graded with the main thread's thresholds: a worker's loop and heap fail the same way.
  if (workers.busiestUtilization !== undefined) {
    findings.push(
      judged('workers', 'eventLoopUtilization', 'busiest worker event loop', workers.busiestUtilization, percent(workers.busiestUtilization), (verdict) =>
        verdict === 'ok' ? 'Workers have room.' : 'A worker is nearly always busy: add workers (a bigger pool) or cut the work per task; profile it with --cpu-prof.',
      ),
    );
  }
  if (workers.fullestHeapShare !== undefined) {
    findings.push(
      judged('workers', 'heapUsed', 'fullest worker heap / its limit', workers.fullestHeapShare, percent(workers.fullestHeapShare), (verdict) =>
        verdict === 'ok'
          ? 'Worker heaps have room under their limits.'
          : "A worker is near its heap limit (resourceLimits.maxOldGenerationSizeMb), past which it is stopped: raise the worker's limit or hold less in it.",
      ),
    );
  }
  return findings;
}

const RANK: Record<Verdict, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 };

/** Grades measurements against THRESHOLDS: the same numbers as health and the shipped alert rules. */
export function judgeRuntime(measurements: RuntimeMeasurements): RuntimeFindings {
  const findings = [
    ...heapFindings(measurements),
    ...gcFindings(measurements),
    allocationFinding(measurements),
    ...eventLoopFindings(measurements),
    ...handleFindings(measurements),
    ...workerFindings(measurements),
  ];
  const worst = findings.reduce((found, finding) => (RANK[finding.verdict] > RANK[found] ? finding.verdict : found), 'ok' as Verdict);
  return { verdict: worst === 'unknown' ? 'ok' : worst, periodSeconds: measurements.periodSeconds, findings };
}
