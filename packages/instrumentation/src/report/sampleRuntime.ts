import { gcTypeOf } from '../families/gc.js';
import { allocatedBytes } from '../families/heap.js';
import type { EventLoopSampler } from '../internal/EventLoopSampler.js';
import { createEventLoopSampler } from '../internal/createEventLoopSampler.js';
import { realMemoryLimit } from '../internal/memoryLimit.js';
import { oldGenerationLimitBytes, oldGenerationUsedBytes } from '../internal/oldGeneration.js';
import { attempt as read } from '../internal/safeObserve.js';
import { DEFAULT_OPTIONS, SLOTS_PER_WINDOW } from '../options.js';
import type { RuntimeSources } from '../runtime.js';
import type { GcKindMeasurements, RuntimeMeasurements } from './RuntimeMeasurements.js';

/** Pauses kept per GC kind for the p99; past it only count and sum grow, so memory stays bounded whatever the GC rate. */
const PAUSES_KEPT = 10_000;


function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

class GcTally {
  private readonly kinds = new Map<string, { count: number; millis: number; pauses: number[] }>();

  record(kind: number, durationMillis: number): void {
    const type = gcTypeOf(kind);
    let tally = this.kinds.get(type);
    if (!tally) this.kinds.set(type, (tally = { count: 0, millis: 0, pauses: [] }));
    tally.count++;
    tally.millis += durationMillis;
    if (tally.pauses.length < PAUSES_KEPT) tally.pauses.push(durationMillis);
  }

  measurements(periodSeconds: number): RuntimeMeasurements['gc'] {
    const byKind: Record<string, GcKindMeasurements> = {};
    let totalSeconds = 0;
    for (const [type, tally] of this.kinds) {
      const sorted = tally.pauses.sort((a, b) => a - b);
      const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)];
      byKind[type] = { count: tally.count, seconds: tally.millis / 1000, ...(p99 === undefined ? {} : { p99Seconds: p99 / 1000 }) };
      totalSeconds += tally.millis / 1000;
    }
    return { timeShare: periodSeconds > 0 ? totalSeconds / periodSeconds : 0, byKind };
  }
}

function delaySampler(runtime: RuntimeSources, durationMillis: number): EventLoopSampler | undefined {
  const { eventLoopIdleMillis } = runtime;
  if (!eventLoopIdleMillis) return undefined;
  const resolutionMillis = DEFAULT_OPTIONS.eventLoopResolutionMillis;
  // One window that holds the whole period, so its p99 and utilization are the period's.
  const options = { resolutionMillis, windowMillis: Math.max(durationMillis * 2, SLOTS_PER_WINDOW * resolutionMillis), slots: SLOTS_PER_WINDOW };
  return createEventLoopSampler(runtime, eventLoopIdleMillis, options);
}

/**
 * Measures the runtime over `durationMillis` with the same samplers the
 * metric families use. Every read is guarded: what fails stays undefined.
 * The wait is unref'd, so a process with nothing else to do is not kept alive
 * for the report.
 */
export async function sampleRuntime(runtime: RuntimeSources, durationMillis: number): Promise<RuntimeMeasurements> {
  const startedAt = runtime.now();
  const handles = read(runtime.activeResources)?.length;
  const allocatedBefore = runtime.heapStatistics && finite(allocatedBytes(runtime.heapStatistics));
  const gc = new GcTally();
  const unsubscribe = read(() => runtime.observeGc?.((entries) => entries.forEach((entry) => gc.record(entry.kind, entry.duration))));
  const sampler = delaySampler(runtime, durationMillis);
  read(() => sampler?.start());
  try {
    await new Promise<void>((resolve) => setTimeout(resolve, durationMillis).unref());
  } finally {
    read(() => unsubscribe?.());
  }
  const periodSeconds = (runtime.now() - startedAt) / 1000;
  const delay = read(() => sampler?.windowStats());
  const utilization = read(() => sampler?.windowUtilization());
  read(() => sampler?.stop());
  read(() => sampler?.drainSamples(() => undefined));
  const heap = read(runtime.heapStatistics);
  const spaces = read(runtime.heapSpaceStatistics);
  const allocatedAfter = runtime.heapStatistics && finite(allocatedBytes(runtime.heapStatistics));
  const counter = read(runtime.fileDescriptorCounter);
  const openFileDescriptors = read(() => counter?.count());
  read(() => counter?.close());
  const container = finite(read(runtime.constrainedMemory));
  const measured: Record<string, unknown> = {
    periodSeconds,
    heapUsedBytes: finite(heap?.used_heap_size),
    heapLimitBytes: finite(heap?.heap_size_limit),
    oldGenerationUsedBytes: spaces && finite(oldGenerationUsedBytes(spaces)),
    oldGenerationLimitBytes: heap && finite(oldGenerationLimitBytes(heap.heap_size_limit, read(runtime.configuredOldGeneration))),
    rssBytes: finite(read(runtime.rss)),
    containerLimitBytes: realMemoryLimit(container),
    gc: runtime.observeGc ? gc.measurements(periodSeconds) : undefined,
    allocationBytesPerSecond:
      allocatedBefore !== undefined && allocatedAfter !== undefined && periodSeconds > 0 ? (allocatedAfter - allocatedBefore) / periodSeconds : undefined,
    eventLoopDelayP99Seconds: delay && delay.count > 0 ? delay.p99 / 1e6 : undefined,
    eventLoopUtilization: finite(utilization),
    activeHandles: handles,
    openFileDescriptors,
    fileDescriptorLimit: finite(read(runtime.fileDescriptorLimit)),
  };
  // Undefined figures are left out, so the report's JSON holds only what was measured.
  return Object.fromEntries(Object.entries(measured).filter(([, value]) => value !== undefined)) as unknown as RuntimeMeasurements;
}
