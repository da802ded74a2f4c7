import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { METRICS } from '@nodevitals/instrumentation';
import { FIXTURES, PACKAGE_ROOT, startNode, type ChildResult, type RunningChild } from './helpers/childProcess';
import { linesOtherThanHealth } from './helpers/healthLines';
import { LOADERS, startApp, USER_PROJECT } from './helpers/zeroCodeApp';
import { GrpcReceiver } from './helpers/grpcReceiver';
import type { ReceivedExport } from './helpers/otlpData';
import { freePort } from './helpers/ports';
import { PrometheusServer } from './helpers/prometheusServer';

interface AppInfo {
  pid: number;
  heapSizeLimit: number;
}

beforeAll(() => {
  for (const format of ['esm', 'cjs']) {
    const entry = join(PACKAGE_ROOT, 'dist', format, 'register.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm --filter @nodevitals/exporter-presets run build\` first`);
  }
});

async function appInfo(app: RunningChild): Promise<AppInfo> {
  // A preload that cannot load ends the process at once: say why then, not after the wait. An app that ends
  // by itself right after it is ready (APP_RUN_MILLIS) can be seen exiting before its line is read, when a
  // starved test process reads both in one turn: the whole output, once the pipe has ended, decides.
  await Promise.race([
    app.waitForOutput('app ready', 30_000),
    app.exited.then(async (result) => {
      await finished(app.child.stdout!).catch(() => undefined);
      if (app.output().stdout.includes('app ready')) return;
      throw new Error(`the app ended (${result.code ?? result.signal}) before it was ready: ${result.stderr}`);
    }),
  ]);
  return JSON.parse(app.output().stdout.match(/app ready (\{.*\})/)![1]);
}

/** What every delivery from the preload must carry: the env resource and runtime values of that very process. */
function expectRuntimeMetricsOf(received: ReceivedExport, info: AppInfo, serviceName: string): void {
  expect(received.resource).toMatchObject({
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES.
    'service.name': serviceName,
    'service.version': '4.5.6',
    'deployment.environment.name': 'ci',
    'process.pid': info.pid,
    'telemetry.sdk.language': 'nodejs',
    // The runtime's identity, as the semantic conventions name it (the app runs on this test's Node binary).
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
  });
  // Without an instance id, replicas overwrite each other's series behind a Collector.
  expect(received.resource['service.instance.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(received.metrics.get(METRICS.heapLimit.name)?.points[0].value).toBe(info.heapSizeLimit);
  for (const id of ['cpuTime', 'memoryUsage', 'uptime', 'eventLoopUtilization', 'resourcesActive', 'heapSpaceUsed'] as const) {
    expect(received.metrics.get(METRICS[id].name)?.points.length).toBeGreaterThan(0);
  }
}

// Nothing of ours on stderr means no line but the health monitor's transitions: the zero-code entry runs it by
// default, and on a loaded machine it rightly reports the app's slow loop (a CI run printed "eventLoopDelay is
// warning" from the app scraped by Prometheus below).
describe.each(LOADERS)('node $flag @nodevitals/exporter-presets/register ($kind app)', (loader) => {
  let receiver: GrpcReceiver;
  const serviceName = `billing-${loader.kind === 'CommonJS' ? 'cjs' : 'esm'}`;
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Ten minutes: no periodic export can happen during a test, only the flush.
    OTEL_METRIC_EXPORT_INTERVAL: '600000',
    // Delivery is what these tests check: a generous bound, so a starved CI machine cannot fail them.
    // The 2 s default bound has its own test below.
    NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=overridden,service.version=4.5.6,deployment.environment.name=ci',
    ...extra,
  });

  beforeEach(async () => {
    receiver = await new GrpcReceiver().start();
  });
  afterEach(() => receiver.stop());

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'makes a last export on %s, then ends the process as that signal would',
    async (signal) => {
      const app = startApp(loader, env());
      const info = await appInfo(app);
      // Let the app run a little: still nothing sent, the interval is ten minutes away.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.calls).toHaveLength(0);
      app.child.kill(signal);
      const result: ChildResult = await app.exited;
      expect(result.signal).toBe(signal);
      expect(result.code).toBeNull();
      expect(receiver.received).toHaveLength(1);
      expectRuntimeMetricsOf(receiver.latest(), info, serviceName);
      expect(linesOtherThanHealth(result.stderr)).toEqual([]);
    },
    60_000,
  );

  it("leaves the exit to the app's own SIGTERM handler, then makes exactly one final export", async () => {
    const app = startApp(loader, env({ APP_MODE: 'handler', APP_DRAIN_MILLIS: '1000' }));
    const info = await appInfo(app);
    app.child.kill('SIGTERM');
    await app.waitForOutput('app: own SIGTERM handler ran');
    const result = await app.exited;
    // The app's handler ran and its exit code stands: nobody re-raised the signal under it.
    expect(result.signal).toBeNull();
    expect(result.code).toBe(7);
    // One export, made when the app ended, not one at the signal and another at exit.
    expect(receiver.calls).toHaveLength(1);
    expectRuntimeMetricsOf(receiver.latest(), info, serviceName);
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 60_000);

  it.each([
    { mode: 'handler-exit', how: "the app's SIGTERM handler calling process.exit()", code: 7, signal: true },
    { mode: 'process-exit', how: 'a plain process.exit()', code: 4, signal: false },
    { mode: 'throw', how: 'an uncaught exception', code: 1, signal: false },
    { mode: 'reject', how: 'an unhandled rejection', code: 1, signal: false },
  ])('delivers exactly one final export on $how', async ({ mode, code, signal }) => {
    const app = startApp(loader, env({ APP_MODE: mode, APP_RUN_MILLIS: '300' }));
    const info = await appInfo(app);
    if (signal) app.child.kill('SIGTERM');
    const result = await app.exited;
    expect(result.code).toBe(code);
    expect(receiver.calls).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
    expectRuntimeMetricsOf(receiver.latest(), info, serviceName);
    // Whatever the app itself printed (its crash), nothing of ours.
    expect(result.stderr).not.toMatch(/nodevitals:|OTLP export|final export/);
  }, 60_000);

  it('makes a last export at normal exit, keeping the exit code', async () => {
    const app = startApp(loader, env({ APP_MODE: 'exit', APP_RUN_MILLIS: '1500' }));
    const info = await appInfo(app);
    const result = await app.exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(3);
    expect(receiver.received).toHaveLength(1);
    expectRuntimeMetricsOf(receiver.latest(), info, serviceName);
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 60_000);
});

describe('register configured by the environment', () => {
  let receiver: GrpcReceiver;
  beforeEach(async () => {
    receiver = await new GrpcReceiver().start();
  });
  afterEach(() => receiver.stop());

  it('does nothing with OTEL_SDK_DISABLED=true, and the app runs as without it', async () => {
    const app = startApp(LOADERS[0], {
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
      APP_MODE: 'exit',
      APP_RUN_MILLIS: '300',
    });
    const result = await app.exited;
    expect(result.code).toBe(3);
    expect(receiver.calls).toHaveLength(0);
    // Disabled: not even a health line.
    expect(result.stderr).toBe('');
  }, 60_000);

  it('warns once about a bad variable, naming it, and still delivers with the default', async () => {
    const app = startApp(LOADERS[1], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
      OTEL_SERVICE_NAME: 'typo',
      OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-7',
      APP_MODE: 'exit',
      APP_RUN_MILLIS: '300',
    });
    const result = await app.exited;
    expect(result.code).toBe(3);
    expect(result.stderr.match(/OTEL_METRIC_EXPORT_INTERVAL/g)).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.latest().resource['service.name']).toBe('typo');
    // An instance id the operator gives wins over the generated one.
    expect(receiver.latest().resource['service.instance.id']).toBe('pod-7');
  }, 60_000);

  it('starts once when preloaded both ways (--require and --import of the same package)', async () => {
    const app = startNode(
      [join(FIXTURES, 'register', 'app.mjs')],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
        APP_MODE: 'exit',
        APP_RUN_MILLIS: '300',
      },
      ['--require', '@nodevitals/exporter-presets/register', '--import', '@nodevitals/exporter-presets/register'],
      30_000,
      USER_PROJECT,
    );
    const result = await app.exited;
    expect(result.code).toBe(3);
    // One MeterProvider, so one last export, not one per module format.
    expect(receiver.received).toHaveLength(1);
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 60_000);

  it("never cuts short the app's own work in beforeExit, and says nothing false", async () => {
    const app = startApp(LOADERS[0], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      APP_MODE: 'before-exit-work',
      APP_RUN_MILLIS: '200',
      APP_BEFORE_EXIT_MILLIS: '3000',
    });
    const result = await app.exited;
    expect(result.stdout).toMatch(/app: beforeExit work done after \d+ ms/);
    expect(result.code).toBe(3);
    expect(receiver.received).toHaveLength(1);
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 60_000);

  /** Milliseconds from the moment the app was done (signal sent, or its last work) to the process' exit. */
  async function exitDelays(endpoint: string): Promise<{ bySignal: number; byExit: number; bySignalResult: ChildResult; byExitResult: ChildResult }> {
    // Budgets far longer than anyone would wait for a process to end.
    const common = {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_TIMEOUT: '120000',
      OTEL_METRIC_EXPORT_TIMEOUT: '120000',
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
    };
    const signalled = startApp(LOADERS[0], common);
    const exiting = recordExitTime(startApp(LOADERS[1], { ...common, APP_MODE: 'exit', APP_RUN_MILLIS: '500' }));
    await appInfo(signalled);
    const killedAt = Date.now();
    signalled.child.kill('SIGTERM');
    const bySignalResult = await signalled.exited;
    const bySignal = Date.now() - killedAt;
    const byExitResult = await exiting.exited;
    const doneAt = Number(byExitResult.stdout.match(/app: done at (\d+)/)![1]);
    return { bySignal, byExit: exitedAt(exiting) - doneAt, bySignalResult, byExitResult };
  }

  const exitTimes = new WeakMap<RunningChild, number>();
  function exitedAt(app: RunningChild): number {
    return exitTimes.get(app)!;
  }
  function recordExitTime(app: RunningChild): RunningChild {
    app.child.on('exit', () => exitTimes.set(app, Date.now()));
    return app;
  }

  it.each([
    ['never answers (accepts calls, no reply)', 'black-hole'],
    ['is down (closed port)', 'closed'],
  ] as const)('adds at most the 2 s final-export deadline to the exit when the Collector %s', async (_, fault) => {
    let endpoint = receiver.endpoint;
    if (fault === 'black-hole') receiver.defaultAnswer = 'black-hole';
    else endpoint = `http://127.0.0.1:${await freePort()}`;
    const { bySignal, byExit, bySignalResult, byExitResult } = await exitDelays(endpoint);
    // The 2 s deadline, plus slack for a loaded 2-core machine starting a worker thread and ending a process
    // (measured from this test's side, itself starved at times). Still far below the 120 s export budgets that
    // an export without the deadline would wait against these collectors.
    expect(bySignal).toBeLessThan(2000 + 5000);
    expect(byExit).toBeLessThan(2000 + 5000);
    expect(bySignalResult.signal).toBe('SIGTERM');
    expect(byExitResult.code).toBe(3);
    if (fault === 'black-hole') expect(receiver.calls.length).toBeGreaterThanOrEqual(2);
    // One true line each, at most (health's transition lines, the monitor reporting a starved machine, aside).
    for (const stderr of [bySignalResult.stderr, byExitResult.stderr]) {
      expect(linesOtherThanHealth(stderr).length).toBeLessThanOrEqual(1);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it('serves /metrics with OTEL_METRICS_EXPORTER=prometheus, scraped by a real Prometheus', async () => {
    const port = await freePort();
    const app = startApp(LOADERS[0], {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      OTEL_SERVICE_NAME: 'scraped-zero-code',
    });
    const prometheus = new PrometheusServer();
    try {
      const info = await appInfo(app);
      await prometheus.start([`127.0.0.1:${port}`]);
      const [target] = await prometheus.waitForSeries('target_info{service_name="scraped-zero-code"}', 30_000);
      expect(target.metric.process_pid).toBe(String(info.pid));
      const [limit] = await prometheus.waitForSeries('v8js_memory_heap_total_limit_bytes', 30_000);
      expect(Number(limit.value[1])).toBe(info.heapSizeLimit);
    } finally {
      await prometheus.stop();
      app.child.kill('SIGTERM');
    }
    const result = await app.exited;
    expect(result.signal).toBe('SIGTERM');
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 90_000);
});
