// Renders docs/configure.md: every option of both packages and every OTEL_*
// variable they read. `node scripts/gen-docs.cjs` writes it; the
// exporter-presets test suite fails when the file is stale, when a field or a
// variable of the code is missing from it, or when it names one the code does
// not read. Defaults come from the code's DEFAULT_OPTIONS objects.
import { DEFAULT_OPTIONS as RUNTIME, INTEGER_RANGES, SLOTS_PER_WINDOW } from '../packages/instrumentation/src/options';
import { RUNTIME_VARIABLES } from '../packages/exporter-presets/src/internal/runtimeEnvironment';
import { HEALTH_VARIABLES, thresholdVariable } from '../packages/exporter-presets/src/internal/healthEnvironment';
import { HEALTH_DEFAULTS, HEALTH_INTEGER_RANGES, thresholdField } from '../packages/instrumentation/src/health/HealthOptions';
import { CHECK_NAMES, THRESHOLDS } from '../packages/instrumentation/src/health/thresholds';
import { DIAGNOSTICS_VARIABLES } from '../packages/exporter-presets/src/internal/diagnosticsEnvironment';
import {
  CAPTURE_KINDS,
  DEFAULT_DIAGNOSTICS_OPTIONS as DIAGNOSTICS,
  DIAGNOSTICS_RANGES,
} from '../packages/instrumentation/src/diagnostics/DiagnosticsOptions';
import {
  FINAL_EXPORT_DEADLINE_MILLIS,
  FINAL_EXPORT_DEADLINE_RANGE,
  FINAL_EXPORT_DEADLINE_VARIABLE,
} from '../packages/exporter-presets/src/internal/finalExport';
import {
  COLLECTION_ERROR_HANDLINGS,
  COMPRESSIONS,
  DEFAULT_OPTIONS as PRESETS,
  EXPORTER_NAMES,
  HISTOGRAM_AGGREGATIONS,
  MAX_MILLIS,
  METRIC_NAMINGS,
  OTLP_PROTOCOLS,
  TEMPORALITY_PREFERENCES,
} from '../packages/exporter-presets/src/options';

/** One option field as the page documents it. */
export interface OptionDoc {
  readonly field: string;
  readonly type: string;
  readonly defaultValue: string;
  /** Valid values; `range` is checked against the code by the test. */
  readonly valid: string;
  readonly range?: readonly [number, number];
  /** Valid values of the variables, when they differ from the option's. */
  readonly variableValid?: string;
  /** Variables that set it when the option is absent, most specific first. */
  readonly variables?: readonly string[];
  readonly what: string;
}

export interface VariableDoc {
  readonly variable: string;
  readonly readBy: string;
  readonly valid: string;
  readonly defaultValue: string;
  readonly option: string;
}

const literal = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `[${value.map(literal).join(', ')}]` : JSON.stringify(value);
const code = (value: unknown): string => `\`${literal(value)}\``;
/** A variable's value is written bare: `grpc`, not `'grpc'`. */
const bare = (text: string): string => text.replace(/`'([^'`]*)'`/g, '`$1`');
const seconds = (list: readonly number[]): string => `\`[${list.join(', ')}]\``;
const both = (suffix: string): string[] => [`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`];
const choices = (list: readonly string[]): string => list.map((item) => `\`'${item}'\``).join(', ');
const millis = `integer, 1 to ${MAX_MILLIS} (one day)`;

const family = (field: keyof typeof RUNTIME_VARIABLES, what: string): OptionDoc => ({
  field,
  type: 'boolean',
  defaultValue: code(RUNTIME[field]),
  valid: '`true`, `false`',
  variables: [RUNTIME_VARIABLES[field]],
  what,
});
const range = (field: keyof typeof INTEGER_RANGES): readonly [number, number] => [...INTEGER_RANGES[field]] as [number, number];

