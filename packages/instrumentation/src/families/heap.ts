import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded, observeFinite } from '../internal/safeObserve.js';
import { createObservable, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

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
    | 'spaceUsed' | 'spaceSize' | 'spaceAvailable' | 'spacePhysical' | 'limit' | 'size' | 'used' | 'available'
    | 'physical' | 'malloced' | 'external' | 'arrayBuffers' | 'nativeContexts' | 'detachedContexts',
    Observable
  >;
  private readonly registration: BatchRegistration;

  constructor(private readonly context: FamilyContext) {
    const { runtime, meter } = context;
    this.heapStatistics = requireSource(runtime.heapStatistics, 'v8.getHeapStatistics');
    this.heapSpaceStatistics = requireSource(runtime.heapSpaceStatistics, 'v8.getHeapSpaceStatistics');
    this.instruments = {
      spaceUsed: createObservable(meter, METRICS.heapSpaceUsed),
      spaceSize: createObservable(meter, METRICS.heapSpaceSize),
      spaceAvailable: createObservable(meter, METRICS.heapSpaceAvailable),
      spacePhysical: createObservable(meter, METRICS.heapSpacePhysical),
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
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'heap collection', (result: BatchObservableResult) => this.collect(result)),
      Object.values(this.instruments),
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
    for (const space of this.heapSpaceStatistics()) {
      const attributes = this.attributesOf(space.space_name);
      observeFinite(result, i.spaceUsed, space.space_used_size, attributes);
      observeFinite(result, i.spaceSize, space.space_size, attributes);
      observeFinite(result, i.spaceAvailable, space.space_available_size, attributes);
      observeFinite(result, i.spacePhysical, space.physical_space_size, attributes);
    }
    const heap = this.heapStatistics();
    observeFinite(result, i.limit, heap.heap_size_limit);
    observeFinite(result, i.size, heap.total_heap_size);
    observeFinite(result, i.used, heap.used_heap_size);
    observeFinite(result, i.available, heap.total_available_size);
    observeFinite(result, i.physical, heap.total_physical_size);
    observeFinite(result, i.malloced, heap.malloced_memory);
    observeFinite(result, i.nativeContexts, heap.number_of_native_contexts);
    observeFinite(result, i.detachedContexts, heap.number_of_detached_contexts);
    // `external_memory` joined getHeapStatistics() in Node 20; memoryUsage() has it everywhere.
    const memory = this.context.reads.memoryUsage();
    observeFinite(result, i.external, heap.external_memory ?? memory?.external);
    observeFinite(result, i.arrayBuffers, memory?.arrayBuffers);
  }
}
