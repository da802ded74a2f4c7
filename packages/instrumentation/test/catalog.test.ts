import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { METRICS, type InstrumentKind, type MetricDefinition } from '../src/catalog';
import { DEFAULT_OPTIONS } from '../src/options';
import { HealthMonitor, startDiagnostics, startRuntimeMetrics } from '../src/index';
import { nodeRuntime } from '../src/runtime';
import { sleep, TestReader } from './helpers/collect';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

v8.setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

function kindOf(metric: MetricData): InstrumentKind {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
      return 'histogram';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'updowncounter';
    default:
      throw new Error(`unexpected data point type for ${metric.descriptor.name}`);
  }
}

/** Every opt-in flag of the catalog, switched on. */
const ALL_OPT_INS = Object.fromEntries(
  (Object.values(METRICS) as MetricDefinition[]).flatMap((metric) => (metric.optIn ? [[metric.optIn, true]] : [])),
);

/**
 * Metrics whose Node API only newer lines have, and whether this Node has it
 * (or lacks it, and skips them): the contract checks whichever is true here.
 */
const runtime = nodeRuntime();
const HERE: Partial<Record<keyof typeof METRICS, boolean>> = {
  heapAllocated: typeof (v8.getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes === 'number',
  threadCpuTime: runtime.threadCpuUsage !== undefined,
  loopIterations: runtime.loopCounters !== undefined,
  loopEventsProcessed: runtime.loopCounters !== undefined,
  loopEventsWaiting: runtime.loopCounters !== undefined,
  // Reported only under a real limit (a container); unconstrained, there is none to report.
  memoryLimit: (() => {
    const limit = runtime.constrainedMemory?.() ?? 0;
    return limit > 0 && limit < 2 ** 53;
  })(),
};

describe('contract: what is emitted is exactly the catalog', () => {
  let emitted: Map<string, MetricData>;
  beforeAll(async () => {
    const diagnosticsDirectory = mkdtempSync(join(tmpdir(), 'nodevitals-catalog-'));
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const handle = startRuntimeMetrics({ meterProvider: provider, ...ALL_OPT_INS });
    // A worker for the workers family to report (its heap and CPU answer by the next collection).
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    await reader.metrics();
    // The health family is the health monitor's state series; the diagnostics family is its capture counter.
    const health = new HealthMonitor({ meterProvider: provider });
    health.start();
    const diagnostics = startDiagnostics({ meterProvider: provider, captures: ['cpu-profile'], directory: diagnosticsDirectory }, health);
    forceGc();
    await sleep(100);
    emitted = await reader.metrics();
    await worker.terminate();
    handle.stop();
    health.stop();
    diagnostics.stop();
    rmSync(diagnosticsDirectory, { recursive: true, force: true });
    await provider.shutdown();
  });

  const expected = (Object.entries(METRICS) as [keyof typeof METRICS, MetricDefinition][]).filter(([id]) => HERE[id] !== false);
  const absentHere = (Object.entries(METRICS) as [keyof typeof METRICS, MetricDefinition][]).filter(([id]) => HERE[id] === false);

  it.each(expected.map(([, metric]) => [metric.name, metric] as [string, MetricDefinition]))(
    '%s is emitted with its instrument kind, unit, description and attributes',
    (name, definition) => {
      const metric = emitted.get(name);
      expect(metric).toBeDefined();
      expect(kindOf(metric!)).toBe(definition.instrument);
      expect(metric!.descriptor.unit).toBe(definition.unit);
      expect(metric!.descriptor.description).toBe(definition.description);
      expect(metric!.dataPoints.length).toBeGreaterThan(0);
      for (const point of metric!.dataPoints) {
        expect(Object.keys(point.attributes).sort()).toEqual([...definition.attributes].sort());
      }
    },
  );

  it(`what this Node ${process.version} lacks the API for is not emitted at all (not even an empty metric)`, () => {
    expect(absentHere.map(([, metric]) => metric.name).filter((name) => emitted.has(name))).toEqual([]);
  });

  it('nothing outside the catalog is emitted', () => {
    const catalogued = new Set(Object.values(METRICS).map((metric) => metric.name));
    expect([...emitted.keys()].filter((name) => !catalogued.has(name))).toEqual([]);
  });
});

describe('catalog rules', () => {
  const entries: MetricDefinition[] = Object.values(METRICS);

  it('names are unique, and none is also the namespace of another (a semconv naming rule)', () => {
    const names = entries.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(names.filter((other) => other.startsWith(`${name}.`))).toEqual([]);
    }
  });

  it('units are UCUM as the conventions use them, and every entry says where it reads from', () => {
    for (const metric of entries) {
      expect(['By', 's', '1'].includes(metric.unit) || /^\{[a-z_]+\}$/.test(metric.unit)).toBe(true);
      expect(metric.source.length).toBeGreaterThan(0);
      expect(metric.description).toMatch(/\.$/);
    }
  });

  it('semantic-convention metrics live in the convention namespaces', () => {
    for (const metric of entries.filter((entry) => entry.convention === 'semconv')) {
      expect(metric.name).toMatch(/^(v8js|nodejs|process)\./);
    }
  });

  it('an opt-in metric names a boolean option that is off by default', () => {
    for (const metric of entries.filter((entry) => entry.optIn)) {
      expect({ name: metric.name, default: DEFAULT_OPTIONS[metric.optIn as keyof typeof DEFAULT_OPTIONS] }).toEqual({
        name: metric.name,
        default: false,
      });
    }
  });

  it('the catalog cannot be changed at run time', () => {
    expect(Object.isFrozen(METRICS)).toBe(true);
    expect(Object.isFrozen(METRICS.gcDuration)).toBe(true);
  });
});
