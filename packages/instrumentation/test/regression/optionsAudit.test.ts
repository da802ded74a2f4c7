import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeRuntimeInstrumentation, startRuntimeMetrics } from '../../src/index';
import { DEFAULT_OPTIONS } from '../../src/options';

// Issue 9, item 5: `enabled: 'yes'` was accepted. Every option of both entry
// points, given a wrong value, throws at construction naming the field and
// the value; the table must hold every field there is.

type Case = [field: string, value: unknown, error: ErrorConstructor, shown: string, entry: 'both' | 'instrumentation' | 'start'];

const CASES: Case[] = [
  ['heap', 'no', TypeError, '"no"', 'both'],
  ['gc', 1, TypeError, '1', 'both'],
  ['eventLoop', null, TypeError, 'null', 'both'],
  ['resources', 'false', TypeError, '"false"', 'both'],
  ['process', {}, TypeError, '{}', 'both'],
  ['heapSpaceDetail', 'yes', TypeError, '"yes"', 'both'],
  ['diskIo', 'yes', TypeError, '"yes"', 'both'],
  ['threadCpu', 0, TypeError, '0', 'both'],
  ['loopCounters', 'true', TypeError, '"true"', 'both'],
  ['workers', 1, TypeError, '1', 'both'],
  ['eventLoopResolutionMillis', 0, RangeError, '0', 'both'],
  ['eventLoopWindowMillis', 3_600_001, RangeError, '3600001', 'both'],
  ['gcDurationBucketsSeconds', [0.1, 0.01], RangeError, '[0.1, 0.01]', 'both'],
  ['eventLoopDelayBucketsSeconds', 'fast', TypeError, '"fast"', 'both'],
  ['enabled', 'yes', TypeError, '"yes"', 'instrumentation'],
  ['monitoringPrecision', -1, RangeError, '-1', 'instrumentation'],
  ['captureUncaughtException', 'always', TypeError, '"always"', 'instrumentation'],
  ['applyCustomExceptionAttributes', true, TypeError, 'true', 'instrumentation'],
  ['meterProvider', {}, TypeError, 'meterProvider must be a MeterProvider', 'start'],
];

const ENTRIES = {
  instrumentation: (field: string, value: unknown) => new NodeRuntimeInstrumentation({ [field]: value } as never),
  start: (field: string, value: unknown) => startRuntimeMetrics({ meterProvider: new MeterProvider(), [field]: value } as never),
};

it('the table holds every option of both entry points', () => {
  const fields = new Set(CASES.map(([field]) => field));
  expect(fields).toEqual(
    new Set([
      ...Object.keys(DEFAULT_OPTIONS),
      'enabled',
      'meterProvider',
      'monitoringPrecision',
      'captureUncaughtException',
      'applyCustomExceptionAttributes',
    ]),
  );
});

it.each(CASES)('%s: %p', (field, value, ErrorClass, shown, entry) => {
  const entries = entry === 'both' ? (['instrumentation', 'start'] as const) : ([entry] as const);
  for (const name of entries) {
    let thrown: unknown;
    try {
      ENTRIES[name](field, value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ErrorClass);
    expect((thrown as Error).message).toContain(field);
    expect((thrown as Error).message).toContain(shown);
  }
});
