import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS, type FamilyName } from '../src/catalog';
import { NodeRuntimeInstrumentation, startRuntimeMetrics } from '../src/index';
import { DEFAULT_OPTIONS, resolveOptions } from '../src/options';
import { TestReader } from './helpers/collect';

const wrong: [string, Record<string, unknown>, ErrorConstructor, RegExp][] = [
  ['a family flag that is not a boolean', { gc: 'no' }, TypeError, /gc must be a boolean, got "no"/],
  ['a misspelt option', { eventloop: false }, TypeError, /unknown option eventloop \(got false\)/],
  ['a resolution that is a string', { eventLoopResolutionMillis: '10' }, TypeError, /eventLoopResolutionMillis must be a number, got "10"/],
  ['a resolution of 0', { eventLoopResolutionMillis: 0 }, RangeError, /eventLoopResolutionMillis must be an integer from 1 to 1000, got 0/],
  ['a negative resolution', { eventLoopResolutionMillis: -5 }, RangeError, /eventLoopResolutionMillis .* got -5/],
  ['a fractional resolution', { eventLoopResolutionMillis: 2.5 }, RangeError, /got 2\.5/],
  ['NaN', { eventLoopResolutionMillis: NaN }, TypeError, /eventLoopResolutionMillis must be a number, got NaN/],
  ['a window shorter than 1 s', { eventLoopWindowMillis: 500 }, RangeError, /eventLoopWindowMillis must be an integer from 1000 to 3600000, got 500/],
  ['a window too short for the resolution', { eventLoopResolutionMillis: 1000, eventLoopWindowMillis: 2000 }, RangeError, /eventLoopWindowMillis must be at least 6 x eventLoopResolutionMillis \(6000\), got 2000/],
  ['buckets that are not an array', { gcDurationBucketsSeconds: 0.1 }, TypeError, /gcDurationBucketsSeconds must be an array of numbers, got 0\.1/],
  ['buckets holding a string', { gcDurationBucketsSeconds: [0.1, '1'] }, TypeError, /gcDurationBucketsSeconds must be an array of numbers, got \[0\.1, "1"\]/],
  ['buckets out of order', { eventLoopDelayBucketsSeconds: [0.1, 0.01] }, RangeError, /eventLoopDelayBucketsSeconds must be strictly increasing, got \[0\.1, 0\.01\]/],
  ['a negative bucket', { gcDurationBucketsSeconds: [-1, 1] }, RangeError, /finite numbers > 0 \(seconds\), got \[-1, 1\]/],
  ['no buckets', { gcDurationBucketsSeconds: [] }, RangeError, /at least one boundary/],
];

describe('wrong options throw at construction, naming the field and the value', () => {
  it.each(wrong)('NodeRuntimeInstrumentation: %s', (_case, options, type, message) => {
    expect(() => new NodeRuntimeInstrumentation(options)).toThrow(type);
    expect(() => new NodeRuntimeInstrumentation(options)).toThrow(message);
  });

  it.each(wrong)('startRuntimeMetrics: %s', (_case, options, type, message) => {
    const provider = new MeterProvider();
    expect(() => startRuntimeMetrics({ meterProvider: provider, ...options })).toThrow(type);
    expect(() => startRuntimeMetrics({ meterProvider: provider, ...options })).toThrow(message);
  });

  it('setConfig() validates too, and keeps the previous configuration when it throws', () => {
    const instrumentation = new NodeRuntimeInstrumentation({ enabled: false, gc: false });
    expect(() => instrumentation.setConfig({ heap: 1 as unknown as boolean })).toThrow(/heap must be a boolean, got 1/);
    expect(instrumentation.getConfig().gc).toBe(false);
  });

  it('a meterProvider that is not one is named', () => {
    expect(() => startRuntimeMetrics({ meterProvider: {} as never })).toThrow(/meterProvider must be a MeterProvider/);
  });

  it('the defaults are frozen and resolved once', () => {
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
    expect(resolveOptions({})).toEqual(DEFAULT_OPTIONS);
    expect(Object.isFrozen(resolveOptions({ gc: false }))).toBe(true);
  });
});

describe('each family can be switched off on its own', () => {
  const families: FamilyName[] = ['heap', 'gc', 'eventLoop', 'resources', 'process'];
  it.each(families)('%s: false removes exactly that family', async (family) => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const handle = startRuntimeMetrics({ meterProvider: provider, [family]: false });
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const names = new Set((await reader.metrics()).keys());
    handle.stop();
    await provider.shutdown();
    const familyOf = new Map(Object.values(METRICS).map((metric) => [metric.name, metric.family]));
    const reported = new Set([...names].map((name) => familyOf.get(name)));
    expect(reported.has(family)).toBe(false);
    for (const other of families.filter((name) => name !== family && name !== 'gc')) {
      expect(reported.has(other)).toBe(true);
    }
  });
});

describe('default GC buckets', () => {
  // semantic-conventions PR #3761: the advice for v8js.gc.duration.
  const ADVICE = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

  it('hold every bound the semantic conventions advise, so queries written for the advice read the same series', () => {
    for (const bound of ADVICE) expect(DEFAULT_OPTIONS.gcDurationBucketsSeconds).toContain(bound);
  });

  it('split pauses under 5 ms (scavenges), which the advice alone puts in a single bucket', () => {
    expect(DEFAULT_OPTIONS.gcDurationBucketsSeconds.filter((bound) => bound < 0.005).length).toBeGreaterThanOrEqual(4);
  });
});
