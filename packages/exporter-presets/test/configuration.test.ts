import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { consoleMetricReader } from '../src/consoleMetricReader';
import { environmentResource } from '../src/internal/environmentResource';
import { createMetricReaders } from '../src/createMetricReaders';
import { OTLP_FIELDS, PROMETHEUS_FIELDS, type CreateMetricReadersOptions } from '../src/options';
import { freePort } from './helpers/ports';
import { otlpMetricReader } from '../src/otlpMetricReader';
import { PrometheusReader } from '../src/PrometheusReader';
import { prometheusMetricReader } from '../src/prometheusMetricReader';
import { DiagCapture } from './helpers/diagCapture';
import { clearOtelEnvironment, withEnv } from './helpers/env';
import { GrpcReceiver } from './helpers/grpcReceiver';
import { httpRequest } from './helpers/http';
import { HttpReceiver } from './helpers/httpReceiver';
import { FIXTURES, runNode } from './helpers/childProcess';

// Precedence everywhere: explicit option, then the OTEL_* variable, then the
// default. Each setting is observed where it matters to a user: where the data
// arrives, how, how often, and which readers exist at all.

clearOtelEnvironment();

let diag: DiagCapture;
const cleanups: Array<() => unknown> = [];
// What console readers print (ConsoleMetricExporter writes each metric with console.dir).
const printed: unknown[] = [];
const consoleDir = console.dir;
beforeEach(() => {
  diag = new DiagCapture().install();
  printed.splice(0);
  console.dir = (item: unknown) => printed.push(item);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  console.dir = consoleDir;
  diag.uninstall();
});

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

// Many tests push from real Node processes started through the TypeScript hook (5-15 s each, cold, on a loaded
// 2-core machine), some of them several in a row: jest's 30 s default is not their budget.
jest.setTimeout(90_000);
/** How long one such child may run before it is killed. */
const CHILD_MILLIS = 90_000;

async function grpcReceiver(): Promise<GrpcReceiver> {
  const receiver = await new GrpcReceiver().start();
  cleanups.push(() => receiver.stop());
  return receiver;
}

async function httpReceiver(): Promise<HttpReceiver> {
  const receiver = await new HttpReceiver().start();
  cleanups.push(() => receiver.stop());
  return receiver;
}

/** A provider with a probe counter and histogram on `readers`, shut down after the test. */
function attach(...readers: MetricReader[]) {
  const provider = new MeterProvider({ readers });
  cleanups.push(() => provider.shutdown().catch(() => undefined));
  const meter = provider.getMeter('configuration-test');
  const counter = meter.createCounter('probe.requests');
  const histogram = meter.createHistogram('probe.latency', { unit: 's' });
  counter.add(1);
  histogram.record(0.2);
  return { provider, counter, histogram };
}

/** Flushes, never throwing: a failed export is one of the outcomes observed. */
async function flush(reader: MetricReader): Promise<void> {
  await reader.forceFlush().catch(() => undefined);
}

/**
 * Pushes once from a real Node process to a fresh OTLP/HTTP receiver: the
 * HTTP exporters load their transport with a dynamic import(), which jest's VM
 * cannot run. `env` gets the receiver's full URL.
 */
async function pushOverHttp(
  env: (url: string) => Record<string, string>,
  options: Parameters<typeof otlpMetricReader>[0] = {},
): Promise<HttpReceiver['received']> {
  const receiver = await httpReceiver();
  const result = await runNode([join(FIXTURES, 'pushOnce.ts'), JSON.stringify(options)], env(`${receiver.endpoint}/v1/metrics`), undefined, CHILD_MILLIS);
  expect(result.stderr).not.toContain('UNHANDLED');
  expect(result.code).toBe(0);
  return receiver.received;
}

function warningsAbout(variable: string): string[] {
  return diag.warnings().filter((text) => text.includes(variable));
}

/**
 * What each reader really does with data: `prometheus` if it serves it on
 * /metrics, `otlp` if it reaches the receiver, `console` if it is printed.
 */
async function observeReaders(readers: MetricReader[], receiver: GrpcReceiver): Promise<string[]> {
  if (readers.length === 0) return [];
  attach(...readers);
  const kinds: string[] = [];
  for (const reader of readers) {
    if (reader instanceof PrometheusReader) {
      const { url } = await reader.ready;
      const { body } = await httpRequest(url);
      kinds.push(body.includes('probe_requests_total') ? 'prometheus' : 'prometheus without data');
      continue;
    }
    const before = receiver.received.length;
    const printedBefore = printed.length;
    await flush(reader);
    const toConsole = printed.slice(printedBefore).some((item) => (item as { descriptor?: { name?: string } }).descriptor?.name === 'probe.requests');
    kinds.push(receiver.received.length > before ? 'otlp' : toConsole ? 'console' : 'nothing');
  }
  return kinds;
}

