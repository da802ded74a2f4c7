import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_DIAGNOSTICS_OPTIONS,
  DEFAULT_OPTIONS as RUNTIME_DEFAULTS,
  HealthMonitor,
  NodeRuntimeInstrumentation,
  startDiagnostics,
  startRuntimeMetrics,
} from '@nodevitals/instrumentation';
import { tmpdir } from 'node:os';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  DIAGNOSTICS_OPTIONS,
  HEALTH_OPTIONS,
  READER_OPTIONS,
  renderConfigureDoc,
  RUNTIME_OPTIONS,
  VIEW_OPTIONS,
  type OptionDoc,
} from '../../../scripts/configure-doc';
import { createMetricReaders } from '../src/createMetricReaders';
import { environmentResource } from '../src/internal/environmentResource';
import { OTLP_FIELDS, PROMETHEUS_FIELDS, RUNTIME_VIEWS_FIELDS } from '../src/options';
import { runtimeViews } from '../src/runtimeViews';
import { clearOtelEnvironment, withEnv } from './helpers/env';

// docs/configure.md is generated, and checked here against what the code
// really accepts and reads: a field or variable the page misses, or names
// without the code reading it, fails the suite.

clearOtelEnvironment();

const ROOT = join(__dirname, '..', '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'configure.md'), 'utf8');

/** The option names in the first column of the tables of one `##` section. */
function sectionOptions(heading: string): string[] {
  const section = PAGE.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]).sort();
}

/** `OTEL_*` and `NODEVITALS_*` names in a text; a prefix written as `OTEL_EXPORTER_OTLP_*` is not a variable. */
function variablesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/(?:OTEL|NODEVITALS)_[A-Z0-9_]+/g)].map((match) => match[0]).filter((name) => !name.endsWith('_')));
}

/** Every `OTEL_*` and `NODEVITALS_*` variable the sources of both packages read. */
function variablesTheCodeReads(): Set<string> {
  // Written out in full: `envString(['OTEL_LOG_LEVEL'])` and the like.
  const literal = new Set<string>();
  for (const name of ['instrumentation', 'exporter-presets']) {
    const src = join(ROOT, 'packages', name, 'src');
    for (const file of readdirSync(src, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      for (const match of readFileSync(join(src, file), 'utf8').matchAll(/'((?:OTEL|NODEVITALS)_[A-Z0-9_]*[A-Z0-9])'/g)) literal.add(match[1]);
    }
  }
  // Composed at run time (`OTEL_EXPORTER_OTLP_METRICS_${suffix}`): observed
  // by watching which variables our own code asks process.env for while it
  // builds every reader and the resource.
  const observed = new Set<string>();
  const environment = process.env;
  process.env = new Proxy(environment, {
    get(target, key) {
      if (typeof key === 'string' && (key.startsWith('OTEL_') || key.startsWith('NODEVITALS_'))) {
        const caller = new Error().stack?.split('\n').slice(2).find((line) => !line.includes('configureDoc.test.ts'));
        if (caller && /packages\/(exporter-presets|instrumentation)\/src\//.test(caller)) observed.add(key);
      }
      return Reflect.get(target, key);
    },
  });
  try {
    const readers = withEnv(
      { OTEL_METRICS_EXPORTER: 'otlp,prometheus,console', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      () => createMetricReaders(),
    );
    for (const reader of readers) void reader.shutdown().catch(() => undefined);
    environmentResource();
    runtimeViews();
    startRuntimeMetrics({ meterProvider: new MeterProvider() }).stop();
  } finally {
    process.env = environment;
  }
  expect(observed.size).toBeGreaterThan(10);
  return new Set([...literal, ...observed]);
}

describe('docs/configure.md', () => {
  it('is exactly what scripts/configure-doc.ts renders (run `node scripts/gen-docs.cjs` after changing it)', () => {
    expect(PAGE).toBe(renderConfigureDoc());
  });

  it('lists exactly the options of the instrumentation', () => {
    expect(sectionOptions('`@nodevitals/instrumentation`')).toEqual(
      [
        ...Object.keys(RUNTIME_DEFAULTS),
        'meterProvider',
        'enabled',
        // @opentelemetry/instrumentation-runtime-node's, accepted for a one-line migration.
        'monitoringPrecision',
        'captureUncaughtException',
        'applyCustomExceptionAttributes',
      ].sort(),
    );
  });

  it('lists exactly the options of startDiagnostics', () => {
    expect(sectionOptions('`@nodevitals/instrumentation`: diagnostics')).toEqual([...Object.keys(DEFAULT_DIAGNOSTICS_OPTIONS), 'directory', 'meterProvider'].sort());
  });

  it('lists exactly the options of the readers', () => {
    expect(sectionOptions('`@nodevitals/exporter-presets`: readers')).toEqual(
      [...new Set(['exporters', ...OTLP_FIELDS, ...PROMETHEUS_FIELDS])].sort(),
    );
  });

  it('lists exactly the options of runtimeViews', () => {
    expect(sectionOptions('`@nodevitals/exporter-presets`: views')).toEqual([...RUNTIME_VIEWS_FIELDS].sort());
  });

  it('names every OTEL_* variable the code reads, and none it does not', () => {
    const read = [...variablesTheCodeReads()].sort();
    expect([...variablesIn(PAGE)].sort()).toEqual(read);
  });

  it('documents options the entry points really accept', () => {
    const provider = new MeterProvider();
    expect(() => startRuntimeMetrics({ meterProvider: provider, heap: true }).stop()).not.toThrow();
    expect(() => new NodeRuntimeInstrumentation({ enabled: false, gc: false })).not.toThrow();
  });

  // Each documented integer range, probed at and just past both ends.
  const build: Array<[string, readonly OptionDoc[], (field: string, value: number) => unknown]> = [
    ['instrumentation', RUNTIME_OPTIONS, (field, value) => startRuntimeMetrics({ meterProvider: new MeterProvider(), [field]: value }).stop()],
    ['readers', READER_OPTIONS, (field, value) => createMetricReaders({ exporters: [], [field]: value })],
    ['views', VIEW_OPTIONS, (field, value) => runtimeViews({ exponentialHistograms: true, [field]: value })],
    // The interval may not exceed the window: each is probed with the other at its most permissive.
    ['health', HEALTH_OPTIONS, (field, value) => new HealthMonitor({ windowMillis: 600_000, intervalMillis: 1_000, [field]: value })],
    // captures: [] arms nothing, so only the options are checked.
    ['diagnostics', DIAGNOSTICS_OPTIONS, (field, value) => startDiagnostics({ directory: join(tmpdir(), 'nodevitals-configure-doc'), captures: [], [field]: value }).stop()],
  ];
  const ranged = build.flatMap(([where, docs, create]) =>
    docs.filter((doc) => doc.range).map((doc) => [where, doc.field, doc.range!, create] as const),
  );

  it('has ranges to check', () => {
    expect(ranged.map(([, field]) => field)).toEqual(
      expect.arrayContaining(['eventLoopResolutionMillis', 'eventLoopWindowMillis', 'exportIntervalMillis', 'port', 'exponentialMaxBuckets', 'windowMillis', 'intervalMillis', 'maxCaptures', 'maxBytes']),
    );
  });

  it.each(ranged)('%s: %s accepts exactly %p', (_where, field, [min, max], create) => {
    expect(() => create(field, min)).not.toThrow();
    expect(() => create(field, max)).not.toThrow();
    expect(() => create(field, min - 1)).toThrow(RangeError);
    expect(() => create(field, max + 1)).toThrow(RangeError);
    expect(() => create(field, min + 0.5)).toThrow(RangeError);
  });
});
