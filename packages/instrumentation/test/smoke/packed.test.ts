import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packAndInstall } from '../../../../scripts/pack-and-install';

// The package as published: built, packed, installed from the tarball, and
// used from ES modules, CommonJS and TypeScript. Workspace links would hide a
// missing `files` entry or a broken `exports` map.
const USE = `
  const reader = new (class extends MetricReader { async onForceFlush() {} async onShutdown() {} })();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider });
  setTimeout(async () => {
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
    handle.stop();
    const instrumentation = new NodeRuntimeInstrumentation({ enabled: false });
    console.log(JSON.stringify({ names, catalog: Object.keys(METRICS).length, disabled: typeof instrumentation.disable }));
  }, 50);
`;

describe('the packed tarball', () => {
  let project: string;
  beforeAll(() => {
    project = packAndInstall(['instrumentation'], [
      '@opentelemetry/api',
      '@opentelemetry/sdk-metrics',
      '@types/node',
    ]);
  }, 180_000);
  afterAll(() => project && rmSync(project, { recursive: true, force: true }));

  const run = (file: string) => JSON.parse(execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' }));

  it('works from an ES module', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { startRuntimeMetrics, NodeRuntimeInstrumentation, METRICS } from '@nodevitals/instrumentation';
       import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';${USE}`,
    );
    const result = run('esm.mjs');
    expect(result.names).toContain('v8js.memory.heap.used');
    expect(result.names).toContain('process.cpu.time');
    expect(result.catalog).toBeGreaterThan(30);
    expect(result.disabled).toBe('function');
  });

  it('works from CommonJS', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { startRuntimeMetrics, NodeRuntimeInstrumentation, METRICS } = require('@nodevitals/instrumentation');
       const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');${USE}`,
    );
    const result = run('cjs.cjs');
    expect(result.names).toContain('nodejs.eventloop.utilization');
  });

  it('ships type declarations a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(project, 'typed.ts'),
      `import { startRuntimeMetrics, METRICS, type RuntimeMetricsOptions, type MetricDefinition } from '@nodevitals/instrumentation';
       const options: RuntimeMetricsOptions = { gc: false, eventLoopResolutionMillis: 20 };
       const first: MetricDefinition = METRICS.gcDuration;
       const handle: { stop(): void } = startRuntimeMetrics(options);
       handle.stop();
       export const unit: string = first.unit;`,
    );
    const tsc = require.resolve('typescript/bin/tsc');
    for (const resolution of ['node16', 'bundler']) {
      const module = resolution === 'node16' ? 'node16' : 'es2022';
      execFileSync(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', module, '--moduleResolution', resolution, '--types', 'node', 'typed.ts'],
        { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } },
      );
    }
    // Two full type-checks: ~4 s on a quiet machine, several times that on a loaded one.
  }, 90_000);
});
