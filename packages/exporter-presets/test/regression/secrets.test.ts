import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRuntimeInstrumentation, startRuntimeMetrics } from '@nodevitals/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { consoleMetricReader } from '../../src/consoleMetricReader';
import { createMetricReaders } from '../../src/createMetricReaders';
import { otlpMetricReader } from '../../src/otlpMetricReader';
import { prometheusMetricReader } from '../../src/prometheusMetricReader';
import { runtimeViews } from '../../src/runtimeViews';
import { FIXTURES, PACKAGE_ROOT, startNode } from '../helpers/childProcess';
import { clearOtelEnvironment } from '../helpers/env';
import { GrpcReceiver } from '../helpers/grpcReceiver';

// Issue 9, item 6: a malformed OTEL_EXPORTER_OTLP_HEADERS was printed whole,
// token included; so were an endpoint's password and the values in thrown
// option errors. A secret is planted in every variable and option that can
// hold one, and must appear nowhere: not in any output of a real process at
// any OTEL_LOG_LEVEL, not in any error message a public function throws.

clearOtelEnvironment();

const SECRET = 'nv-planted-s3cr3t-9f4e';
/** Every form the secret could leak in: as is, percent-encoded, inside HTTP basic auth. */
const LEAKS = [SECRET, Buffer.from(`user:${SECRET}`).toString('base64'), Buffer.from(SECRET).toString('base64')];
const LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const EXAMPLES = join(PACKAGE_ROOT, '..', '..', 'examples');

// PEM armour around a secret: the content is refused, and must not be quoted.
const files = mkdtempSync(join(tmpdir(), 'nodevitals-secrets-'));
writeFileSync(join(files, 'cert.pem'), `-----BEGIN CERTIFICATE-----\n${SECRET}\n-----END CERTIFICATE-----\n`);
writeFileSync(join(files, 'key.pem'), `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`);

let receiver: GrpcReceiver;
beforeAll(async () => {
  receiver = await new GrpcReceiver().start();
});
afterAll(() => {
  receiver.stop();
  rmSync(files, { recursive: true, force: true });
});

function expectNoSecret(text: string): void {
  for (const leak of LEAKS) expect(text).not.toContain(leak);
}

/** Variables that can carry a secret, each given one, in the three ways they are read. */
const CONFIGS: Record<string, () => Record<string, string>> = {
  // Malformed: each is refused with a warning, which must describe without quoting.
  malformed: () => ({
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: `x-api-key ${SECRET}`,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${SECRET},${SECRET}`,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://user:${SECRET}@127.0.0.1:70000/?token=${SECRET}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_CERTIFICATE: join(files, 'cert.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_KEY: join(files, 'key.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: join(files, 'cert.pem'),
  }),
  // Valid and used: headers sent as gRPC metadata, an endpoint with userinfo and a query.
  'in use over gRPC': () => ({
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://user:${SECRET}@127.0.0.1:${receiver.port}/?token=${SECRET}`,
  }),
  // Valid, over HTTP, to a port where nothing listens: every failure message is printed.
  'in use over http/protobuf, collector down': () => ({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://user:${SECRET}@127.0.0.1:1/v1/metrics?token=${SECRET}`,
  }),
};

const PATHS = {
  'zero-code entry': (env: Record<string, string>) =>
    startNode([join(FIXTURES, 'register', 'app.cjs')], env, ['--require', '@nodevitals/exporter-presets/register'], 120_000, join(EXAMPLES, 'register')),
  // NodeSDK parses OTEL_RESOURCE_ATTRIBUTES itself (and quotes a bad entry):
  // upstream's, so only the variables our readers read are planted here.
  'NodeSDK app': (env: Record<string, string>) =>
    startNode(
      [join(EXAMPLES, 'nodesdk-otlp', 'dist', 'main.js')],
      env,
      ['--require', join(FIXTURES, 'announceStart.cjs')],
      120_000,
      join(EXAMPLES, 'nodesdk-otlp'),
    ),
};

const RUNS = Object.keys(PATHS).flatMap((path) =>
  Object.keys(CONFIGS).flatMap((config) => LEVELS.map((level) => [path, config, level] as const)),
);

