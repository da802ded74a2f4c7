import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packAndInstall } from '../../../../scripts/pack-and-install';
import { GrpcReceiver } from '../helpers/grpcReceiver';
import { httpRequest } from '../helpers/http';
import { freePort } from '../helpers/ports';

// The packages as published: built, packed, installed from the tarballs into a
// fresh project, and used from ES modules, CommonJS, the zero-code entry
// (--import and --require) and TypeScript. Workspace links would hide a
// missing `files` entry, a broken `exports` map or a dependency left in
// devDependencies.

// Reads runtime metrics through the Prometheus reader the environment asks for, then prints what it saw.
const SCRAPE_ONCE = `
  const readers = createMetricReaders();
  const provider = new MeterProvider({ readers, views: runtimeViews() });
  const runtime = startRuntimeMetrics({ meterProvider: provider });
  const { url } = await readers[0].ready;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const body = await (await fetch(url)).text();
  runtime.stop();
  await provider.shutdown();
  console.log(JSON.stringify({ readers: readers.length, url, body }));
`;

/** The environment of a child: PATH plus `env`, nothing inherited from the test runner. */
function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...env };
}

const PROMETHEUS_ENV = {
  OTEL_METRICS_EXPORTER: 'prometheus',
  OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
  OTEL_EXPORTER_PROMETHEUS_PORT: '0',
};

describe('the packed @nodevitals/exporter-presets tarball', () => {
  let project: string;
  beforeAll(() => {
    project = packAndInstall(['instrumentation', 'exporter-presets'], ['@opentelemetry/api', '@types/node']);
  }, 300_000);
  afterAll(() => project && rmSync(project, { recursive: true, force: true }));

  const run = (file: string, env: Record<string, string>, nodeArgs: string[] = []) =>
    JSON.parse(execFileSync(process.execPath, [...nodeArgs, file], { cwd: project, encoding: 'utf8', env: childEnv(env) }));

  it('ships its README and both builds', () => {
    const root = join(project, 'node_modules', '@nodevitals', 'exporter-presets');
    for (const file of ['README.md', 'dist/cjs/index.js', 'dist/esm/index.js', 'dist/cjs/register.js', 'dist/esm/register.mjs']) {
      expect({ file, present: existsSync(join(root, file)) }).toEqual({ file, present: true });
    }
  });

  it('works from an ES module: createMetricReaders() from OTEL_* serves runtime metrics', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createMetricReaders, runtimeViews } from '@nodevitals/exporter-presets';
       import { startRuntimeMetrics } from '@nodevitals/instrumentation';
       import { MeterProvider } from '@opentelemetry/sdk-metrics';
       ${SCRAPE_ONCE}`,
    );
    const result = run('esm.mjs', PROMETHEUS_ENV);
    expect(result.readers).toBe(1);
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(result.body).toContain('# TYPE v8js_memory_heap_used_bytes gauge');
    expect(result.body).toMatch(/^process_cpu_time_seconds_total\{[^}]*cpu_mode="user"[^}]*\} [0-9.e-]+$/m);
  });

  it('works from CommonJS', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { createMetricReaders, runtimeViews } = require('@nodevitals/exporter-presets');
       const { startRuntimeMetrics } = require('@nodevitals/instrumentation');
       const { MeterProvider } = require('@opentelemetry/sdk-metrics');
       (async () => { ${SCRAPE_ONCE} })();`,
    );
    const result = run('cjs.cjs', PROMETHEUS_ENV);
    expect(result.readers).toBe(1);
    expect(result.body).toContain('# TYPE nodejs_eventloop_utilization_ratio gauge');
  });

  it('node --import .../register serves /metrics on the port from OTEL_EXPORTER_PROMETHEUS_PORT', async () => {
    const port = await freePort();
    writeFileSync(join(project, 'service.mjs'), `setInterval(() => {}, 1000); console.log('SERVING');`);
    const child = spawn(process.execPath, ['--import', '@nodevitals/exporter-presets/register', 'service.mjs'], {
      cwd: project,
      env: childEnv({ ...PROMETHEUS_ENV, OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_SERVICE_NAME: 'smoke' }),
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 20_000;
      let body = '';
      while (Date.now() < deadline && !body.includes('v8js_memory_heap_used_bytes')) {
        body = await httpRequest(`http://127.0.0.1:${port}/metrics`).then(
          (response) => response.body,
          () => '',
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(body).toContain('# TYPE v8js_memory_heap_used_bytes gauge');
      expect(body).toMatch(/^target_info\{[^}]*service_name="smoke"/m);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('node --require .../register pushes OTLP/gRPC at normal exit', async () => {
    const receiver = await new GrpcReceiver().start();
    try {
      writeFileSync(join(project, 'job.cjs'), `setTimeout(() => console.log('DONE'), 300);`);
      // Asynchronous: the receiver lives in this process and must keep answering.
      const child = spawn(process.execPath, ['--require', '@nodevitals/exporter-presets/register', 'job.cjs'], {
        cwd: project,
        env: childEnv({
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_SERVICE_NAME: 'batch-job',
          // Delivery is what this checks: a bound a starved machine cannot miss (the worker that makes the last
          // export must start and connect within it); the 2 s default has its own test (register.test.ts).
          NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
        }),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(output).toContain('DONE');
      expect(code).toBe(0);
      // The export happened before the process ended.
      expect(receiver.received.length).toBeGreaterThan(0);
      const { resource, metrics } = receiver.latest();
      expect(resource['service.name']).toBe('batch-job');
      expect(metrics.get('process.cpu.time')?.points.length).toBeGreaterThan(0);
      expect(metrics.get('v8js.memory.heap.used')?.points.length).toBeGreaterThan(0);
    } finally {
      receiver.stop();
    }
  });

  it('ships type declarations a strict TypeScript project compiles against (node16 and bundler)', () => {
    const code = `import { createMetricReaders, prometheusMetricReader, runtimeViews, DEFAULT_OPTIONS, type CreateMetricReadersOptions, type PrometheusReader } from '@nodevitals/exporter-presets';
       import type { MetricReader, ViewOptions } from '@opentelemetry/sdk-metrics';
       const options: CreateMetricReadersOptions = { exporters: ['otlp', 'prometheus'], protocol: 'grpc', port: 0 };
       const readers: MetricReader[] = createMetricReaders(options);
       const prometheus: PrometheusReader = prometheusMetricReader({ port: 0 });
       const views: ViewOptions[] = runtimeViews({ naming: 'prom-client' });
       export const summary = [readers.length, views.length, DEFAULT_OPTIONS.port, prometheus.address?.port];`;
    writeFileSync(join(project, 'typed.ts'), code);
    writeFileSync(join(project, 'typed.mts'), `${code}\nimport '@nodevitals/exporter-presets/register';`);
    const tsc = require.resolve('typescript/bin/tsc');
    for (const resolution of ['node16', 'bundler']) {
      const module = resolution === 'node16' ? 'node16' : 'es2022';
      for (const file of ['typed.ts', 'typed.mts']) {
        let output = '';
        try {
          execFileSync(
            process.execPath,
            [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', module, '--moduleResolution', resolution, '--types', 'node', file],
            { cwd: project, encoding: 'utf8', stdio: 'pipe' },
          );
        } catch (error) {
          output = String((error as { stdout?: string }).stdout);
        }
        expect({ resolution, file, output }).toEqual({ resolution, file, output: '' });
      }
    }
    // Four full type-checks: seconds each on a quiet machine, several times that on a loaded one.
  }, 180_000);
});
