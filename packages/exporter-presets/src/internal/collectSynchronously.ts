import { diag, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';

/**
 * A collection that finishes before it returns, for a process.on('exit')
 * listener, where no promise continuation will ever run again.
 *
 * MetricReader.collect() calls the observable callbacks synchronously but
 * records what they observed one microtask later, so it cannot finish inside
 * 'exit'. This walks the same SDK state (sdk-metrics 3.x internals: the
 * reader's MetricCollector, its meter states, their observable registries and
 * storages) in the same order, synchronously. Those internals are not public:
 * every one is checked, and when one is missing the collection is skipped
 * with one debug line, never a throw into a process that is ending.
 */

interface AttributeMap {
  set(attributes: object, value: number): void;
}
interface AttributeMapClass {
  new (): AttributeMap;
}
interface Storage {
  record?(buffer: AttributeMap, time: unknown): void;
  collect(collector: unknown, time: unknown): MetricData | undefined | null;
  _deltaMetricStorage?: { _activeCollectionStorage?: object };
}
interface Instrument {
  _descriptor: { name: string; valueType: ValueType };
  _metricStorages: Storage[];
}
interface MeterState {
  _instrumentationScope: ScopeMetrics['scope'];
  observableRegistry: {
    _callbacks: Array<{ callback: (result: unknown) => unknown; instrument: Instrument }>;
    _batchCallbacks: Array<{ callback: (result: unknown) => unknown; instruments: Set<Instrument> }>;
  };
  metricStorageRegistry: { getStorages(collector: unknown): Storage[] };
}
interface Collector {
  _sharedState: { resource: ResourceMetrics['resource']; meterSharedStates: Map<string, MeterState> };
}

function isCollector(value: unknown): value is Collector {
  const shared = (value as Partial<Collector> | undefined)?._sharedState;
  return shared !== undefined && shared.meterSharedStates instanceof Map && shared.resource !== undefined;
}

function hasExpectedShape(state: MeterState): boolean {
  return (
    Array.isArray(state?.observableRegistry?._callbacks) &&
    Array.isArray(state.observableRegistry._batchCallbacks) &&
    typeof state.metricStorageRegistry?.getStorages === 'function'
  );
}

/** The SDK's own attribute map class, borrowed from a live storage so keys hash exactly as the SDK hashes them. */
function attributeMapClass(states: MeterState[], collector: unknown): AttributeMapClass | undefined {
  for (const state of states) {
    for (const storage of state.metricStorageRegistry.getStorages(collector)) {
      const map = storage._deltaMetricStorage?._activeCollectionStorage;
      if (map && typeof (map as AttributeMap).set === 'function') return map.constructor as AttributeMapClass;
    }
  }
  return undefined;
}

function observed(AttributeMapType: AttributeMapClass, valueType: ValueType | undefined) {
  const buffer = new AttributeMapType();
  return {
    buffer,
    observe(value: unknown, attributes: object = {}): void {
      if (typeof value !== 'number') return;
      buffer.set(attributes, valueType === ValueType.INT ? Math.trunc(value) : value);
    },
  };
}

function record(instrument: Instrument, buffer: AttributeMap, time: unknown): void {
  for (const storage of instrument._metricStorages ?? []) storage.record?.(buffer, time);
}

/** Runs a user callback as the SDK would, minus the await: what it observed synchronously is what counts. */
function runCallback(callback: (result: unknown) => unknown, result: unknown): void {
  try {
    const returned = callback(result) as { catch?: (handler: () => void) => void } | undefined;
    // An async callback's rejection must not become an unhandled rejection of the host.
    returned?.catch?.(() => undefined);
  } catch (error) {
    diag.debug('an observable callback threw during the final collection', error);
  }
}

/**
 * Collects what `producer` (the SDK MetricCollector a MetricReader is bound
 * to) would, synchronously. Undefined when the SDK internals are not as
 * expected.
 */
export function collectSynchronously(producer: unknown): ResourceMetrics | undefined {
  try {
    if (!isCollector(producer)) return unavailable('the reader is not bound to a MeterProvider this SDK version builds');
    const states = [...producer._sharedState.meterSharedStates.values()];
    if (!states.every(hasExpectedShape)) return unavailable('meter state of an unknown shape');
    const AttributeMapType = attributeMapClass(states, producer);
    if (!AttributeMapType) return unavailable('no attribute map to borrow');
    const time = millisToHrTime(Date.now());
    const scopeMetrics: ScopeMetrics[] = [];
    for (const state of states) {
      for (const { callback, instrument } of state.observableRegistry._callbacks) {
        const result = observed(AttributeMapType, instrument._descriptor?.valueType);
        runCallback(callback, result);
        record(instrument, result.buffer, time);
      }
      for (const { callback, instruments } of state.observableRegistry._batchCallbacks) {
        const buffers = new Map<Instrument, ReturnType<typeof observed>>();
        runCallback(callback, {
          observe(instrument: Instrument, value: unknown, attributes?: object) {
            if (!instruments.has(instrument)) return;
            let result = buffers.get(instrument);
            if (!result) buffers.set(instrument, (result = observed(AttributeMapType, instrument._descriptor?.valueType)));
            result.observe(value, attributes);
          },
        });
        for (const [instrument, result] of buffers) record(instrument, result.buffer, time);
      }
      const metrics: MetricData[] = [];
      for (const storage of state.metricStorageRegistry.getStorages(producer)) {
        const data = storage.collect(producer, time);
        if (data) metrics.push(data);
      }
      if (metrics.length > 0) scopeMetrics.push({ scope: state._instrumentationScope, metrics });
    }
    return { resource: producer._sharedState.resource, scopeMetrics };
  } catch (error) {
    diag.debug('nodevitals: the final collection failed; no final export', error);
    return undefined;
  }
}

function unavailable(why: string): undefined {
  diag.debug(`nodevitals: no synchronous final collection (${why}); no final export`);
  return undefined;
}
