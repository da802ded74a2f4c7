// The contenders, set up the way their READMEs tell a user to, each behind
// the same small interface so every worker measures them with the same code:
//   collect()  what a metric reader's collect() costs (prom-client: getMetricsAsJSON())
//   scrape()   collect plus Prometheus text serialisation, with the serializer each
//              contender's users get: nodevitals the one behind the exporter-presets
//              Prometheus reader, runtime-node upstream's PrometheusSerializer,
//              prom-client register.metrics()
//   read()     the values the accuracy workers compare, in seconds
import { fstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { PROMETHEUS_TEXT_ENTRY, SNAPSHOT_ENTRY } from './build.mjs';

export const CONTENDERS = ['nodevitals', 'runtime-node', 'prom-client'];
/** The SDK-alone rows: each OpenTelemetry contender's points, fed to the SDK as constants. */
export const SDK_ALONE = ['sdk:nodevitals', 'sdk:runtime-node'];
export const FAMILIES = ['heap', 'gc', 'eventLoop', 'resources', 'process'];

/** startRuntimeMetrics options for one family alone, or for the defaults (all five) when `only` is undefined. */
export function familyOptions(only) {
  return only ? Object.fromEntries(FAMILIES.map((family) => [family, family === only])) : {};
}

/**
 * The text serializer nodevitals users get: @nodevitals/exporter-presets'
 * Prometheus reader runs it on every GET /metrics, with its default unit
 * suffixes. The reader's HTTP server is left out, as the peers' are.
 */
export async function nodevitalsSerializer() {
  const { PrometheusTextSerializer } = await import(PROMETHEUS_TEXT_ENTRY);
  return new PrometheusTextSerializer({ withUnitSuffixes: true });
}

async function otelSetup(start, serializerFor) {
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { PrometheusExporter, PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
  // The exporter is a MetricReader: collect() is the reader's collection (the
  // same MetricReader.collect() every SDK reader runs) and its serializer is
  // what its GET /metrics runs, with no server of its own.
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader] });
  const serializer = serializerFor ? await serializerFor() : (reader._serializer ?? new PrometheusSerializer());
  const stop = await start(provider);
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw errors[0];
    return resourceMetrics;
  };
  return {
    kind: 'otel',
    collect,
    async scrape() {
      return serializer.serialize(await collect());
    },
    async otlp() {
      const { ProtobufMetricsSerializer } = await import('@opentelemetry/otlp-transformer');
      return ProtobufMetricsSerializer.serializeRequest(await collect());
    },
    async points() {
      let points = 0;
      for (const scope of (await collect()).scopeMetrics) for (const metric of scope.metrics) points += metric.dataPoints.length;
      return points;
    },
    async read() {
      const values = { eventLoopMax: undefined, gc: {} };
      for (const scope of (await collect()).scopeMetrics) {
        for (const metric of scope.metrics) {
          const name = metric.descriptor.name;
          if (name === 'nodejs.eventloop.delay.max') values.eventLoopMax = metric.dataPoints[0]?.value;
          if (name === 'v8js.gc.duration') {
            for (const point of metric.dataPoints) {
              const type = point.attributes['v8js.gc.type'];
              values.gc[type] = { count: point.value.count, sum: point.value.sum };
            }
          }
        }
      }
      return values;
    },
    async stop() {
      await stop?.();
      await provider.shutdown();
    },
  };
}

async function promClientSetup() {
  const { default: client } = await import('prom-client');
  const register = client.register;
  client.collectDefaultMetrics();
  return {
    kind: 'prom-client',
    collect: () => register.getMetricsAsJSON(),
    scrape: () => register.metrics(),
    otlp: undefined,
    async points() {
      // One point per series; a histogram series is one point, as in OpenTelemetry.
      let points = 0;
      for (const metric of await register.getMetricsAsJSON()) {
        if (metric.type === 'histogram') points += metric.values.filter((v) => v.metricName?.endsWith('_count')).length;
        else points += metric.values.length;
      }
      return points;
    },
    async read() {
      const values = { eventLoopMax: undefined, gc: {} };
      for (const metric of await register.getMetricsAsJSON()) {
        if (metric.name === 'nodejs_eventloop_lag_max_seconds') values.eventLoopMax = metric.values[0]?.value;
        if (metric.name === 'nodejs_gc_duration_seconds') {
          for (const v of metric.values) {
            const type = v.labels.kind;
            values.gc[type] ??= { count: 0, sum: 0 };
            if (v.metricName.endsWith('_count')) values.gc[type].count = v.value;
            if (v.metricName.endsWith('_sum')) values.gc[type].sum = v.value;
          }
        }
      }
      return values;
    },
    async stop() {
      register.clear();
    },
  };
}

/**
 * One read of each runtime API the nodevitals families read in a default
 * collection: the floor any implementation of the same metrics pays. Each
 * read is timed on its own too. (RSS comes from the same memoryUsage() the
 * heap family reads; descriptors are counted with one fstat of a descriptor
 * of /proc/self/fd kept open, where Linux reports the count as its size, as
 * nodevitals does.)
 */
export const RAW_APIS = {
  'v8.getHeapSpaceStatistics': () => v8.getHeapSpaceStatistics(),
  'v8.getHeapStatistics': () => v8.getHeapStatistics(),
  'process.memoryUsage': () => process.memoryUsage(),
  'performance.eventLoopUtilization': () => performance.eventLoopUtilization(),
  'process.getActiveResourcesInfo': () => process.getActiveResourcesInfo(),
  'process.resourceUsage': () => process.resourceUsage(),
  'process.uptime': () => process.uptime(),
  ...descriptorCount(),
};