/** `startRuntimeMetrics(options)` and `new NodeRuntimeInstrumentation(config)`. */
export const RUNTIME_OPTIONS: readonly OptionDoc[] = [
  family('heap', 'Heap family: per-space and whole-heap memory, off-heap memory, contexts.'),
  family('gc', 'GC family: `v8js.gc.duration` by kind.'),
  family('eventLoop', 'Event-loop family: delay gauges and histogram, utilization, time.'),
  family('resources', 'Active-resources family: `v8js.resource.active` by type.'),
  family('process', 'Process family: CPU, resident memory, uptime, file descriptors, context switches, page faults.'),
  family('workers', 'Workers family, off by default: every worker thread this thread creates, by `thread.id` and `thread.name` (event-loop time, heap used and limit, CPU time), 6 series per running worker (at most 64 tracked) + 1.'),
  family('heapSpaceDetail', 'Heap family, opt-in: `v8js.memory.heap.space.available_size` and `.physical_size`, one series per V8 heap space each (11 to 13 spaces on Node 22 to 26), 22 to 26 series. The whole-heap `v8js.memory.heap.total.available` and `.physical` are on without it.'),
  family('diskIo', 'Process family, opt-in: `process.disk.io` by direction (Linux), 2 series.'),
  family('threadCpu', 'Process family, opt-in: `nodejs.thread.cpu.time` of the JavaScript thread by mode, 2 series.'),
  family('loopCounters', "Process family, opt-in: libuv's loop counters (`nodejs.eventloop.iterations`, `.events.processed`, `.events.waiting`), 3 series."),
  {
    field: 'eventLoopResolutionMillis',
    type: 'number (ms)',
    defaultValue: code(RUNTIME.eventLoopResolutionMillis),
    valid: `integer, ${range('eventLoopResolutionMillis').join(' to ')}`,
    range: range('eventLoopResolutionMillis'),
    variables: [RUNTIME_VARIABLES.eventLoopResolutionMillis],
    what: 'Period of the fallback timer sampler, for a runtime without `setImmediate` and the loop\'s idle time. Node (20 to 26) samples every loop iteration instead and arms no sampling timer, so it changes nothing there. Never part of a reported value.',
  },
  {
    field: 'eventLoopWindowMillis',
    type: 'number (ms)',
    defaultValue: code(RUNTIME.eventLoopWindowMillis),
    valid: `integer, ${range('eventLoopWindowMillis').join(' to ')}, and at least ${SLOTS_PER_WINDOW} × \`eventLoopResolutionMillis\``,
    range: range('eventLoopWindowMillis'),
    variables: [RUNTIME_VARIABLES.eventLoopWindowMillis],
    what: 'The sliding window the delay gauges and utilization describe.',
  },
  {
    field: 'gcDurationBucketsSeconds',
    type: 'number[] (s)',
    defaultValue: seconds(RUNTIME.gcDurationBucketsSeconds),
    valid: 'at least one, finite, > 0, strictly increasing',
    what: 'Bucket boundaries of `v8js.gc.duration`.',
  },
  {
    field: 'eventLoopDelayBucketsSeconds',
    type: 'number[] (s)',
    defaultValue: seconds(RUNTIME.eventLoopDelayBucketsSeconds),
    valid: 'at least one, finite, > 0, strictly increasing',
    what: 'Bucket boundaries of `nodejs.eventloop.delay.distribution`.',
  },
  {
    field: 'meterProvider',
    type: 'MeterProvider',
    defaultValue: 'the global one',
    valid: 'any `@opentelemetry/api` MeterProvider',
    what: '`startRuntimeMetrics()` only: where the metrics go. `NodeRuntimeInstrumentation` gets it from NodeSDK.',
  },
  {
    field: 'enabled',
    type: 'boolean',
    defaultValue: '`true`',
    valid: '`true`, `false`',
    what: '`NodeRuntimeInstrumentation` only (from `InstrumentationConfig`): `false` registers it without starting it; `isEnabled()` reports it.',
  },
  {
    field: 'monitoringPrecision',
    type: 'number (ms)',
    defaultValue: 'unset',
    valid: 'as `eventLoopResolutionMillis`; not both with different values',
    what: '`NodeRuntimeInstrumentation` only, from `@opentelemetry/instrumentation-runtime-node`: the same as `eventLoopResolutionMillis`.',
  },
  {
    field: 'captureUncaughtException',
    type: 'boolean',
    defaultValue: 'unset',
    valid: '`true`, `false`',
    what: '`NodeRuntimeInstrumentation` only, from `@opentelemetry/instrumentation-runtime-node`: accepted and ignored, with one `diag` line (no exception log records here).',
  },
  {
    field: 'applyCustomExceptionAttributes',
    type: 'function',
    defaultValue: 'unset',
    valid: 'a function',
    what: '`NodeRuntimeInstrumentation` only, from `@opentelemetry/instrumentation-runtime-node`: accepted and ignored, with one `diag` line.',
  },
];