describe('createMetricReaders: which readers', () => {
  async function readersFor(env: Record<string, string | undefined>, options?: CreateMetricReadersOptions) {
    const receiver = await grpcReceiver();
    const readers = withEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        ...env,
      },
      () => createMetricReaders(options),
    );
    return observeReaders(readers, receiver);
  }

  it.each([
    [undefined, ['otlp']],
    ['otlp', ['otlp']],
    ['prometheus', ['prometheus']],
    ['console', ['console']],
    ['none', []],
    ['otlp,prometheus', ['otlp', 'prometheus']],
    [' Prometheus , CONSOLE ', ['prometheus', 'console']],
    ['otlp,console,otlp', ['otlp', 'console']],
    ['prometheus,', ['prometheus']],
  ])('OTEL_METRICS_EXPORTER=%p builds %p', async (value, expected) => {
    expect(await readersFor({ OTEL_METRICS_EXPORTER: value })).toEqual(expected);
    expect(diag.warnings()).toEqual([]);
  });

  it.each([['zipkin'], ['otlp,jaeger'], ['prometheus;console']])(
    'an unknown OTEL_METRICS_EXPORTER=%p warns once, naming the variable and the value, then builds the default',
    async (value) => {
      expect(await readersFor({ OTEL_METRICS_EXPORTER: value })).toEqual(['otlp']);
      const warnings = warningsAbout('OTEL_METRICS_EXPORTER');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(JSON.stringify(value));
      expect(warnings[0]).toContain('otlp');
    },
  );

  it('"none" beside other names means no readers, with one warning (as NodeSDK reads it)', async () => {
    expect(await readersFor({ OTEL_METRICS_EXPORTER: 'none,prometheus' })).toEqual([]);
    withEnv({ OTEL_METRICS_EXPORTER: 'none,prometheus' }, () => createMetricReaders());
    const warnings = warningsAbout('OTEL_METRICS_EXPORTER');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"none,prometheus"');
  });

  it('the exporters option wins over OTEL_METRICS_EXPORTER; [] means none; duplicates build one reader', async () => {
    expect(await readersFor({ OTEL_METRICS_EXPORTER: 'prometheus' }, { exporters: ['console'] })).toEqual(['console']);
    expect(await readersFor({ OTEL_METRICS_EXPORTER: 'otlp' }, { exporters: [] })).toEqual([]);
    expect(await readersFor({}, { exporters: ['prometheus', 'otlp', 'prometheus'] })).toEqual(['prometheus', 'otlp']);
  });

  it('passes each reader its own options', async () => {
    const receiver = await grpcReceiver();
    const readers = createMetricReaders({
      exporters: ['otlp', 'prometheus'],
      endpoint: receiver.endpoint,
      headers: { 'x-team': 'payments' },
      host: '127.0.0.1',
      port: 0,
      metricsPath: '/runtime',
    });
    expect(await observeReaders(readers, receiver)).toEqual(['otlp', 'prometheus']);
    expect(receiver.calls[0].metadata.get('x-team')).toEqual(['payments']);
    expect((await (readers[1] as PrometheusReader).ready).url).toMatch(/\/runtime$/);
  });

  it.each([['true'], ['TRUE'], [' true ']])('OTEL_SDK_DISABLED=%p: no readers, whatever else is asked', async (value) => {
    expect(await readersFor({ OTEL_SDK_DISABLED: value, OTEL_METRICS_EXPORTER: 'otlp,prometheus' })).toEqual([]);
    expect(await readersFor({ OTEL_SDK_DISABLED: value }, { exporters: ['console'] })).toEqual([]);
    // Nothing else is read, so nothing else is complained about.
    withEnv({ OTEL_SDK_DISABLED: value, OTEL_METRICS_EXPORTER: 'bogus' }, () => createMetricReaders());
    expect(diag.warnings()).toEqual([]);
  });

  it('OTEL_SDK_DISABLED=false keeps the readers; an invalid value warns once and is not taken as "disabled"', async () => {
    expect(await readersFor({ OTEL_SDK_DISABLED: 'false' })).toEqual(['otlp']);
    expect(await readersFor({ OTEL_SDK_DISABLED: 'yes' })).toEqual(['otlp']);
    expect(await readersFor({ OTEL_SDK_DISABLED: 'yes' })).toEqual(['otlp']);
    const warnings = warningsAbout('OTEL_SDK_DISABLED');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"yes"');
  });

  it('a wrong option still throws when the SDK is disabled: the code is wrong either way', () => {
    withEnv({ OTEL_SDK_DISABLED: 'true' }, () => {
      expect(() => createMetricReaders({ exportIntervalMillis: -1 })).toThrow(RangeError);
    });
  });
});