function descriptorCount() {
  try {
    if (statSync('/proc/self/fd').size > 0) {
      const kept = openSync('/proc/self/fd', 'r');
      return { 'fstatSync(kept /proc/self/fd descriptor)': () => fstatSync(kept).size };
    }
    return { "readdirSync('/proc/self/fd')": () => readdirSync('/proc/self/fd') };
  } catch {
    return {}; // no /proc: nodevitals skips the descriptor metrics too
  }
}

/**
 * What the peers read that nodevitals does not: Node's monitorEventLoopDelay
 * histogram (10 ms resolution, both peers' default), its seven statistics and
 * the reset() both do on every collection. Its cost grows with what the
 * histogram accumulated since the last reset, i.e. with the gap.
 */
export function peerReads() {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    // How nodevitals counted descriptors before it kept a descriptor open.
    "statSync('/proc/self/fd') by path": () => statSync('/proc/self/fd').size,
    'monitorEventLoopDelay: 7 statistics + reset()': () => {
      const values = [histogram.min, histogram.max, histogram.mean, histogram.stddev, histogram.percentile(50), histogram.percentile(90), histogram.percentile(99)];
      histogram.reset();
      return values;
    },
  };
}

function rawFloorSetup() {
  const reads = Object.values(RAW_APIS);
  const readAll = async () => {
    for (const read of reads) read();
  };
  return { kind: 'floor', collect: readAll, scrape: readAll, points: async () => 0, async stop() {} };
}

const OBSERVABLE_KINDS = {
  OBSERVABLE_COUNTER: 'createObservableCounter',
  OBSERVABLE_UP_DOWN_COUNTER: 'createObservableUpDownCounter',
  OBSERVABLE_GAUGE: 'createObservableGauge',
};

/**
 * The SDK's part of an OpenTelemetry contender's collection: the contender is
 * collected once, then a fresh MeterProvider gets the same instruments (name,
 * kind, unit, bucket boundaries) with the same points (attribute sets),
 * observed as constants by one batch callback, histograms recorded once. No
 * runtime API is read and no instrumentation code runs: what collecting that
 * contender's output costs when the instrumentation itself costs nothing.
 */
async function sdkAloneSetup(of) {
  const probe = await setup(of);
  // The steady-state shape: samplers have ticked and a few scavenges have
  // produced the GC histogram's points, as in the measured runs.
  await new Promise((resolve) => setTimeout(resolve, 300));
  let garbage = [];
  for (let i = 0; i < 2e6; i++) garbage.push({ i }), i % 1e4 === 0 && (garbage = []);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const shape = (await probe.collect()).scopeMetrics.flatMap((scope) => scope.metrics);
  await probe.stop();
  return otelSetup((provider) => {
    const meter = provider.getMeter('sdk-alone');
    const observed = [];
    for (const { descriptor, dataPoints } of shape) {
      const options = { unit: descriptor.unit, description: descriptor.description };
      const points = dataPoints.map((point) => ({ attributes: Object.freeze({ ...point.attributes }), value: point.value }));
      const create = OBSERVABLE_KINDS[descriptor.type];
      if (create) {
        observed.push({ instrument: meter[create](descriptor.name, options), points });
        continue;
      }
      const boundaries = dataPoints[0]?.value?.buckets?.boundaries;
      const histogram = meter.createHistogram(descriptor.name, { ...options, advice: boundaries && { explicitBucketBoundaries: boundaries } });
      for (const { attributes, value } of points) histogram.record(value.sum / Math.max(1, value.count), attributes);
    }
    const instruments = observed.map((entry) => entry.instrument);
    meter.addBatchObservableCallback((result) => {
      for (const { instrument, points } of observed) for (const { attributes, value } of points) result.observe(instrument, value, attributes);
    }, instruments);
  });
}

/**
 * `name` is a contender, `none` (an SDK MeterProvider with nothing on it),
 * `floor` (raw API reads), `sdk:<contender>` (the SDK alone, fed that
 * contender's points as constants), or `nodevitals:<family>` (one family alone).
 */
export async function setup(name) {
  if (name === 'prom-client') return promClientSetup();
  if (name === 'floor') return rawFloorSetup();
  if (name === 'none') return otelSetup(() => undefined);
  if (name.startsWith('sdk:')) return sdkAloneSetup(name.slice('sdk:'.length));
  if (name === 'runtime-node') {
    const { RuntimeNodeInstrumentation } = await import('@opentelemetry/instrumentation-runtime-node');
    return otelSetup((provider) => {
      const instrumentation = new RuntimeNodeInstrumentation();
      instrumentation.setMeterProvider(provider);
      return () => instrumentation.disable();
    });
  }
  if (name === 'nodevitals' || name.startsWith('nodevitals:')) {
    const { startRuntimeMetrics } = await import(SNAPSHOT_ENTRY);
    const families = familyOptions(name.split(':')[1]);
    return otelSetup((provider) => {
      const handle = startRuntimeMetrics({ meterProvider: provider, ...families });
      return () => handle.stop();
    }, nodevitalsSerializer);
  }
  throw new Error(`unknown contender ${name}`);
}

/** Prometheus samples in an exposition: every line that is not a comment. */
export function countSamples(text) {
  let samples = 0;
  for (const line of text.split('\n')) if (line && line[0] !== '#') samples++;
  return samples;
}
