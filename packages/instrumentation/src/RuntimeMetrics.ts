import { diag, type DiagLogger, type Meter } from '@opentelemetry/api';
import type { FamilyName } from './catalog.js';
import { EventLoopFamily } from './families/eventLoop.js';
import { GcFamily } from './families/gc.js';
import { HeapFamily } from './families/heap.js';
import { SharedBatch } from './internal/BatchRegistration.js';
import { CollectionReads } from './internal/CollectionReads.js';
import { claimMeter, releaseMeter } from './internal/MeterClaims.js';
import { UnsupportedRuntimeError, type FamilyContext, type MetricFamily } from './families/MetricFamily.js';
import { ProcessFamily } from './families/process.js';
import { ResourcesFamily } from './families/resources.js';
import { WorkersFamily } from './families/workers.js';
import { threadLabelledMeter } from './internal/ThreadLabelledMeter.js';
import type { ResolvedOptions } from './options.js';
import { nodeRuntime, type RuntimeSources } from './runtime.js';
import { PACKAGE_NAME } from './version.js';

/** Every family but `health`, whose one series the HealthMonitor reports itself. */
type RuntimeFamilyName = Exclude<FamilyName, 'health' | 'diagnostics'>;

const FAMILIES: Record<RuntimeFamilyName, new (context: FamilyContext) => MetricFamily> = {
  heap: HeapFamily,
  gc: GcFamily,
  eventLoop: EventLoopFamily,
  resources: ResourcesFamily,
  process: ProcessFamily,
  workers: WorkersFamily,
};

/**
 * Builds the enabled families on one meter and switches them on and off.
 * A family whose runtime API is missing is skipped with one diag message;
 * the others carry on. One instance reports per meter (see MeterClaims).
 * Not exported: the entry points wrap it.
 */
export class RuntimeMetrics {
  private families: MetricFamily[] | undefined;

  constructor(
    private readonly meter: Meter,
    private readonly options: ResolvedOptions,
    private readonly runtime: RuntimeSources = nodeRuntime(),
    private readonly logger: DiagLogger = diag.createComponentLogger({ namespace: PACKAGE_NAME }),
  ) {}

  get running(): boolean {
    return this.families !== undefined;
  }

  /** Names of the families that are reporting. */
  get activeFamilies(): FamilyName[] {
    return (this.families ?? []).map((family) => family.name);
  }

  start(): void {
    if (this.families) return;
    // A second instance on the same meter would record every value twice.
    if (!claimMeter(this.meter, this, this.logger)) {
      this.families = [];
      return;
    }
    const thread = this.runtime.currentThread;
    // Inside a worker, every series says which thread it describes.
    const meter = thread ? threadLabelledMeter(this.meter, thread) : this.meter;
    const context: FamilyContext = {
      meter,
      options: this.options,
      runtime: this.runtime,
      logger: this.logger,
      reads: new CollectionReads(this.runtime),
      batch: new SharedBatch(meter),
    };
    const families: MetricFamily[] = [];
    for (const name of Object.keys(FAMILIES) as RuntimeFamilyName[]) {
      if (!this.options[name]) continue;
      try {
        const family = new FAMILIES[name](context);
        family.enable();
        families.push(family);
      } catch (error) {
        if (error instanceof UnsupportedRuntimeError) {
          this.logger.debug(`${name} metrics skipped: ${error.message}`);
        } else {
          this.logger.warn(`${name} metrics skipped: they failed to start`, error);
        }
      }
    }
    this.families = families;
  }

  stop(): void {
    const families = this.families;
    this.families = undefined;
    if (families) releaseMeter(this.meter, this);
    for (const family of families ?? []) {
      try {
        family.disable();
      } catch (error) {
        this.logger.warn(`${family.name} metrics failed to stop cleanly`, error);
      }
    }
  }
}
