import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtlpPeriodicReader } from '../../src/internal/OtlpPeriodicReader';
import { createMetricReaders } from '../../src/createMetricReaders';
import { sdkDisabled } from '../../src/internal/environment';
import { environmentResource } from '../../src/internal/environmentResource';
import { resolveOtlpSettings } from '../../src/internal/otlpSettings';
import { resolvePeriodicSchedule } from '../../src/internal/periodicSchedule';
import { FINAL_EXPORT_DEADLINE_MILLIS, finalExportDeadlineMillis } from '../../src/internal/finalExport';
import { runtimeOptionsFromEnvironment } from '../../src/internal/runtimeEnvironment';
import { HEALTH_VARIABLES, healthEnabledByEnvironment, healthOptionsFromEnvironment } from '../../src/internal/healthEnvironment';
import { diagnosticsOptionsFromEnvironment } from '../../src/internal/diagnosticsEnvironment';
import { DEFAULT_OPTIONS } from '../../src/options';
import { resolvePrometheusSettings } from '../../src/prometheusMetricReader';
import { DiagCapture } from '../helpers/diagCapture';
import { clearOtelEnvironment, withEnv } from '../helpers/env';

// Issue 9, items 4, 5 and 20: every variable either package reads, given a
// wrong value, is reported once through diag.warn naming the variable (and
// what is wrong), and the default is used. Before, OTEL_METRICS_EXPORTER=","
// built no reader without a word, a garbage OTEL_EXPORTER_PROMETHEUS_HOST was
// taken as is, and OTEL_EXPORTER_OTLP_ENDPOINT=localhost:99999 was accepted
// and crashed the app later.

clearOtelEnvironment();
for (const name of Object.keys(process.env)) if (name.startsWith('NODEVITALS_')) delete process.env[name];

let diag: DiagCapture;
beforeEach(() => (diag = new DiagCapture().install()));
afterEach(() => diag.uninstall());

const otlp = () => resolveOtlpSettings({});
const both = (suffix: string) => [`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`];

/** [variable, wrong value, what the setting is afterwards, the default it must be]. */
type Row = [string, string, () => unknown, unknown];