const diagnosticsRange = (field: keyof typeof DIAGNOSTICS_RANGES): readonly [number, number] =>
  [...DIAGNOSTICS_RANGES[field]] as [number, number];
const diagnosticsInteger = (field: keyof typeof DIAGNOSTICS_RANGES, type: string, what: string): OptionDoc => ({
  field,
  type,
  defaultValue: code(DIAGNOSTICS[field]),
  valid: `integer, ${diagnosticsRange(field).join(' to ')}`,
  range: diagnosticsRange(field),
  variables: [DIAGNOSTICS_VARIABLES[field]],
  what,
});

/** `startDiagnostics(options, transitions)` (docs/diagnostics.md). */
export const DIAGNOSTICS_OPTIONS: readonly OptionDoc[] = [
  {
    field: 'captures',
    type: `(${CAPTURE_KINDS.map((kind) => `'${kind}'`).join(' \\| ')})[]`,
    defaultValue: code([...DIAGNOSTICS.captures]),
    valid: `those names; \`[]\` arms nothing`,
    variableValid: `\`none\`, or a comma list of ${CAPTURE_KINDS.map((kind) => `\`${kind}\``).join(', ')}; unset means diagnostics off`,
    variables: [DIAGNOSTICS_VARIABLES.captures],
    what: 'What to capture: a heap snapshot (and, Node 26+, a sampling heap profile) written by V8 when the heap nears its limit; a CPU profile when event-loop utilization stays critical. In the zero-code entry this variable is the switch: unset or `none`, diagnostics are off.',
  },
  {
    field: 'directory',
    type: 'string (path)',
    defaultValue: 'the `--diagnostic-dir` of the process, else `nodevitals-diagnostics` in the working directory',
    valid: 'a path; relative to the working directory at start',
    variables: [DIAGNOSTICS_VARIABLES.directory],
    what: 'Where captures are written, created if missing (mode 700). Near-limit captures are armed only when it is the `--diagnostic-dir` of the process (V8 writes them there and nowhere else).',
  },
  diagnosticsInteger('maxCaptures', 'number', 'Most capture files in the directory (ours only: Node-named `.heapsnapshot`, `.heapprofile`, `.cpuprofile`).'),
  diagnosticsInteger('maxBytes', 'number (bytes)', 'Most bytes of capture files in the directory. A near-limit heap snapshot holds twice the heap limit of it while armed.'),
  diagnosticsInteger('minIntervalSeconds', 'number (s)', 'At most one capture per interval, counted from the newest file in the directory, so it holds across restarts. `0` turns the rate limit off.'),
  diagnosticsInteger('cpuProfileSeconds', 'number (s)', 'Length of a CPU profile.'),
  diagnosticsInteger('sustainedSeconds', 'number (s)', 'How long event-loop utilization must stay critical before a CPU profile.'),
  {
    field: 'meterProvider',
    type: 'MeterProvider',
    defaultValue: 'the global one, at start; in the zero-code entry, its own',
    valid: 'any `@opentelemetry/api` MeterProvider',
    what: 'Where `nodevitals.diagnostics.captures` goes.',
  },
];

/** `createMetricReaders(options)` and the three reader factories. */
export const READER_OPTIONS: ReadonlyArray<OptionDoc & { readers: string }> = [
  {
    field: 'exporters',
    readers: '`createMetricReaders`',
    type: `(${EXPORTER_NAMES.map((name) => `'${name}'`).join(' \\| ')})[]`,
    defaultValue: code([...PRESETS.exporters]),
    valid: 'those three names; `[]` for no reader; duplicates build one reader',
    variables: ['OTEL_METRICS_EXPORTER'],
    what: 'Which readers to build.',
  },
  {
    field: 'exportIntervalMillis',
    readers: 'OTLP, console',
    type: 'number (ms)',
    defaultValue: code(PRESETS.exportIntervalMillis),
    valid: millis,
    range: [1, MAX_MILLIS],
    variables: ['OTEL_METRIC_EXPORT_INTERVAL'],
    what: 'Time between two exports.',
  },
  {
    field: 'exportTimeoutMillis',
    readers: 'OTLP, console',
    type: 'number (ms)',
    defaultValue: code(PRESETS.exportTimeoutMillis),
    valid: `${millis}; at most \`exportIntervalMillis\` (an option above it throws, a variable above it is cut to it)`,
    range: [1, MAX_MILLIS],
    variables: ['OTEL_METRIC_EXPORT_TIMEOUT'],
    what: 'How long one collect-and-export may take.',
  },
  {
    field: 'protocol',
    readers: 'OTLP',
    type: 'string',
    defaultValue: code(PRESETS.protocol),
    valid: choices(OTLP_PROTOCOLS),
    variables: both('PROTOCOL'),
    what: 'Wire protocol.',
  },
  {
    field: 'endpoint',
    readers: 'OTLP',
    type: 'string',
    defaultValue: `${code(PRESETS.grpcEndpoint)} (gRPC), ${code(PRESETS.httpEndpoint)} (HTTP)`,
    valid: 'an `http://` or `https://` URL with a host and, if given, a port from 1 to 65535; gRPC also `host:port`',
    variables: both('ENDPOINT'),
    what: 'Where to send. gRPC: `http://` is plaintext, `https://` TLS, no scheme TLS unless `insecure`. HTTP: the full URL; `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL and gets `/v1/metrics` appended.',
  },
  {
    field: 'headers',
    readers: 'OTLP',
    type: 'Record<string, string>',
    defaultValue: 'none',
    valid: 'names of letters, digits, `-`, `_`, `.` (not ending in `-bin`); printable ASCII values',
    variableValid: '`name=value` pairs separated by commas, values percent-decoded; names and values as for the option',
    variables: both('HEADERS'),
    what: 'Request headers (gRPC metadata). The option replaces the variables, it is not merged with them. Warnings and errors name the headers, never their values.',
  },
  {
    field: 'otlpTimeoutMillis',
    readers: 'OTLP',
    type: 'number (ms)',
    defaultValue: code(PRESETS.otlpTimeoutMillis),
    valid: millis,
    range: [1, MAX_MILLIS],
    variables: both('TIMEOUT'),
    what: 'Budget of one export, retries included; never more than `exportTimeoutMillis`.',
  },
  {
    field: 'compression',
    readers: 'OTLP',
    type: 'string',
    defaultValue: code(PRESETS.compression),
    valid: choices(COMPRESSIONS),
    variables: both('COMPRESSION'),
    what: 'Request compression.',
  },
  {
    field: 'certificateFile',
    readers: 'OTLP',
    type: 'string (path)',
    defaultValue: 'the system CAs',
    valid: 'a readable PEM certificate file',
    variables: both('CERTIFICATE'),
    what: 'CA certificate(s) to trust for TLS.',
  },
  {
    field: 'clientKeyFile',
    readers: 'OTLP',
    type: 'string (path)',
    defaultValue: 'none',
    valid: 'a readable PEM private key file, the pair of the client certificate (a wrong or lone option throws, a wrong or lone variable is ignored with a warning)',
    variables: both('CLIENT_KEY'),
    what: "Client's private key, for mutual TLS.",
  },
  {
    field: 'clientCertificateFile',
    readers: 'OTLP',
    type: 'string (path)',
    defaultValue: 'none',
    valid: 'a readable PEM certificate file; needs the client key too',
    variables: both('CLIENT_CERTIFICATE'),
    what: "Client's certificate chain, for mutual TLS.",
  },
  {
    field: 'insecure',
    readers: 'OTLP (gRPC)',
    type: 'boolean',
    defaultValue: code(PRESETS.insecure),
    valid: '`true`, `false`',
    variables: both('INSECURE'),
    what: 'Plaintext for a gRPC endpoint given without scheme.',
  },
  {
    field: 'temporalityPreference',
    readers: 'OTLP',
    type: 'string',
    defaultValue: code(PRESETS.temporalityPreference),
    valid: choices(TEMPORALITY_PREFERENCES),
    variables: ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'],
    what: 'Aggregation temporality asked of the SDK.',
  },
  {
    field: 'defaultHistogramAggregation',
    readers: 'OTLP',
    type: 'string',
    defaultValue: code(PRESETS.defaultHistogramAggregation),
    valid: choices(HISTOGRAM_AGGREGATIONS),
    variables: ['OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION'],
    what: 'Aggregation of the histograms no view configures (a `runtimeViews()` view wins for the runtime ones).',
  },
  {
    field: 'host',
    readers: 'Prometheus',
    type: 'string',
    defaultValue: code(PRESETS.host),
    valid: 'a host name or an IP address to bind (IPv6 with or without brackets)',
    variables: ['OTEL_EXPORTER_PROMETHEUS_HOST'],
    what: 'Interface the `/metrics` server binds: not reachable from other hosts unless asked.',
  },
  {
    field: 'port',
    readers: 'Prometheus',
    type: 'number',
    defaultValue: code(PRESETS.port),
    valid: 'integer, 0 to 65535; 0 picks a free port (`await reader.ready`)',
    range: [0, 65535],
    variables: ['OTEL_EXPORTER_PROMETHEUS_PORT'],
    what: 'TCP port of the `/metrics` server.',
  },
  {
    field: 'metricsPath',
    readers: 'Prometheus',
    type: 'string',
    defaultValue: code(PRESETS.metricsPath),
    valid: 'a path starting with `/`, without `?`, `#` or spaces',
    what: 'The only path served (others answer 404).',
  },
  {
    field: 'scrapeTimeoutMillis',
    readers: 'Prometheus',
    type: 'number (ms)',
    defaultValue: code(PRESETS.scrapeTimeoutMillis),
    valid: millis,
    range: [1, MAX_MILLIS],
    what: 'A collection slower than this answers 503.',
  },
  {
    field: 'withUnitSuffixes',
    readers: 'Prometheus',
    type: 'boolean',
    defaultValue: code(PRESETS.withUnitSuffixes),
    valid: '`true`, `false`',
    what: 'Append the unit to names (`_bytes`, `_seconds`, `_ratio`), as the Collector does.',
  },
  {
    field: 'onCollectionError',
    readers: 'Prometheus',
    type: 'string',
    defaultValue: code(PRESETS.onCollectionError),
    valid: choices(COLLECTION_ERROR_HANDLINGS),
    what: 'When a metric callback throws: `fail` answers 503 (the scrape counts as failed, `up == 0`); `serve-partial` serves the other metrics with 200 and warns once.',
  },
  {
    field: 'health',
    readers: 'Prometheus',
    type: 'boolean \\| HealthMonitor',
    defaultValue: code(PRESETS.health),
    valid: '`true`, `false`, a `HealthMonitor`',
    variableValid: '`true`, `false` (any case)',
    variables: [HEALTH_VARIABLES.enabled],
    what: 'What `/health`, `/health/ready` and `/health/live` serve beside the metrics ([health.md](health.md)): `true` a monitor the reader builds from the `NODEVITALS_HEALTH_*` variables below; a `HealthMonitor` of yours (you start it); `false` none (404).',
  },
];

