import type {
  Attributes,
  BatchObservableCallback,
  BatchObservableResult,
  Histogram,
  Meter,
  MetricOptions,
  Observable,
} from '@opentelemetry/api';
import { ATTRIBUTES } from '../catalog.js';
import type { CurrentThread } from './workerThreads.js';

/**
 * The meter the families use when the instrumentation runs inside a worker
 * thread: every value they record or observe carries the worker's
 * `thread.id` and `thread.name`, so a worker exporting its own series never
 * collides with the main thread's or another worker's under the same
 * resource. Only what the families call is wrapped; the merged attribute
 * sets are built once per set the families pass (they pass frozen constants).
 */
export function threadLabelledMeter(meter: Meter, thread: CurrentThread): Meter {
  const base: Attributes = Object.freeze({ [ATTRIBUTES.threadId]: thread.id, [ATTRIBUTES.threadName]: thread.name });
  const merged = new WeakMap<Attributes, Attributes>();
  const label = (attributes: Attributes | undefined): Attributes => {
    if (!attributes) return base;
    let labelled = merged.get(attributes);
    if (!labelled) {
      labelled = Object.freeze({ ...attributes, ...base });
      merged.set(attributes, labelled);
    }
    return labelled;
  };
  const wrapped = new WeakMap<BatchObservableCallback, BatchObservableCallback>();
  const wrap = (callback: BatchObservableCallback): BatchObservableCallback => {
    let labelledCallback = wrapped.get(callback);
    if (!labelledCallback) {
      labelledCallback = (result: BatchObservableResult) =>
        callback({
          observe: (observable: Observable, value: number, attributes?: Attributes) =>
            result.observe(observable, value, label(attributes)),
        });
      wrapped.set(callback, labelledCallback);
    }
    return labelledCallback;
  };
  return Object.assign(Object.create(meter) as Meter, {
    createHistogram(name: string, options?: MetricOptions): Histogram {
      const histogram = meter.createHistogram(name, options);
      return {
        record: (value: number, attributes?: Attributes, context?: Parameters<Histogram['record']>[2]) =>
          histogram.record(value, label(attributes), context),
      };
    },
    addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
      meter.addBatchObservableCallback(wrap(callback), observables);
    },
    removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
      meter.removeBatchObservableCallback(wrap(callback), observables);
    },
  });
}