const ROWS: Row[] = [
  ['OTEL_METRICS_EXPORTER', ',', () => readerKinds(), ['OtlpPeriodicReader']],
  ['OTEL_METRICS_EXPORTER', ' , ', () => readerKinds(), ['OtlpPeriodicReader']],
  ['OTEL_METRICS_EXPORTER', 'zipkin', () => readerKinds(), ['OtlpPeriodicReader']],
  ['OTEL_METRIC_EXPORT_INTERVAL', 'soon', () => resolvePeriodicSchedule({}).exportIntervalMillis, DEFAULT_OPTIONS.exportIntervalMillis],
  ['OTEL_METRIC_EXPORT_TIMEOUT', '-1', () => resolvePeriodicSchedule({}).exportTimeoutMillis, DEFAULT_OPTIONS.exportTimeoutMillis],
  ...both('PROTOCOL').map((name): Row => [name, 'grpcs', () => otlp().protocol, DEFAULT_OPTIONS.protocol]),
  ...both('ENDPOINT').flatMap((name): Row[] =>
    ['localhost:99999', '127.0.0.1:70000', 'http://127.0.0.1:70000', 'collector:0', 'http://:4317', 'ftp://collector:21', 'bad host:4317', 'collector']
      .map((value): Row => [name, value, () => otlp().endpoint, DEFAULT_OPTIONS.grpcEndpoint]),
  ),
  // HTTP needs a scheme, and the same host and port checks.
  ...both('ENDPOINT').flatMap((name): Row[] =>
    ['localhost:4318', 'http://127.0.0.1:70000/v1/metrics', 'https://:4318', 'http://bad host/v1/metrics'].map((value): Row => [
      name,
      value,
      () => withEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, otlp).endpoint,
      DEFAULT_OPTIONS.httpEndpoint,
    ]),
  ),
  ...both('HEADERS').flatMap((name): Row[] =>
    ['Authorization', 'a b=1', 'x=%zz', '=1'].map((value): Row => [name, value, () => otlp().headers, {}]),
  ),
  ...both('TIMEOUT').map((name): Row => [name, '10s', () => otlp().otlpTimeoutMillis, DEFAULT_OPTIONS.otlpTimeoutMillis]),
  ...both('COMPRESSION').map((name): Row => [name, 'brotli', () => otlp().compression, DEFAULT_OPTIONS.compression]),
  ...both('CERTIFICATE').map((name): Row => [name, '/nonexistent/ca.pem', () => otlp().certificate, undefined]),
  ...both('CLIENT_KEY').map((name): Row => [name, '/nonexistent/client.key', () => otlp().clientKey, undefined]),
  ...both('CLIENT_CERTIFICATE').map((name): Row => [name, '/nonexistent/client.pem', () => otlp().clientCertificate, undefined]),
  ...both('INSECURE').map((name): Row => [name, 'yes', () => otlp().insecure, DEFAULT_OPTIONS.insecure]),
  ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'sometimes', () => otlp().temporalityPreference, DEFAULT_OPTIONS.temporalityPreference],
  ['OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION', 'exponential', () => otlp().defaultHistogramAggregation, DEFAULT_OPTIONS.defaultHistogramAggregation],
  ['OTEL_EXPORTER_PROMETHEUS_HOST', 'not a host!', () => resolvePrometheusSettings({}).host, DEFAULT_OPTIONS.host],
  ['OTEL_EXPORTER_PROMETHEUS_HOST', 'http://0.0.0.0', () => resolvePrometheusSettings({}).host, DEFAULT_OPTIONS.host],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '70000', () => resolvePrometheusSettings({}).port, DEFAULT_OPTIONS.port],
  ['OTEL_SDK_DISABLED', 'maybe', () => sdkDisabled(), false],
  ['OTEL_RESOURCE_ATTRIBUTES', 'team', () => environmentResource().attributes.team, undefined],
  ...['HEAP', 'GC', 'EVENT_LOOP', 'RESOURCES', 'PROCESS', 'WORKERS', 'HEAP_SPACE_DETAIL', 'DISK_IO', 'THREAD_CPU', 'LOOP_COUNTERS'].map(
    (family): Row => [`NODEVITALS_${family}`, 'off', () => runtimeOptionsFromEnvironment(), {}],
  ),
  ['NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS', '0', () => runtimeOptionsFromEnvironment(), {}],
  ['NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS', '2.5', () => runtimeOptionsFromEnvironment(), {}],
  ['NODEVITALS_EVENT_LOOP_WINDOW_MILLIS', '999', () => runtimeOptionsFromEnvironment(), {}],
  // Diagnostics: a wrong switch leaves them off; a wrong cap keeps its default (left out of the options).
  ...['heap-dump', 'cpu-profile,heap', 'all', ','].map((value): Row => ['NODEVITALS_DIAGNOSTICS', value, () => diagnosticsOptionsFromEnvironment(), undefined]),
  ...(
    [
      ['MAX_CAPTURES', '0'],
      ['MAX_CAPTURES', '5 files'],
      ['MAX_BYTES', '1G'],
      ['MAX_BYTES', '1024'],
      ['MIN_INTERVAL_SECONDS', '-1'],
      ['CPU_PROFILE_SECONDS', '0'],
      ['CPU_PROFILE_SECONDS', '1.5'],
      ['SUSTAINED_SECONDS', '3601'],
    ] as const
  ).map(([suffix, value]): Row => [
    `NODEVITALS_DIAGNOSTICS_${suffix}`,
    value,
    () => withEnv({ NODEVITALS_DIAGNOSTICS: 'cpu-profile' }, diagnosticsOptionsFromEnvironment),
    { captures: ['cpu-profile'] },
  ]),
  ['NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS', '50', () => finalExportDeadlineMillis(), FINAL_EXPORT_DEADLINE_MILLIS],
  ['NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS', '2 s', () => finalExportDeadlineMillis(), FINAL_EXPORT_DEADLINE_MILLIS],
  ['NODEVITALS_HEALTH', 'off', () => healthEnabledByEnvironment(), true],
  ['NODEVITALS_HEALTH_WINDOW_MILLIS', '10s', () => healthOptionsFromEnvironment(), {}],
  ['NODEVITALS_HEALTH_WINDOW_MILLIS', '999', () => healthOptionsFromEnvironment(), {}],
  ['NODEVITALS_HEALTH_INTERVAL_MILLIS', '0', () => healthOptionsFromEnvironment(), {}],
  // Valid alone, but above the default 10 s window: both fall back.
  ['NODEVITALS_HEALTH_INTERVAL_MILLIS', '20000', () => healthOptionsFromEnvironment(), {}],
  ...HEALTH_VARIABLES.thresholds.map((variable): Row => [variable, 'high', () => healthOptionsFromEnvironment(), {}]),
  ['NODEVITALS_HEALTH_HEAP_USED_CRITICAL', '-0.9', () => healthOptionsFromEnvironment(), {}],
  // A number, but not below the default critical (0.5 s): the pair falls back.
  ['NODEVITALS_HEALTH_EVENT_LOOP_DELAY_WARNING', '0.7', () => healthOptionsFromEnvironment(), {}],
];