/** `runtimeViews(options)`. */
export const VIEW_OPTIONS: readonly OptionDoc[] = [
  {
    field: 'gcDurationBucketsSeconds',
    type: 'number[] (s)',
    defaultValue: `the instrumentation's (${seconds(PRESETS.gcDurationBucketsSeconds)}); prom-client's \`[0.001, 0.01, 0.1, 1, 2, 5]\` with \`naming: 'prom-client'\``,
    valid: 'at least one, finite, > 0, strictly increasing; not with `exponentialHistograms`',
    what: 'GC pause buckets.',
  },
  {
    field: 'eventLoopDelayBucketsSeconds',
    type: 'number[] (s)',
    defaultValue: `the instrumentation's (${seconds(PRESETS.eventLoopDelayBucketsSeconds)})`,
    valid: 'at least one, finite, > 0, strictly increasing; not with `exponentialHistograms`',
    what: 'Event-loop delay buckets.',
  },
  {
    field: 'exponentialHistograms',
    type: 'boolean',
    defaultValue: code(PRESETS.exponentialHistograms),
    valid: '`true`, `false`',
    what: 'Base-2 exponential histograms instead of fixed buckets (OTLP only: the Prometheus text format cannot carry them).',
  },
  {
    field: 'exponentialMaxBuckets',
    type: 'number',
    defaultValue: code(PRESETS.exponentialMaxBuckets),
    valid: 'integer, 2 to 16384',
    range: [2, 16384],
    what: 'Most buckets of one exponential histogram.',
  },
  {
    field: 'naming',
    type: 'string',
    defaultValue: code(PRESETS.naming),
    valid: choices(METRIC_NAMINGS),
    what: "OpenTelemetry names, or prom-client's default metric names where one maps (see the exporter-presets README).",
  },
];

