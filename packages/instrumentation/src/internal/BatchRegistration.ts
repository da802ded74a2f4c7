import type { BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';

/** One batch callback over a family's instruments, registered and removed idempotently. */
export class BatchRegistration {
  private registered = false;

  constructor(
    private readonly meter: Meter,
    private readonly callback: BatchObservableCallback,
    private readonly observables: Observable[],
  ) {}

  register(): void {
    if (this.registered) return;
    this.registered = true;
    this.meter.addBatchObservableCallback(this.callback, this.observables);
  }

  remove(): void {
    if (!this.registered) return;
    this.registered = false;
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }
}
