import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded } from '../internal/safeObserve.js';
import { createObservable, probe, requireSource, type FamilyContext, type MetricFamily } from './MetricFamily.js';

/**
 * Node has a few dozen resource types; this bound only matters if a runtime
 * or native addon invents names without end. Past it, new types count as `other`.
 */
export const MAX_RESOURCE_TYPES = 64;
const OTHER = 'other';

/**
 * Active handles, requests and timers by type. A type seen once keeps being
 * reported (as 0 when gone), so a graph drops to zero instead of stopping;
 * the set of types is bounded, so the series count is too.
 */
export class ResourcesFamily implements MetricFamily {
  readonly name = 'resources';
  private readonly activeResources;
  private readonly active: Observable;
  private readonly types = new Map<string, { attributes: Attributes; count: number }>();
  private readonly registration: BatchRegistration;

  constructor(context: FamilyContext) {
    const activeResources = requireSource(context.runtime.activeResources, 'process.getActiveResourcesInfo');
    probe(activeResources, 'process.getActiveResourcesInfo');
    this.activeResources = activeResources;
    this.active = createObservable(context.meter, METRICS.resourcesActive);
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'active-resources collection', (result: BatchObservableResult) => this.collect(result)),
      [this.active],
    );
  }

  enable(): void {
    this.registration.register();
  }

  disable(): void {
    this.registration.remove();
  }

  private slotFor(type: string): { attributes: Attributes; count: number } {
    let slot = this.types.get(type);
    if (slot) return slot;
    const name = this.types.size < MAX_RESOURCE_TYPES ? type : OTHER;
    slot = this.types.get(name);
    if (!slot) {
      slot = { attributes: Object.freeze({ [ATTRIBUTES.resourceType]: name }), count: 0 };
      this.types.set(name, slot);
    }
    return slot;
  }

  private collect(result: BatchObservableResult): void {
    const resources = this.activeResources();
    for (const slot of this.types.values()) slot.count = 0;
    for (const type of resources) {
      if (typeof type === 'string') this.slotFor(type).count++;
    }
    for (const { attributes, count } of this.types.values()) result.observe(this.active, count, attributes);
  }
}