const unitOf = (check: (typeof CHECK_NAMES)[number]): string => (THRESHOLDS[check].unit === 's' ? 's' : 'share');

/** `new HealthMonitor(options)`; the presets' own monitor reads the same from `NODEVITALS_HEALTH_*`. */
export const HEALTH_OPTIONS: readonly OptionDoc[] = [
  {
    field: 'windowMillis',
    type: 'number (ms)',
    defaultValue: code(HEALTH_DEFAULTS.windowMillis),
    valid: `integer, ${HEALTH_INTEGER_RANGES.windowMillis[0]} to ${HEALTH_INTEGER_RANGES.windowMillis[1]}`,
    range: HEALTH_INTEGER_RANGES.windowMillis,
    variables: [HEALTH_VARIABLES.windowMillis],
    what: 'The window the event-loop and GC checks describe (its own, not the metrics\' 60 s one).',
  },
  {
    field: 'intervalMillis',
    type: 'number (ms)',
    defaultValue: code(HEALTH_DEFAULTS.intervalMillis),
    valid: `integer, ${HEALTH_INTEGER_RANGES.intervalMillis[0]} to ${HEALTH_INTEGER_RANGES.intervalMillis[1]}, at most \`windowMillis\``,
    range: HEALTH_INTEGER_RANGES.intervalMillis,
    variables: [HEALTH_VARIABLES.intervalMillis],
    what: 'How often the checks are evaluated (unref\'d timer); `Retry-After` of a 503.',
  },
  {
    field: 'meterProvider',
    type: 'MeterProvider',
    defaultValue: 'the global one, when `start()` runs',
    valid: 'any `@opentelemetry/api` MeterProvider',
    what: 'Where `nodevitals.health.status` goes.',
  },
  ...CHECK_NAMES.flatMap((check) =>
    (['warning', 'critical'] as const).map(
      (level): OptionDoc => ({
        field: thresholdField(check, level),
        type: `number (${unitOf(check)})`,
        defaultValue: code(THRESHOLDS[check][level]),
        valid: `finite, > 0; warning below critical`,
        variables: [thresholdVariable(check, level)],
        what: `${level === 'warning' ? 'Warning' : 'Critical'} level of ${THRESHOLDS[check].measures}.`,
      }),
    ),
  ),
];