function readerKinds(): string[] {
  const readers = createMetricReaders();
  for (const reader of readers) void reader.shutdown().catch(() => undefined);
  return readers.map((reader) => (reader instanceof OtlpPeriodicReader ? 'OtlpPeriodicReader' : reader.constructor.name));
}

describe('a wrong variable warns once, naming it and what is wrong, and the default is used', () => {
  it.each(ROWS)('%s=%p', (variable, value, resolve, expected) => {
    withEnv({ [variable]: value }, () => {
      expect(resolve()).toEqual(expected);
      expect(resolve()).toEqual(expected);
    });
    const warnings = diag.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${variable} is invalid: .+; using the default`));
  });

  it('the table holds every variable docs/configure.md lists (which a test checks against what the code reads)', () => {
    const page = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'configure.md'), 'utf8');
    const documented = new Set([...page.matchAll(/\b(?:OTEL|NODEVITALS)_[A-Z0-9_]*[A-Z0-9]\b/g)].map((match) => match[0]));
    // Any string is a valid service name; OTEL_LOG_LEVEL is read by the zero-code entry (its own test, in a real process).
    // Any path is a valid diagnostics directory; one that cannot be created warns when diagnostics start (their own test).
    const exempt = ['OTEL_SERVICE_NAME', 'OTEL_LOG_LEVEL', 'NODEVITALS_DIAGNOSTICS_DIR'];
    expect(new Set([...ROWS.map(([variable]) => variable), ...exempt])).toEqual(documented);
  });
});

describe('the NODEVITALS_HEALTH_* variables set the options of the presets\' health monitor', () => {
  it('thresholds, window and interval, each pair checked', () => {
    const options = withEnv(
      {
        NODEVITALS_HEALTH_EVENT_LOOP_DELAY_WARNING: '0.2',
        NODEVITALS_HEALTH_EVENT_LOOP_DELAY_CRITICAL: '1.5',
        NODEVITALS_HEALTH_HEAP_USED_CRITICAL: '0.95',
        NODEVITALS_HEALTH_WINDOW_MILLIS: '15000',
        NODEVITALS_HEALTH_INTERVAL_MILLIS: '2000',
      },
      healthOptionsFromEnvironment,
    );
    expect(options).toEqual({
      eventLoopDelayWarning: 0.2,
      eventLoopDelayCritical: 1.5,
      heapUsedCritical: 0.95,
      windowMillis: 15_000,
      intervalMillis: 2_000,
    });
    expect(withEnv({ NODEVITALS_HEALTH: 'FALSE' }, healthEnabledByEnvironment)).toBe(false);
    expect(diag.warnings()).toEqual([]);
  });
});

describe('the NODEVITALS_* variables set the instrumentation options of the zero-code entry', () => {
  it('families off, resolution and window', () => {
    const options = withEnv(
      {
        NODEVITALS_HEAP: 'false',
        NODEVITALS_PROCESS: 'FALSE',
        NODEVITALS_GC: 'true',
        NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS: '20',
        NODEVITALS_EVENT_LOOP_WINDOW_MILLIS: '30000',
      },
      runtimeOptionsFromEnvironment,
    );
    expect(options).toEqual({ heap: false, process: false, gc: true, eventLoopResolutionMillis: 20, eventLoopWindowMillis: 30_000 });
    expect(diag.warnings()).toEqual([]);
  });

  it('a window too short for the resolution warns, naming the window variable, and keeps the default window', () => {
    const options = withEnv(
      { NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS: '1000', NODEVITALS_EVENT_LOOP_WINDOW_MILLIS: '2000' },
      runtimeOptionsFromEnvironment,
    );
    expect(options).toEqual({ eventLoopResolutionMillis: 1000 });
    expect(diag.warnings()).toEqual([expect.stringMatching(/^NODEVITALS_EVENT_LOOP_WINDOW_MILLIS is invalid: expected at least 6 x .*\(6000\), got "2000"/)]);
  });
});

describe('the NODEVITALS_DIAGNOSTICS_* variables start diagnostics in the zero-code entry', () => {
  it('off unless NODEVITALS_DIAGNOSTICS names captures; none is off', () => {
    expect(withEnv({ NODEVITALS_DIAGNOSTICS_MAX_CAPTURES: '3' }, diagnosticsOptionsFromEnvironment)).toBeUndefined();
    expect(withEnv({ NODEVITALS_DIAGNOSTICS: 'None' }, diagnosticsOptionsFromEnvironment)).toBeUndefined();
    expect(diag.warnings()).toEqual([]);
  });

  it('every variable sets its option', () => {
    const options = withEnv(
      {
        NODEVITALS_DIAGNOSTICS: ' Heap-Snapshot , cpu-profile,heap-snapshot',
        NODEVITALS_DIAGNOSTICS_DIR: '/var/lib/app/diagnostics',
        NODEVITALS_DIAGNOSTICS_MAX_CAPTURES: '3',
        NODEVITALS_DIAGNOSTICS_MAX_BYTES: '1073741824',
        NODEVITALS_DIAGNOSTICS_MIN_INTERVAL_SECONDS: '0',
        NODEVITALS_DIAGNOSTICS_CPU_PROFILE_SECONDS: '5',
        NODEVITALS_DIAGNOSTICS_SUSTAINED_SECONDS: '60',
      },
      diagnosticsOptionsFromEnvironment,
    );
    expect(options).toEqual({
      captures: ['heap-snapshot', 'cpu-profile'],
      directory: '/var/lib/app/diagnostics',
      maxCaptures: 3,
      maxBytes: 1_073_741_824,
      minIntervalSeconds: 0,
      cpuProfileSeconds: 5,
      sustainedSeconds: 60,
    });
    expect(diag.warnings()).toEqual([]);
  });
});

describe('an endpoint option is checked in full, for every protocol, and throws naming the field', () => {
  const CASES: Array<[string, string, ErrorConstructor, RegExp]> = [
    ['grpc', 'localhost:99999', RangeError, /^endpoint must be .*: port "99999" of "localhost:99999" is not from 1 to 65535$/],
    ['grpc', 'http://127.0.0.1:70000', RangeError, /port "70000"/],
    ['grpc', 'collector', TypeError, /"collector" has no port/],
    ['grpc', 'bad host:4317', TypeError, /"bad host:4317" is not host:port/],
    ['http/protobuf', 'localhost:4318', TypeError, /has no http:\/\/ or https:\/\/ scheme, which http\/protobuf needs/],
    ['http/protobuf', 'http://127.0.0.1:70000/v1/metrics', RangeError, /port "70000"/],
    ['http/json', 'https://:4318/v1/metrics', TypeError, /has no host/],
    ['http/json', 'ftp://collector/v1/metrics', TypeError, /scheme ftp:\/\/ .* is neither http:\/\/ nor https:\/\//],
  ];
  it.each(CASES)('%s: %s', (protocol, endpoint, ErrorClass, message) => {
    expect(() => createMetricReaders({ protocol: protocol as never, endpoint, exporters: [] })).toThrow(ErrorClass);
    expect(() => createMetricReaders({ protocol: protocol as never, endpoint, exporters: [] })).toThrow(message);
  });

  it.each([
    ['grpc', 'collector:4317'],
    ['grpc', '[::1]:4317'],
    ['grpc', 'otel_collector:4317'],
    ['grpc', 'https://collector.observability.svc:4317'],
    ['http/protobuf', 'http://127.0.0.1:4318/v1/metrics'],
    ['http/protobuf', 'https://collector.example/v1/metrics'],
  ])('%s: %s is accepted', (protocol, endpoint) => {
    expect(() => createMetricReaders({ protocol: protocol as never, endpoint, exporters: [] })).not.toThrow();
  });
});
