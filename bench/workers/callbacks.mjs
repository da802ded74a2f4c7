// Where a collection's time goes: the contender's own batch callbacks (timed
// by wrapping Meter.addBatchObservableCallback / addCallback) versus the
// SDK's work around them (storage, attributes, aggregation). Same short idle
// gap as cost.mjs. The result is per callback, named by its first instrument.
// argv: contender samples warmup gapMillis
import { setTimeout as sleep } from 'node:timers/promises';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { SNAPSHOT_ENTRY } from '../lib/build.mjs';
import { reply } from '../lib/child.mjs';

const [name, samplesArg, warmupArg, gapArg] = process.argv.slice(2);
const samples = Number(samplesArg);
const warmup = Number(warmupArg);
const timings = new Map();
let recording = false;

// Times the synchronous run of a callback: the SDK calls every callback of a
// collection in one pass and awaits them together, so a promise's settling
// time would include the callbacks that ran after it. The peers' async
// callbacks do all their work before their first (and only) return.
function timed(label, callback) {
  timings.set(label, []);
  return function (...args) {
    const start = process.hrtime.bigint();
    try {
      return callback.apply(this, args);
    } finally {
      if (recording) timings.get(label).push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  };
}

/** Wraps an instrument's own addCallback/removeCallback (single-instrument callbacks). */
function timedInstrument(instrument) {
  const add = instrument.addCallback.bind(instrument);
  const remove = instrument.removeCallback.bind(instrument);
  const label = `${instrument._descriptor?.name ?? instrument._name ?? 'instrument'} (+0)`;
  instrument.addCallback = (callback) => {
    if (!wrapped.has(callback)) wrapped.set(callback, timed(label, callback));
    return add(wrapped.get(callback));
  };
  instrument.removeCallback = (callback) => remove(wrapped.get(callback) ?? callback);
  return instrument;
}

const reader = new PrometheusExporter({ preventServerStart: true });
const sdkProvider = new MeterProvider({ readers: [reader] });
const wrapped = new WeakMap();
const provider = {
  getMeter(...args) {
    const meter = sdkProvider.getMeter(...args);
    return new Proxy(meter, {
      get(target, property) {
        if (property === 'addBatchObservableCallback' || property === 'removeBatchObservableCallback') {
          return (callback, observables) => {
            if (!wrapped.has(callback)) {
              const first = observables[0]?._descriptor?.name ?? observables[0]?._name ?? 'batch';
              wrapped.set(callback, timed(`${first} (+${observables.length - 1})`, callback));
            }
            return target[property](wrapped.get(callback), observables);
          };
        }
        if (typeof property === 'string' && property.startsWith('createObservable')) {
          return (...args) => timedInstrument(target[property](...args));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  },
};

if (name === 'nodevitals') {
  const { startRuntimeMetrics } = await import(SNAPSHOT_ENTRY);
  startRuntimeMetrics({ meterProvider: provider });
} else {
  const { RuntimeNodeInstrumentation } = await import('@opentelemetry/instrumentation-runtime-node');
  new RuntimeNodeInstrumentation().setMeterProvider(provider);
}
await sleep(200);
const total = [];
for (let i = 0; i < warmup + samples; i++) {
  await sleep(Number(gapArg));
  recording = i >= warmup;
  const start = process.hrtime.bigint();
  await reader.collect();
  if (recording) total.push(Number(process.hrtime.bigint() - start) / 1e3);
}
// Callbacks registered and removed again during setup never ran in the timed loop.
reply({ name, total, callbacks: Object.fromEntries([...timings].filter(([, values]) => values.length > 0)) });