/** Variables read besides the per-option ones. */
export const OTHER_VARIABLES: readonly VariableDoc[] = [
  {
    variable: 'OTEL_SDK_DISABLED',
    readBy: '`createMetricReaders`, `register`',
    valid: '`true`, `false` (any case)',
    defaultValue: '`false`',
    option: '— (`true` wins over every option: no readers)',
  },
  {
    variable: 'OTEL_SERVICE_NAME',
    readBy: '`register`',
    valid: 'any string',
    defaultValue: 'the SDK default (`unknown_service:` + the process name)',
    option: '— (wins over `service.name` in `OTEL_RESOURCE_ATTRIBUTES`)',
  },
  {
    variable: 'OTEL_RESOURCE_ATTRIBUTES',
    readBy: '`register`',
    valid: '`key=value` pairs separated by commas, values percent-decoded',
    defaultValue: 'none',
    option: '—',
  },
  {
    variable: FINAL_EXPORT_DEADLINE_VARIABLE,
    readBy: '`register`',
    valid: `integer, ${FINAL_EXPORT_DEADLINE_RANGE[0]} to ${FINAL_EXPORT_DEADLINE_RANGE[1]} (ms)`,
    defaultValue: `\`${FINAL_EXPORT_DEADLINE_MILLIS}\``,
    option: '— (how long the final export at exit may hold the process, at most)',
  },
  {
    variable: 'OTEL_LOG_LEVEL',
    readBy: '`register`',
    valid: '`none`, `error`, `warn`, `info`, `debug`, `verbose`, `all`',
    defaultValue: '`warn`',
    option: '— (with your own setup, call `diag.setLogger` yourself)',
  },
];

