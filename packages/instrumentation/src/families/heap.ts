import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import type { HeapInfo } from 'node:v8';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { oldGenerationLimitBytes } from '../internal/oldGeneration.js';
import { attempt, guarded, MonotonicCounters, observeFinite } from '../internal/safeObserve.js';
import { createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

type HeapInfoWithAllocation = HeapInfo & { total_allocated_bytes?: number };

export function allocatedBytes(heapStatistics: () => HeapInfo): number | undefined {
  try {
    return (heapStatistics() as HeapInfoWithAllocation).total_allocated_bytes;
  } catch {
    return undefined;
  }
}

/**
 * V8 heap per space and whole, plus off-heap memory and contexts: heap and
 * space statistics, and the collection's shared memoryUsage() for array buffers.
 */
export class HeapFamily implements MetricFamily {
  readonly name = 'heap';
  private readonly heapStatistics;
  private readonly heapSpaceStatistics;
  private readonly spaceAttributes = new Map<string, Attributes>();
  private readonly instruments: Record<
    | 'spaceUsed' | 'spaceSize' | 'limit' | 'size' | 'used' | 'available'
    | 'physical' | 'malloced' | 'external' | 'arrayBuffers' | 'nativeContexts' | 'detachedContexts',
    Observable
  >;
  private readonly oldGenerationLimit: Observable;
  /** The configured old-generation maximum, read once: a thread's flags and resourceLimits never change. */
  private readonly configuredOldGeneration: number | undefined;
  /**
   * Per-space available and physical bytes, only with `heapSpaceDetail`: most
   * spaces read near 0 all the time, and the whole-heap totals carry the signal.
   */
  private readonly spaceDetail: Record<'available' | 'physical', Observable> | undefined;
  /** Present where V8 counts allocations (Node 26+): from the same getHeapStatistics() read. */
  private readonly allocated: Observable | undefined;
  private readonly counters = new MonotonicCounters();
  private readonly registration: BatchRegistration;

  constructor(private readonly context: FamilyContext) {
    const { runtime, meter } = context;
    this.heapStatistics = requireSource(runtime.heapStatistics, 'v8.getHeapStatistics');
    this.heapSpaceStatistics = requireSource(runtime.heapSpaceStatistics, 'v8.getHeapSpaceStatistics');
    this.instruments = {
      spaceUsed: createObservable(meter, METRICS.heapSpaceUsed),
      spaceSize: createObservable(meter, METRICS.heapSpaceSize),
      limit: createObservable(meter, METRICS.heapLimit),
      size: createObservable(meter, METRICS.heapSize),
      used: createObservable(meter, METRICS.heapUsed),
      available: createObservable(meter, METRICS.heapAvailable),
      physical: createObservable(meter, METRICS.heapPhysical),
      malloced: createObservable(meter, METRICS.mallocedMemory),
      external: createObservable(meter, METRICS.externalMemory),
      arrayBuffers: createObservable(meter, METRICS.arrayBuffers),
      nativeContexts: createObservable(meter, METRICS.nativeContexts),
      detachedContexts: createObservable(meter, METRICS.detachedContexts),
    };
    this.oldGenerationLimit = createObservable(meter, METRICS.heapOldGenerationLimit);
    this.configuredOldGeneration = attempt(runtime.configuredOldGeneration);
    this.spaceDetail = context.options.heapSpaceDetail
      ? { available: createObservable(meter, METRICS.heapSpaceAvailable), physical: createObservable(meter, METRICS.heapSpacePhysical) }
      : undefined;
    // No derivation on older lines: what GC statistics give (heap before a GC
    // minus heap after the previous one) misses whatever was allocated and
    // freed between, so it is no count of bytes allocated.
    if (typeof allocatedBytes(this.heapStatistics) === 'number') {
      this.allocated = createObservable(meter, METRICS.heapAllocated);
    } else {
      context.logger.debug(`${METRICS.heapAllocated.name} skipped: v8.getHeapStatistics() has no total_allocated_bytes (Node 26+)`);
    }
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'heap collection', (result: BatchObservableResult) => this.collect(result)),
      [...Object.values(this.instruments), this.oldGenerationLimit, ...Object.values(this.spaceDetail ?? {}), ...(this.allocated ? [this.allocated] : [])],
    );
  }

  enable(): void {
    this.registration.register();
  }

  disable(): void {
    this.registration.remove();
  }

  private attributesOf(space: string): Attributes {
    let attributes = this.spaceAttributes.get(space);
    if (!attributes) {
      attributes = Object.freeze({ [ATTRIBUTES.heapSpaceName]: space });
      this.spaceAttributes.set(space, attributes);
    }
    return attributes;
  }

  private collect(result: BatchObservableResult): void {
    const i = this.instruments;
    const detail = this.spaceDetail;
    for (const space of this.heapSpaceStatistics()) {
      const attributes = this.attributesOf(space.space_name);
      observeFinite(result, i.spaceUsed, space.space_used_size, attributes);
      observeFinite(result, i.spaceSize, space.space_size, attributes);
      if (detail) {
        observeFinite(result, detail.available, space.space_available_size, attributes);
        observeFinite(result, detail.physical, space.physical_space_size, attributes);
      }
    }
    const heap = this.heapStatistics();
    observeFinite(result, i.limit, heap.heap_size_limit);
    observeFinite(result, this.oldGenerationLimit, oldGenerationLimitBytes(heap.heap_size_limit, this.configuredOldGeneration));
    observeFinite(result, i.size, heap.total_heap_size);
    observeFinite(result, i.used, heap.used_heap_size);
    observeFinite(result, i.available, heap.total_available_size);
    observeFinite(result, i.physical, heap.total_physical_size);
    observeFinite(result, i.malloced, heap.malloced_memory);
    observeFinite(result, i.nativeContexts, heap.number_of_native_contexts);
    observeFinite(result, i.detachedContexts, heap.number_of_detached_contexts);
    if (this.allocated) {
      observeFinite(result, this.allocated, this.counters.value('allocated', (heap as HeapInfoWithAllocation).total_allocated_bytes));
    }
    // `external_memory` joined getHeapStatistics() in Node 20; memoryUsage() has it everywhere.
    const memory = this.context.reads.memoryUsage();
    observeFinite(result, i.external, heap.external_memory ?? memory?.external);
    observeFinite(result, i.arrayBuffers, memory?.arrayBuffers);
  }
}
