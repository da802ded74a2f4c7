import type { BatchObservableCallback, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';

/**
 * One batch observable callback on the meter for all enabled families. The
 * SDK pays for every batch callback on every collection (a result object, a
 * promise, and under a periodic reader a timeout timer); one callback that
 * runs each family's collection in turn pays that once. Adding or removing a
 * family re-registers the callback with the new set of instruments.
 */
export class SharedBatch {
  private readonly members = new Set<BatchRegistration>();
  private registered: { callback: BatchObservableCallback; observables: Observable[] } | undefined;

  constructor(private readonly meter: Meter) {}

  add(member: BatchRegistration): void {
    if (this.members.has(member)) return;
    this.members.add(member);
    this.refresh();
  }

  delete(member: BatchRegistration): void {
    if (this.members.delete(member)) this.refresh();
  }

  private refresh(): void {
    if (this.registered) {
      this.meter.removeBatchObservableCallback(this.registered.callback, this.registered.observables);
      this.registered = undefined;
    }
    if (this.members.size === 0) return;
    const callbacks = [...this.members].map((member) => member.callback);
    const observables = [...this.members].flatMap((member) => member.observables);
    const callback = (result: BatchObservableResult): void => {
      for (const collect of callbacks) {
        try {
          collect(result);
        } catch {
          // Each family's callback is guarded and reports its own failure;
          // this only keeps one family from ever costing the others theirs.
        }
      }
    };
    this.meter.addBatchObservableCallback(callback, observables);
    this.registered = { callback, observables };
  }
}

/** A family's part of the shared batch callback, registered and removed idempotently. */
export class BatchRegistration {
  constructor(
    private readonly batch: SharedBatch,
    readonly callback: (result: BatchObservableResult) => void,
    readonly observables: Observable[],
  ) {}

  register(): void {
    this.batch.add(this);
  }

  remove(): void {
    this.batch.delete(this);
  }
}