function cell(text: string): string {
  return text.replace(/\n/g, ' ');
}

function variablesOf(doc: OptionDoc): string {
  return doc.variables?.length ? doc.variables.map((name) => `\`${name}\``).join(', ') : '—';
}

export function renderConfigureDoc(): string {
  const lines = [
    '<!-- Generated from scripts/configure-doc.ts by `node scripts/gen-docs.cjs`. Do not edit; a test checks it against the code. -->',
    '# Configure',
    '',
    'Every option of `@nodevitals/instrumentation` and `@nodevitals/exporter-presets`, and every `OTEL_*` variable they read.',
    '',
    '**Precedence**: the option you pass in code, then the `OTEL_*` variable (the metrics-specific one before the generic',
    'one), then the default. An empty variable counts as unset.',
    '',
    '**Bad input**: a wrong option throws a `TypeError` or `RangeError` when the reader, view or instrumentation is built,',
    'naming the field and the value (`RangeError: exportIntervalMillis must be an integer from 1 to 86400000, got -5`), and an',
    'unknown field throws too, so a typo cannot silently fall back to a default. `createMetricReaders()` checks every field,',
    'whichever readers end up built. A wrong variable is reported once through `diag.warn`, naming the variable, what is',
    'wrong and what is used instead; the service keeps running with the default.',
    '',
    '**Secrets**: no message prints a header value, the userinfo or query values of an endpoint, or the content of a key',
    'or certificate file, whatever the log level. A malformed header list is described by position and header name',
    '(`OTEL_EXPORTER_OTLP_HEADERS is invalid: entry 2 of 2 has no "="`), an endpoint as `https://<redacted>@host:4317/`,',
    'and an option that may hold a secret by its type and keys.',
    '',
    '## `@nodevitals/instrumentation`',
    '',
    '`startRuntimeMetrics(options)` and `new NodeRuntimeInstrumentation(config)` take the same options. In code, the',
    'instrumentation reads no environment variable: what you pass is what runs. The zero-code entry, which has no code',
    'to pass options in, reads them from `NODEVITALS_*` variables: the option name in upper snake case after the prefix',
    '(`eventLoopResolutionMillis` is `NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS`), checked like the `OTEL_*` ones.',
    '',
    '| Option | Type | Default | Valid | Variable (zero-code entry) | What |',
    '|---|---|---|---|---|---|',
    ...RUNTIME_OPTIONS.map(
      (o) => `| \`${o.field}\` | ${o.type} | ${o.defaultValue} | ${o.valid} | ${variablesOf(o)} | ${cell(o.what)} |`,
    ),
    '',
    '## `@nodevitals/instrumentation`: diagnostics',
    '',
    '`startDiagnostics(options, transitions)` (docs/diagnostics.md). Off unless started; the zero-code entry starts it',
    'when `NODEVITALS_DIAGNOSTICS` names captures.',
    '',
    '| Option | Type | Default | Valid | Variable (zero-code entry) | What |',
    '|---|---|---|---|---|---|',
    ...DIAGNOSTICS_OPTIONS.map(
      (o) => `| \`${o.field}\` | ${o.type} | ${o.defaultValue} | ${o.valid} | ${variablesOf(o)} | ${cell(o.what)} |`,
    ),
    '',
    '## `@nodevitals/exporter-presets`: readers',
    '',
    '`createMetricReaders(options)` accepts every field below and hands each reader its own. `otlpMetricReader()`,',
    '`prometheusMetricReader()` and `consoleMetricReader()` accept the fields of their reader.',
    '',
    '| Option | Readers | Type | Default | Valid | Variables (first set and valid wins) | What |',
    '|---|---|---|---|---|---|---|',
    ...READER_OPTIONS.map(
      (o) => `| \`${o.field}\` | ${o.readers} | ${o.type} | ${o.defaultValue} | ${o.valid} | ${variablesOf(o)} | ${cell(o.what)} |`,
    ),
    '',
    '## `@nodevitals/exporter-presets`: views',
    '',
    '`runtimeViews(options)` returns views for `new MeterProvider({ views })` or `new NodeSDK({ views })`; they apply only',
    "to the runtime meter's instruments. No environment variable.",
    '',
    '| Option | Type | Default | Valid | What |',
    '|---|---|---|---|---|',
    ...VIEW_OPTIONS.map((o) => `| \`${o.field}\` | ${o.type} | ${o.defaultValue} | ${o.valid} | ${cell(o.what)} |`),
    '',
    '## `@nodevitals/instrumentation`: health',
    '',
    '`new HealthMonitor(options)` ([health.md](health.md)). In code it reads no variable; the monitor the Prometheus reader',
    'builds for itself and the zero-code entry\'s read the `NODEVITALS_HEALTH_*` variables, each checked like the `OTEL_*` ones,',
    'and a warning not below its critical (or an interval above the window) is reported once and both fall back to the defaults.',
    '`NODEVITALS_HEALTH=false` turns that monitor off.',
    '',
    '| Option | Type | Default | Valid | Variable | What |',
    '|---|---|---|---|---|---|',
    ...HEALTH_OPTIONS.map((o) => `| \`${o.field}\` | ${o.type} | ${o.defaultValue} | ${o.valid} | ${variablesOf(o)} | ${cell(o.what)} |`),
    '',
    '## Environment variables',
    '',
    'The zero-code entry (`node --import @nodevitals/exporter-presets/register app.js`) is configured by these alone.',
    '',
    '| Variable | Valid | Default | Overridden by option |',
    '|---|---|---|---|',
  ];
  for (const doc of RUNTIME_OPTIONS) {
    for (const variable of doc.variables ?? []) {
      lines.push(`| \`${variable}\` | ${bare(doc.valid)} (any case for booleans) | ${bare(doc.defaultValue)} | — (the zero-code entry's \`${doc.field}\`) |`);
    }
  }
  for (const doc of DIAGNOSTICS_OPTIONS) {
    for (const variable of doc.variables ?? []) {
      // Unset, the switch leaves diagnostics off; the option's default is what a list-less start arms.
      const defaultValue = doc.field === 'captures' ? '`none` (off)' : bare(doc.defaultValue);
      lines.push(`| \`${variable}\` | ${bare(doc.variableValid ?? doc.valid)} | ${defaultValue} | — (the zero-code entry's diagnostics \`${doc.field}\`) |`);
    }
  }
  for (const doc of READER_OPTIONS) {
    for (const variable of doc.variables ?? []) {
      const valid =
        doc.field === 'exporters'
          ? `${[...EXPORTER_NAMES, 'none'].map((name) => `\`${name}\``).join(', ')}, or a comma list; \`none\` anywhere means no readers; an unknown name makes the whole value invalid`
          : bare(doc.variableValid ?? doc.valid);
      const defaultValue = doc.field === 'exporters' ? `\`${PRESETS.exporters.join(',')}\`` : bare(doc.defaultValue);
      lines.push(`| \`${variable}\` | ${valid} | ${defaultValue} | \`${doc.field}\` |`);
    }
  }
  for (const doc of HEALTH_OPTIONS) {
    for (const variable of doc.variables ?? []) {
      lines.push(`| \`${variable}\` | ${bare(doc.valid)} | ${bare(doc.defaultValue)} | — (health's \`${doc.field}\`) |`);
    }
  }
  for (const doc of OTHER_VARIABLES) {
    lines.push(`| \`${doc.variable}\` | ${doc.valid} (read by ${doc.readBy}) | ${doc.defaultValue} | ${doc.option} |`);
  }
  lines.push(
    '',
    'The presets resolve every `OTEL_EXPORTER_OTLP_*` setting themselves and hide those variables from the upstream',
    'exporter constructors, so the precedence above holds and each bad value is reported once, by name.',
    '',
  );
  return lines.join('\n');
}
