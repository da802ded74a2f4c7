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
  const record =
    <T extends { record(value: number, attributes?: Attributes): void }>(instrument: T) =>
    (value: number, attributes?: Attributes): void =>
      instrument.record(value, label(attributes));
  const add =
    <T extends { add(value: number, attributes?: Attributes): void }>(instrument: T) =>
    (value: number, attributes?: Attributes): void =>
      instrument.add(value, label(attributes));
  // Every method delegates explicitly (no prototype tricks): observable instruments are the meter's own,
  // since a batch result only accepts those; the families observe through batch callbacks only.
  return {
    createHistogram: (name: string, options?: MetricOptions): Histogram => ({ record: record(meter.createHistogram(name, options)) }),
    createGauge: (name: string, options?: MetricOptions) => ({ record: record(meter.createGauge(name, options)) }),
    createCounter: (name: string, options?: MetricOptions) => ({ add: add(meter.createCounter(name, options)) }),
    createUpDownCounter: (name: string, options?: MetricOptions) => ({ add: add(meter.createUpDownCounter(name, options)) }),
    createObservableGauge: (name: string, options?: MetricOptions) => meter.createObservableGauge(name, options),
    createObservableCounter: (name: string, options?: MetricOptions) => meter.createObservableCounter(name, options),
    createObservableUpDownCounter: (name: string, options?: MetricOptions) => meter.createObservableUpDownCounter(name, options),
    addBatchObservableCallback: (callback: BatchObservableCallback, observables: Observable[]): void =>
      meter.addBatchObservableCallback(wrap(callback), observables),
    removeBatchObservableCallback: (callback: BatchObservableCallback, observables: Observable[]): void =>
      meter.removeBatchObservableCallback(wrap(callback), observables),
  };
}