describe('no planted secret in the output of a real process', () => {
  // Concurrent: each run mostly waits on its export interval.
  it.concurrent.each(RUNS)('%s, %s, OTEL_LOG_LEVEL=%s', async (path, config, level) => {
    const env: Record<string, string> = { OTEL_LOG_LEVEL: level, OTEL_METRIC_EXPORT_INTERVAL: '250', ...CONFIGS[config]() };
    if (path === 'zero-code entry') env.OTEL_RESOURCE_ATTRIBUTES = `deployment.environment.name=ci,${SECRET}`;
    const child = PATHS[path as keyof typeof PATHS](env);
    // Started, then a few export intervals, so every message that could print the secret has had its chance.
    await child.waitForOutput('app ready', 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.child.kill('SIGTERM');
    const result = await child.exited;
    const output = `${result.stdout}\n${result.stderr}`;
    expectNoSecret(output);
    // The messages that could have carried it were printed, at the levels that show warnings.
    if (config === 'malformed' && !['none', 'error'].includes(level)) {
      expect(output).toContain('OTEL_EXPORTER_OTLP_HEADERS is invalid: entry 2 of 2 has no "="');
      expect(output).toContain('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is invalid: port "70000" of "http://<redacted>@127.0.0.1:70000/?<redacted>"');
      expect(output).toMatch(/OTEL_EXPORTER_OTLP_CLIENT_KEY is invalid: "[^"]+key.pem" is not usable: /);
    }
    expect(output).not.toContain('Invalid URL');
  }, 150_000);
});

describe('no planted secret in an error thrown by a public function', () => {
  const pem = (name: string) => join(files, name);
  const WRONG: Array<[string, Record<string, unknown>]> = [
    ['headers as a string', { headers: `Authorization=Bearer ${SECRET}` }],
    ['a header value that is not printable', { headers: { authorization: `Bearer ${SECRET}\n` } }],
    ['a header name that holds the value', { headers: { [`Authorization: Bearer ${SECRET}`]: 'x' } }],
    ['a header value that is not a string', { headers: { authorization: [SECRET] } }],
    ['an endpoint with a password and a wrong port', { endpoint: `http://user:${SECRET}@collector:70000` }],
    ['an endpoint with a password and no host', { endpoint: `http://user:${SECRET}@:4317` }],
    ['an endpoint with a key in the query and a wrong scheme', { endpoint: `ftp://collector/?key=${SECRET}` }],
    ['host:port with userinfo', { endpoint: `user:${SECRET}@collector:99999` }],
    ['an endpoint that is not a string', { endpoint: { url: `http://user:${SECRET}@collector` } }],
    ['a misspelt field carrying a header', { header: { authorization: SECRET } }],
    ['an unknown field carrying a key', { apiKey: SECRET }],
    ['a certificate file of the wrong content', { certificateFile: pem('cert.pem') }],
    ['a client key file of the wrong content', { clientKeyFile: pem('key.pem'), clientCertificateFile: pem('cert.pem') }],
  ];
  const FUNCTIONS: Array<[string, (options: Record<string, unknown>) => unknown]> = [
    ['createMetricReaders', (options) => createMetricReaders(options as never)],
    ['otlpMetricReader', (options) => otlpMetricReader(options as never)],
    ['prometheusMetricReader', (options) => prometheusMetricReader(options as never)],
    ['consoleMetricReader', (options) => consoleMetricReader(options as never)],
    ['runtimeViews', (options) => runtimeViews(options as never)],
    ['startRuntimeMetrics', (options) => startRuntimeMetrics({ meterProvider: new MeterProvider(), ...options } as never).stop()],
    ['new NodeRuntimeInstrumentation', (options) => new NodeRuntimeInstrumentation({ enabled: false, ...options } as never)],
  ];
  const CASES = FUNCTIONS.flatMap(([name, call]) => WRONG.map(([what, options]) => [name, what, call, options] as const));

  it.each(CASES)('%s: %s', (_name, _what, call, options) => {
    let thrown: unknown;
    try {
      call(options);
    } catch (error) {
      thrown = error;
    }
    // Every one of these is wrong for every function (unknown fields included).
    expect(thrown).toBeInstanceOf(Error);
    expectNoSecret(String((thrown as Error).message));
    expectNoSecret(String((thrown as Error).stack));
  });
});