describe('OTLP settings: option, then variable, then default', () => {
  /** Builds the reader with `env` set (the variables are read at construction) and flushes once. */
  async function pushWith(env: Record<string, string>, options: Parameters<typeof otlpMetricReader>[0] = {}) {
    const reader = withEnv(env, () => otlpMetricReader(options));
    const probe = attach(reader);
    await flush(reader);
    return { reader, ...probe };
  }

  it('endpoint: option, then OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, then OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const [fromOption, fromMetrics, fromGeneric] = await Promise.all([grpcReceiver(), grpcReceiver(), grpcReceiver()]);
    const env = {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: fromMetrics.endpoint,
      OTEL_EXPORTER_OTLP_ENDPOINT: fromGeneric.endpoint,
    };
    await pushWith(env, { endpoint: fromOption.endpoint });
    expect([fromOption, fromMetrics, fromGeneric].map((r) => r.received.length)).toEqual([1, 0, 0]);
    await pushWith(env);
    expect([fromOption, fromMetrics, fromGeneric].map((r) => r.received.length)).toEqual([1, 1, 0]);
    await pushWith({ OTEL_EXPORTER_OTLP_ENDPOINT: fromGeneric.endpoint });
    expect([fromOption, fromMetrics, fromGeneric].map((r) => r.received.length)).toEqual([1, 1, 1]);
  });

  it('an invalid OTEL_EXPORTER_OTLP_METRICS_ENDPOINT warns once and the next variable is used', async () => {
    const receiver = await grpcReceiver();
    const env = { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
    await pushWith(env);
    await pushWith(env);
    expect(receiver.received).toHaveLength(2);
    const warnings = warningsAbout('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"not a url"');
    expect(warnings[0]).toContain('OTEL_EXPORTER_OTLP_ENDPOINT instead');
  });

  it('protocol: option, then OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL, then grpc', async () => {
    const grpc = await grpcReceiver();
    await pushWith({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, { protocol: 'grpc', endpoint: grpc.endpoint });
    await pushWith({}, { endpoint: grpc.endpoint });
    expect(grpc.received).toHaveLength(2);
    const json = await pushOverHttp(
      (url) => ({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url }),
    );
    const protobuf = await pushOverHttp((url) => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/PROTOBUF', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url }));
    expect(json.map((r) => r.contentType)).toContainEqual(expect.stringContaining('application/json'));
    expect(protobuf.map((r) => r.contentType)).toContainEqual(expect.stringContaining('application/x-protobuf'));
  });

  it('an invalid protocol variable warns once, naming it, and gRPC is used', async () => {
    const grpc = await grpcReceiver();
    await pushWith({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, { endpoint: grpc.endpoint });
    await pushWith({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, { endpoint: grpc.endpoint });
    expect(grpc.received).toHaveLength(2);
    expect(warningsAbout('OTEL_EXPORTER_OTLP_PROTOCOL')).toEqual([expect.stringContaining('"http"')]);
  });

  it('HTTP: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as is, OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/metrics', async () => {
    const protocol = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
    expect(await pushOverHttp((url) => ({ ...protocol, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url }))).not.toEqual([]);
    expect(await pushOverHttp((url) => ({ ...protocol, OTEL_EXPORTER_OTLP_ENDPOINT: url.replace('/v1/metrics', '') }))).not.toEqual([]);
  });

  it('headers: option (no merging), then the metrics variable, then the generic one; values percent-decoded', async () => {
    const receiver = await grpcReceiver();
    const env = { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-key=from%20metrics', OTEL_EXPORTER_OTLP_HEADERS: 'x-key=generic,x-other=1' };
    await pushWith(env, { endpoint: receiver.endpoint, headers: { 'x-key': 'option' } });
    await pushWith(env, { endpoint: receiver.endpoint });
    await pushWith({ OTEL_EXPORTER_OTLP_HEADERS: 'x-key=generic,x-other=1' }, { endpoint: receiver.endpoint });
    await pushWith({ OTEL_EXPORTER_OTLP_HEADERS: 'x-key' }, { endpoint: receiver.endpoint });
    const seen = receiver.calls.map(({ metadata }) => [metadata.get('x-key'), metadata.get('x-other')]);
    expect(seen).toEqual([
      [['option'], []],
      [['from metrics'], []],
      [['generic'], ['1']],
      [[], []],
    ]);
    // Said by position, never by value: a header list carries credentials.
    expect(warningsAbout('OTEL_EXPORTER_OTLP_HEADERS')).toEqual([expect.stringContaining('entry 1 of 1 has no "="')]);
  });

  it('headers grpc-js would reject (a space in a name, a newline in a value) warn once, never throw', async () => {
    const receiver = await grpcReceiver();
    const env = { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'Bad Key=1', OTEL_EXPORTER_OTLP_HEADERS: 'x-key=a%0Ab' };
    await pushWith(env, { endpoint: receiver.endpoint });
    await pushWith(env, { endpoint: receiver.endpoint });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.calls.map(({ metadata }) => metadata.get('x-key'))).toEqual([[], []]);
    expect(warningsAbout('OTEL_EXPORTER_OTLP_METRICS_HEADERS')).toEqual([expect.stringContaining('header names must be')]);
    expect(warningsAbout('OTEL_EXPORTER_OTLP_HEADERS is invalid')).toEqual([
      expect.stringContaining('the value of header x-key must be printable ASCII (value not shown)'),
    ]);
  });

  it('compression: option, then the metrics variable, then the generic one, then none', async () => {
    const encodings = async (env: Record<string, string>, options = {}) => {
      const received = await pushOverHttp(
        (url) => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url, ...env }),
        options,
      );
      expect(received).not.toEqual([]);
      return [...new Set(received.map((r) => r.headers['content-encoding'] ?? 'identity'))];
    };
    expect(await encodings({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, { compression: 'none' })).toEqual(['identity']);
    expect(await encodings({ OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_COMPRESSION: 'none' })).toEqual(['gzip']);
    expect(await encodings({ OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' })).toEqual(['gzip']);
    expect(await encodings({})).toEqual(['identity']);
    expect(await encodings({ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' })).toEqual(['identity']);
    // The warning, as the application's own diag logger would get it.
    withEnv({ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }, () => otlpMetricReader({ protocol: 'http/protobuf' }).shutdown());
    expect(warningsAbout('OTEL_EXPORTER_OTLP_COMPRESSION')).toEqual([expect.stringContaining('"brotli"')]);
    // Five processes in a row.
  }, 5 * CHILD_MILLIS);

  it('temporality: option, then OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, then cumulative', async () => {
    const receiver = await grpcReceiver();
    const variable = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
    async function counterAfterTwoFlushes(env: Record<string, string>, options = {}) {
      const { reader, counter } = await pushWith(env, { endpoint: receiver.endpoint, ...options });
      counter.add(1);
      await flush(reader);
      const metric = receiver.latest().metrics.get('probe.requests')!;
      return [metric.temporality, metric.points[0].value];
    }
    const DELTA = 1;
    const CUMULATIVE = 2;
    expect(await counterAfterTwoFlushes({ [variable]: 'delta' }, { temporalityPreference: 'cumulative' })).toEqual([CUMULATIVE, 2]);
    expect(await counterAfterTwoFlushes({ [variable]: 'delta' })).toEqual([DELTA, 1]);
    expect(await counterAfterTwoFlushes({ [variable]: 'LowMemory' })).toEqual([DELTA, 1]);
    expect(await counterAfterTwoFlushes({})).toEqual([CUMULATIVE, 2]);
    expect(await counterAfterTwoFlushes({ [variable]: 'deltas' })).toEqual([CUMULATIVE, 2]);
    expect(warningsAbout(variable)).toEqual([expect.stringContaining('"deltas"')]);
  });

  it('histograms: option, then OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION, then explicit buckets', async () => {
    const receiver = await grpcReceiver();
    const variable = 'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION';
    const kindWith = async (env: Record<string, string>, options = {}) => {
      await pushWith(env, { endpoint: receiver.endpoint, ...options });
      return receiver.latest().metrics.get('probe.latency')!.kind;
    };
    const exponential = 'base2_exponential_bucket_histogram';
    expect(await kindWith({ [variable]: exponential }, { defaultHistogramAggregation: 'explicit_bucket_histogram' })).toBe('histogram');
    expect(await kindWith({ [variable]: exponential })).toBe('exponentialHistogram');
    expect(await kindWith({}, { defaultHistogramAggregation: exponential })).toBe('exponentialHistogram');
    expect(await kindWith({})).toBe('histogram');
    expect(await kindWith({ [variable]: 'exponential' })).toBe('histogram');
    expect(warningsAbout(variable)).toEqual([expect.stringContaining('"exponential"')]);
  });

  describe('time budgets, counted in attempts against a receiver that is always UNAVAILABLE', () => {
    // The first retry waits about a second (0.8-1.2 s): a budget of 600 ms
    // allows one attempt, a budget of 4 s at least two, even when a loaded
    // machine takes seconds over the first call (2.5 s left it 1.3 s).
    async function attemptsWith(env: Record<string, string>, options: Parameters<typeof otlpMetricReader>[0]) {
      const receiver = await grpcReceiver();
      receiver.defaultAnswer = 'unavailable';
      const reader = withEnv(env, () => otlpMetricReader({ endpoint: receiver.endpoint, ...options }));
      attach(reader);
      await flush(reader);
      // A retry that should not happen would come within 1.2 s.
      await sleep(1_500);
      receiver.defaultAnswer = 'ok';
      return receiver.calls.length;
    }

    it('otlpTimeoutMillis over OTEL_EXPORTER_OTLP_METRICS_TIMEOUT over OTEL_EXPORTER_OTLP_TIMEOUT', async () => {
      expect(await attemptsWith({ OTEL_EXPORTER_OTLP_TIMEOUT: '600' }, { otlpTimeoutMillis: 4_000 })).toBeGreaterThanOrEqual(2);
      expect(
        await attemptsWith({ OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '600', OTEL_EXPORTER_OTLP_TIMEOUT: '4000' }, {}),
      ).toBe(1);
      expect(await attemptsWith({ OTEL_EXPORTER_OTLP_TIMEOUT: '600' }, {})).toBe(1);
      expect(await attemptsWith({ OTEL_EXPORTER_OTLP_TIMEOUT: '4000' }, {})).toBeGreaterThanOrEqual(2);
    });

    it('exportTimeoutMillis over OTEL_METRIC_EXPORT_TIMEOUT also bounds the OTLP budget', async () => {
      expect(await attemptsWith({ OTEL_METRIC_EXPORT_TIMEOUT: '600' }, { otlpTimeoutMillis: 4_000 })).toBe(1);
      expect(
        await attemptsWith({ OTEL_METRIC_EXPORT_TIMEOUT: '600' }, { otlpTimeoutMillis: 4_000, exportTimeoutMillis: 4_000 }),
      ).toBeGreaterThanOrEqual(2);
    });

    it('an invalid timeout variable warns once and the default budget (10 s) is used', async () => {
      expect(await attemptsWith({ OTEL_EXPORTER_OTLP_TIMEOUT: '5s', OTEL_METRIC_EXPORT_TIMEOUT: '-1' }, {})).toBeGreaterThanOrEqual(2);
      expect(warningsAbout('OTEL_EXPORTER_OTLP_TIMEOUT')).toEqual([expect.stringContaining('"5s"')]);
      expect(warningsAbout('OTEL_METRIC_EXPORT_TIMEOUT')).toEqual([expect.stringContaining('"-1"')]);
    });
  });

  describe('insecure: an endpoint without scheme is TLS unless told otherwise', () => {
    async function deliveredWith(env: Record<string, string>, options: Parameters<typeof otlpMetricReader>[0] = {}) {
      const receiver = await grpcReceiver();
      // Plaintext receiver: TLS fails the handshake (UNAVAILABLE) until the budget ends; a budget of seconds,
      // so that a plaintext push a loaded machine is slow to connect is still delivered.
      await pushWith(env, { endpoint: `127.0.0.1:${receiver.port}`, otlpTimeoutMillis: 4_000, ...options });
      return receiver.received.length > 0;
    }

    it.each([
      [{}, {}, false],
      [{ OTEL_EXPORTER_OTLP_INSECURE: 'true' }, {}, true],
      [{ OTEL_EXPORTER_OTLP_INSECURE: 'TRUE' }, {}, true],
      [{ OTEL_EXPORTER_OTLP_INSECURE: 'true' }, { insecure: false }, false],
      [{}, { insecure: true }, true],
      [{ OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'false', OTEL_EXPORTER_OTLP_INSECURE: 'true' }, {}, false],
      [{ OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'true', OTEL_EXPORTER_OTLP_INSECURE: 'false' }, {}, true],
    ])('env %p, options %p: delivered in plaintext = %p', async (env, options, delivered) => {
      expect(await deliveredWith(env as Record<string, string>, options)).toBe(delivered);
    });

    it('an invalid OTEL_EXPORTER_OTLP_INSECURE warns once and TLS is kept', async () => {
      expect(await deliveredWith({ OTEL_EXPORTER_OTLP_INSECURE: 'yes' })).toBe(false);
      expect(warningsAbout('OTEL_EXPORTER_OTLP_INSECURE')).toEqual([expect.stringContaining('"yes"')]);
    });

    it('http:// means plaintext even with insecure: false', async () => {
      const receiver = await grpcReceiver();
      await pushWith({}, { endpoint: receiver.endpoint, insecure: false });
      expect(receiver.received).toHaveLength(1);
    });
  });
});

describe('TLS files: certificate, client key and client certificate (mutual TLS over http/protobuf)', () => {
  let dir: string;
  let server: HttpsServer;
  let url: string;
  const clients: string[] = [];

  const file = (name: string) => join(dir, name);
  function openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodevitals-tls-'));
    for (const ca of ['ca', 'other-ca']) {
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
    }
    for (const [name, extension] of [
      ['server', 'subjectAltName=IP:127.0.0.1'],
      ['client', 'extendedKeyUsage=clientAuth'],
    ]) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=nodevitals-${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      execFileSync(
        'sh',
        ['-c', `printf '%s\\n' '${extension}' > ${name}.ext && openssl x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ${name}.ext -out ${name}.pem`],
        { cwd: dir, stdio: 'pipe' },
      );
    }
    server = createHttpsServer(
      {
        key: readFileSync(file('server.key')),
        cert: readFileSync(file('server.pem')),
        ca: readFileSync(file('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (request, response) => {
        request.resume();
        request.on('end', () => {
          clients.push(String((request.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '?'));
          response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
  }, 60_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => clients.splice(0));

  /** The client certificates the server saw while one real Node process pushed (twice: flush, then shutdown). */
  async function acceptedWith(env: Record<string, string>, options: Parameters<typeof otlpMetricReader>[0] = {}) {
    const before = clients.length;
    const result = await runNode(
      [join(FIXTURES, 'pushOnce.ts'), JSON.stringify({ protocol: 'http/protobuf', endpoint: url, otlpTimeoutMillis: 10_000, ...options })],
      env,
      undefined,
      CHILD_MILLIS,
    );
    expect(result.code).toBe(0);
    return [...new Set(clients.slice(before))];
  }

  const mtlsEnv = (prefix: string) => ({
    [`${prefix}_CERTIFICATE`]: file('ca.pem'),
    [`${prefix}_CLIENT_KEY`]: file('client.key'),
    [`${prefix}_CLIENT_CERTIFICATE`]: file('client.pem'),
  });

  it('from the generic variables: the server is trusted and the client certificate presented', async () => {
    expect(await acceptedWith(mtlsEnv('OTEL_EXPORTER_OTLP'))).toEqual(['nodevitals-client']);
  });

  it('the metrics variables win over the generic ones', async () => {
    const wrong = { OTEL_EXPORTER_OTLP_CERTIFICATE: file('other-ca.pem') };
    expect(await acceptedWith({ ...mtlsEnv('OTEL_EXPORTER_OTLP_METRICS'), ...wrong })).toEqual(['nodevitals-client']);
  });

  it('the options win over the variables', async () => {
    const wrong = { OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: file('other-ca.pem'), OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: file('ca.pem') };
    const accepted = await acceptedWith(wrong, {
      certificateFile: file('ca.pem'),
      clientKeyFile: file('client.key'),
      clientCertificateFile: file('client.pem'),
    });
    expect(accepted).toEqual(['nodevitals-client']);
  });

  it('without them nothing is delivered: the default is the system CAs and no client certificate', async () => {
    expect(await acceptedWith({})).toEqual([]);
    expect(await acceptedWith({ OTEL_EXPORTER_OTLP_CERTIFICATE: file('ca.pem') })).toEqual([]);
  });

  it('a client key without its certificate in the environment warns once and never throws (grpc-js would)', () => {
    const env = { OTEL_EXPORTER_OTLP_CERTIFICATE: file('ca.pem'), OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: file('client.key') };
    for (let i = 0; i < 2; i++) {
      const readers = withEnv(env, () => createMetricReaders({ endpoint: 'https://127.0.0.1:4317' }));
      expect(readers).toHaveLength(1);
      void readers[0].shutdown();
    }
    const warnings = warningsAbout('OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE or OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE');
  });

  it.each([
    ['a certificate given as the key', { OTEL_EXPORTER_OTLP_CLIENT_KEY: 'ca.pem', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'client.pem' }, 'OTEL_EXPORTER_OTLP_CLIENT_KEY is invalid'],
    ['a key that does not match the certificate', { OTEL_EXPORTER_OTLP_CLIENT_KEY: 'other-ca.key', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'client.pem' }, 'do not make a key pair'],
    ['a key given as the CA', { OTEL_EXPORTER_OTLP_CERTIFICATE: 'ca.key' }, 'OTEL_EXPORTER_OTLP_CERTIFICATE is invalid'],
  ])('%s in the environment: one warning, a reader all the same', (_what, files, named) => {
    const env = Object.fromEntries(Object.entries(files).map(([variable, name]) => [variable, file(name)]));
    const build = () => void withEnv(env, () => otlpMetricReader({ endpoint: 'https://127.0.0.1:4317' })).shutdown();
    build();
    const warnings = diag.warnings();
    expect(warnings.filter((text) => text.includes(named))).toHaveLength(1);
    // Not again for the next reader.
    build();
    expect(diag.warnings()).toEqual(warnings);
  });

  it.each([
    ['clientKeyFile', { clientKeyFile: 'ca.pem', clientCertificateFile: 'client.pem' }, /^clientKeyFile must be a readable PEM private key file, got ".*ca\.pem"/],
    ['certificateFile', { certificateFile: 'client.key' }, /^certificateFile must be a readable PEM certificate file, got ".*client\.key"/],
    ['a mismatched pair', { clientKeyFile: 'other-ca.key', clientCertificateFile: 'client.pem' }, /^clientKeyFile and clientCertificateFile do not make a key pair .*other-ca\.key/],
  ])('%s: a wrong TLS file in an option throws, naming it', (_what, names, message) => {
    const options = Object.fromEntries(Object.entries(names).map(([field, name]) => [field, file(name)]));
    expect(() => otlpMetricReader({ endpoint: 'https://127.0.0.1:4317', ...options })).toThrow(TypeError);
    expect(() => otlpMetricReader({ endpoint: 'https://127.0.0.1:4317', ...options })).toThrow(message);
  });

  it('a client key option without a certificate throws, naming both fields', () => {
    expect(() => otlpMetricReader({ endpoint: 'https://127.0.0.1:4317', clientKeyFile: file('client.key') })).toThrow(
      new RegExp(`^clientKeyFile needs clientCertificateFile .* got clientKeyFile "${file('client.key')}" alone$`),
    );
    // The other half may come from the environment.
    const reader = withEnv({ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: file('client.pem') }, () =>
      otlpMetricReader({ endpoint: 'https://127.0.0.1:4317', clientKeyFile: file('client.key') }),
    );
    void reader.shutdown();
  });

  it('an unreadable file in a variable warns once, naming it, and the next variable is used', async () => {
    const env = { ...mtlsEnv('OTEL_EXPORTER_OTLP'), OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: file('missing.pem') };
    expect(await acceptedWith(env)).toEqual(['nodevitals-client']);
    for (let i = 0; i < 2; i++) withEnv(env, () => otlpMetricReader({ protocol: 'http/protobuf' }).shutdown());
    const warnings = warningsAbout('OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('missing.pem');
  });
});

describe('export interval: option, then OTEL_METRIC_EXPORT_INTERVAL, then 60 s', () => {
  async function readerWith(env: Record<string, string>, options: Parameters<typeof otlpMetricReader>[0] = {}) {
    const receiver = await grpcReceiver();
    const reader = withEnv(env, () => otlpMetricReader({ endpoint: receiver.endpoint, ...options }));
    attach(reader);
    return { receiver, reader };
  }

  it('OTEL_METRIC_EXPORT_INTERVAL sets how often a reader exports, outside NodeSDK too', async () => {
    const { receiver } = await readerWith({ OTEL_METRIC_EXPORT_INTERVAL: '200' });
    await receiver.waitFor(() => receiver.received.length >= 3, 15_000, 'three periodic exports');
  });

  it('the option wins over the variable', async () => {
    const { receiver } = await readerWith({ OTEL_METRIC_EXPORT_INTERVAL: '86400000' }, { exportIntervalMillis: 200 });
    await receiver.waitFor(() => receiver.received.length >= 3, 15_000, 'three periodic exports');
    const quiet = await readerWith({ OTEL_METRIC_EXPORT_INTERVAL: '200' }, { exportIntervalMillis: 86_400_000 });
    const unset = await readerWith({});
    const invalid = await readerWith({ OTEL_METRIC_EXPORT_INTERVAL: 'often' });
    // 200 ms would have exported several times by now; 60 s or a day not once.
    await sleep(1_500);
    expect([quiet, unset, invalid].map(({ receiver: r }) => r.received.length)).toEqual([0, 0, 0]);
    expect(warningsAbout('OTEL_METRIC_EXPORT_INTERVAL')).toEqual([expect.stringContaining('"often"')]);
  });

  it('console readers honour it too', async () => {
    const reader = withEnv({ OTEL_METRIC_EXPORT_INTERVAL: '200' }, () => consoleMetricReader());
    attach(reader);
    const deadline = Date.now() + 15_000;
    while (printed.length < 4 && Date.now() < deadline) await sleep(50);
    // Two metrics per export: at least two exports happened.
    expect(printed.length).toBeGreaterThanOrEqual(4);
  });
});

describe('a wrong variable warns once', () => {
  it('not once per reader, per call or per export', async () => {
    const receiver = await grpcReceiver();
    const env = {
      OTEL_METRICS_EXPORTER: 'otlp,console',
      OTEL_METRIC_EXPORT_INTERVAL: 'often',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: 'broken',
    };
    const readers = withEnv(env, () => [...createMetricReaders(), ...createMetricReaders()]);
    attach(...readers);
    for (let i = 0; i < 3; i++) for (const reader of readers) await flush(reader);
    expect(receiver.received.length).toBe(6);
    expect(warningsAbout('OTEL_METRIC_EXPORT_INTERVAL')).toHaveLength(1);
    expect(warningsAbout('OTEL_EXPORTER_OTLP_HEADERS')).toHaveLength(1);
    expect(diag.warnings()).toHaveLength(2);
  });
});

describe('Prometheus settings: option, then OTEL_EXPORTER_PROMETHEUS_{HOST,PORT}, then localhost:9464', () => {
  function serve(env: Record<string, string>, options: Parameters<typeof prometheusMetricReader>[0] = {}) {
    const reader = withEnv(env, () => prometheusMetricReader(options));
    attach(reader);
    // The bound address, or the one it tried when the port is taken.
    return reader.ready.then(
      ({ host, port }) => ({ host, port }),
      (error: NodeJS.ErrnoException & { address?: string; port?: number }) => ({ host: error.address, port: error.port }),
    );
  }

  it('the variables set host and port', async () => {
    const port = await freePort();
    expect(await serve({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) })).toEqual({
      host: '127.0.0.1',
      port,
    });
  });

  it('the options win over the variables', async () => {
    const port = await freePort();
    const bound = await serve(
      { OTEL_EXPORTER_PROMETHEUS_HOST: 'localhost', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
      { host: '127.0.0.1', port: 0 },
    );
    expect(bound.host).toBe('127.0.0.1');
    expect(bound.port).not.toBe(port);
    expect(bound.port).toBeGreaterThan(0);
  });

  it.each([['http'], ['70000']])(
    'OTEL_EXPORTER_PROMETHEUS_PORT=%p warns once, naming it, and port 9464 is used',
    async (value) => {
      const bound = await serve({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: value });
      expect(bound.port).toBe(9464);
      const warnings = warningsAbout('OTEL_EXPORTER_PROMETHEUS_PORT');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(JSON.stringify(value));
      expect(warnings[0]).toContain('9464');
    },
  );

  it('an empty variable counts as unset', async () => {
    const port = await freePort();
    expect((await serve({ OTEL_EXPORTER_PROMETHEUS_HOST: '  ', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) })).port).toBe(port);
    expect(diag.warnings()).toEqual([]);
  });
});

describe('the resource of the zero-code entry: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES', () => {
  async function attributesWith(env: Record<string, string>) {
    const resource = withEnv(env, () => environmentResource());
    await resource.waitForAsyncAttributes?.();
    return resource.attributes;
  }

  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES; values are percent-decoded; host and process are detected', async () => {
    const attributes = await attributesWith({
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment.name=prod%20eu,service.version=1.2.3',
    });
    expect(attributes).toMatchObject({
      'service.name': 'checkout',
      'service.version': '1.2.3',
      'deployment.environment.name': 'prod eu',
      'process.pid': process.pid,
    });
    expect(attributes['host.name']).toEqual(expect.any(String));
    expect((await attributesWith({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=billing' }))['service.name']).toBe('billing');
  });

  it('carries the runtime identity as the semantic conventions name it (process.runtime.name, .version, .description)', async () => {
    expect(await attributesWith({})).toMatchObject({
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'process.runtime.description': 'Node.js',
    });
  });

  it('an invalid OTEL_RESOURCE_ATTRIBUTES warns once and is ignored; the service name still applies', async () => {
    const env = { OTEL_SERVICE_NAME: 'checkout', OTEL_RESOURCE_ATTRIBUTES: 'team' };
    expect((await attributesWith(env))['service.name']).toBe('checkout');
    await attributesWith(env);
    expect(warningsAbout('OTEL_RESOURCE_ATTRIBUTES')).toEqual([expect.stringContaining('entry 1 of 1 has no "="')]);
  });
});

describe('a wrong option throws at construction, naming the field and the value', () => {
  // [field, wrong value, error class, text of the value in the message]
  const CASES: Array<[string, unknown, typeof TypeError | typeof RangeError, string]> = [
    ['exporters', 'otlp', TypeError, '"otlp"'],
    ['exporters', ['otlp', 'jaeger'], RangeError, '"jaeger"'],
    ['exportIntervalMillis', -5, RangeError, '-5'],
    ['exportIntervalMillis', 1.5, RangeError, '1.5'],
    ['exportIntervalMillis', '1000', TypeError, '"1000"'],
    ['exportIntervalMillis', Number.NaN, TypeError, 'NaN'],
    ['exportIntervalMillis', 86_400_001, RangeError, '86400001'],
    ['exportTimeoutMillis', 0, RangeError, '0'],
    ['protocol', 'http', RangeError, '"http"'],
    ['protocol', 4317, TypeError, '4317'],
    ['endpoint', 'collector', TypeError, '"collector"'],
    ['endpoint', 'ftp://collector:21', TypeError, '"ftp://collector:21"'],
    ['endpoint', '', TypeError, '""'],
    ['endpoint', 'localhost:99999', RangeError, 'port "99999" of "localhost:99999" is not from 1 to 65535'],
    ['endpoint', 'http://127.0.0.1:70000', RangeError, 'port "70000"'],
    ['endpoint', 'http://:4317', TypeError, 'has no host'],
    ['endpoint', 'bad_host!:4317', TypeError, 'is not a host name or IP address'],
    // Header values are credentials: described, never shown.
    ['headers', 'x-key=1', TypeError, 'a string of 7 characters (not shown)'],
    ['headers', { 'x-key': 1 }, TypeError, 'headers[x-key] must be a string, got a number'],
    ['headers', { 'Bad Key': 'x' }, TypeError, 'not a plain name'],
    ['headers', { 'x-key': 'line\nbreak' }, TypeError, 'the value of header x-key must be printable ASCII (value not shown)'],
    ['otlpTimeoutMillis', 0, RangeError, '0'],
    ['compression', 'brotli', RangeError, '"brotli"'],
    ['certificateFile', '/nonexistent/ca.pem', TypeError, '"/nonexistent/ca.pem"'],
    ['clientKeyFile', '/nonexistent/client.key', TypeError, '"/nonexistent/client.key"'],
    ['clientCertificateFile', 42, TypeError, '42'],
    ['insecure', 'true', TypeError, '"true"'],
    ['temporalityPreference', 'DELTA', RangeError, '"DELTA"'],
    ['defaultHistogramAggregation', 'exponential', RangeError, '"exponential"'],
    ['host', '', TypeError, '""'],
    ['host', 'not a host', TypeError, '"not a host"'],
    ['port', 65_536, RangeError, '65536'],
    ['port', -1, RangeError, '-1'],
    ['port', '9464', TypeError, '"9464"'],
    ['metricsPath', 'metrics', TypeError, '"metrics"'],
    ['metricsPath', '/metrics?format=text', TypeError, '"/metrics?format=text"'],
    ['scrapeTimeoutMillis', 0, RangeError, '0'],
    ['withUnitSuffixes', 'yes', TypeError, '"yes"'],
    ['onCollectionError', 'partial', RangeError, '"partial"'],
    ['health', 'yes', TypeError, '"yes"'],
  ];

  it('the table covers every option field of createMetricReaders', () => {
    const fields = new Set(['exporters', ...OTLP_FIELDS, ...PROMETHEUS_FIELDS]);
    expect(new Set(CASES.map(([field]) => field))).toEqual(fields);
  });

  const factories: Array<[string, readonly string[], (options: any) => unknown]> = [
    ['otlpMetricReader', OTLP_FIELDS, otlpMetricReader],
    ['prometheusMetricReader', PROMETHEUS_FIELDS, prometheusMetricReader],
    ['consoleMetricReader', ['exportIntervalMillis', 'exportTimeoutMillis'], consoleMetricReader],
  ];

  it.each(CASES)('%s: %p', (field, value, ErrorClass, shown) => {
    const check = (build: () => unknown) => {
      let thrown: unknown;
      try {
        build();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ErrorClass);
      expect((thrown as Error).message).toContain(field);
      expect((thrown as Error).message).toContain(shown);
    };
    // Whichever readers are chosen, and even those the environment would choose.
    check(() => createMetricReaders({ [field]: value }));
    if (field !== 'exporters') {
      check(() => createMetricReaders({ exporters: [], [field]: value }));
      check(() => withEnv({ OTEL_METRICS_EXPORTER: 'none' }, () => createMetricReaders({ [field]: value })));
    }
    for (const [, fields, factory] of factories) if (fields.includes(field)) check(() => factory({ [field]: value }));
  });

  it('host:port is gRPC only', () => {
    expect(() => otlpMetricReader({ protocol: 'http/protobuf', endpoint: 'collector:4318' })).toThrow(
      /endpoint must be an http:\/\/ or https:\/\/ URL: "collector:4318" has no http:\/\/ or https:\/\/ scheme, which http\/protobuf needs/,
    );
    // The protocol chosen by the environment counts too.
    expect(() =>
      withEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, () => otlpMetricReader({ endpoint: 'collector:4318' })),
    ).toThrow(TypeError);
  });

  it('a timeout longer than the interval, both given as options', () => {
    expect(() => createMetricReaders({ exportIntervalMillis: 1_000, exportTimeoutMillis: 2_000 })).toThrow(
      new RangeError('exportTimeoutMillis must be <= exportIntervalMillis (1000), got 2000'),
    );
  });

  it('a misspelt field or a non-object', () => {
    expect(() => createMetricReaders({ exportInterval: 1000 } as never)).toThrow(/unknown option exportInterval \(got 1000\)/);
    expect(() => prometheusMetricReader({ endpoint: 'http://x' } as never)).toThrow(TypeError);
    expect(() => createMetricReaders('otlp' as never)).toThrow(new TypeError('options must be an object, got "otlp"'));
  });
});
