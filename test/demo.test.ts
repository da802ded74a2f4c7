/**
 * The quick-start demo (`npm run demo` runs examples/demo/dist/main.js) as a
 * user sees it: a live summary with sane values, /metrics served and valid for
 * Prometheus, OTLP pushed when OTEL_EXPORTER_OTLP_ENDPOINT is set, a taken port
 * reported in one line without stopping the rest, a clean stop on Ctrl-C and an
 * exit of its own after --seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { metricNames, resourceAttributes, startReceiver, type Receiver } from '../examples/otlp-debug-receiver/src/receiver';
import { assertPackagesBuilt } from './helpers/children';
import { EXAMPLES } from './helpers/paths';

const DEMO = join(EXAMPLES, 'demo');
const MAIN = join(DEMO, 'dist', 'main.js');

interface DemoRun {
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMillis: number): Promise<RegExpMatchArray>;
  /** Everything printed on stdout so far. */
  stdout(): string;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function runDemo(args: string[], env: Record<string, string>): DemoRun {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: DEMO,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // It must stop by itself (--seconds) or on a signal; this only keeps a broken demo from outliving the test.
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    exited,
    stdout: () => stdout,
    signal: (signal) => void child.kill(signal),
    waitFor(pattern, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      return new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          const match = stdout.match(pattern);
          if (match) {
            clearInterval(poll);
            resolve(match);
          } else if (Date.now() > deadline || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`demo never printed ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        }, 25);
      });
    },
  };
}

function promtoolCheckMetrics(exposition: string): { code: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${result.error.message}`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  assertPackagesBuilt();
  const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0;
  const newestSource = Math.max(...readdirSync(join(DEMO, 'src')).map((file) => statSync(join(DEMO, 'src', file)).mtimeMs));
  if (built < newestSource) throw new Error(`${MAIN} is missing or older than its sources: run \`pnpm --filter ./examples/demo run build\``);
});

describe('npm run demo', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  test('prints a sane summary, serves /metrics, pushes OTLP, and on Ctrl-C makes a last push and exits 0', async () => {
    // No --seconds: a fixed lifetime let a loaded machine end the demo before /metrics was read or a
    // periodic push was made. It runs until Ctrl-C (the README's way to stop it), sent once all of that is
    // in; the exit of its own after --seconds is the next test's.
    const demo = runDemo([], {
      NODEVITALS_DEMO_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.address}`,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    });
    const [, url] = await demo.waitFor(/^Prometheus {2}(http:\/\/127\.0\.0\.1:\d+\/metrics)$/m, 30_000);
    await demo.waitFor(new RegExp(`^OTLP {8}pushing to http://${receiver.address} every 1 s$`, 'm'), 5_000);

    // /metrics while it runs: the runtime series, valid for Prometheus.
    await demo.waitFor(/^\[\d+ s\]$/m, 30_000);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    const exposition = await response.text();
    for (const series of ['v8js_memory_heap_total_limit_bytes', 'v8js_gc_duration_seconds_bucket', 'nodejs_eventloop_delay_distribution_seconds_bucket', 'process_cpu_time_seconds_total']) {
      expect(exposition).toContain(`\n${series}{`);
    }
    const check = promtoolCheckMetrics(exposition);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);

    // The premises, however slow the machine: a periodic push arrived, and a summary counts GC pauses (the
    // workload allocates 5,000 objects every 20 ms, so young-generation GCs come within a few of its turns).
    const gcLine = /^gc {10}(\d+) pauses, p99 [^,]+, ([\d.]+) % of the time$/gm;
    const countedPauses = () => [...demo.stdout().matchAll(gcLine)].some((match) => Number(match[1]) > 0);
    for (const deadline = Date.now() + 30_000; !(receiver.exports.length >= 1 && countedPauses()) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(receiver.exports.length).toBeGreaterThanOrEqual(1);
    const pushedBeforeStop = receiver.exports.length;
    demo.signal('SIGINT');
    const result = await demo.exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('stopped cleanly');

    // The summary: heap used below its limit, GC counted, event-loop figures within their ranges.
    const [, used, limit, share] = result.stdout.match(/^heap {8}([\d.]+) MiB used of ([\d.]+) MiB limit \(([\d.]+) %\)$/m)!.map(Number);
    expect(used).toBeGreaterThan(1);
    expect(limit).toBeGreaterThan(used);
    expect(share).toBeCloseTo((used / limit) * 100, 0);
    // Each summary counts the pauses since the one before: some counted them, none read past all the time.
    const gcSummaries = [...result.stdout.matchAll(gcLine)].map(([, pauses, gcShare]) => ({ pauses: Number(pauses), gcShare: Number(gcShare) }));
    expect(gcSummaries.some(({ pauses }) => pauses > 0)).toBe(true);
    for (const { gcShare } of gcSummaries) expect(gcShare).toBeLessThan(100);
    // Over what window the gauges run is said, so a max that outlives a print is not read as stuck.
    const [, window, p99, max, utilization] = result.stdout
      .match(/^event loop {2}last (\d+) s: delay p99 ([\d.]+) ms, max ([\d.]+) ms, utilization ([\d.]+) %$/m)!
      .map(Number);
    expect(window).toBe(10);
    expect(max).toBeGreaterThanOrEqual(p99);
    expect(utilization).toBeGreaterThan(0);
    expect(utilization).toBeLessThanOrEqual(100);
    // The busiest resource types with their counts (which ones lead depends on the moment).
    expect(result.stdout).toMatch(/^resources {3}[A-Za-z]+ \d+(, [A-Za-z]+ \d+)*$/m);

    // OTLP: the last push, made at the stop, reached the receiver after the periodic ones.
    expect(receiver.exports.length).toBeGreaterThan(pushedBeforeStop);
    const lastPush = receiver.exports[receiver.exports.length - 1].request;
    expect(metricNames(lastPush)).toEqual(
      expect.arrayContaining(['v8js.memory.heap.total.limit', 'v8js.gc.duration', 'nodejs.eventloop.utilization', 'process.cpu.time']),
    );
    expect(resourceAttributes(lastPush)['telemetry.sdk.language']).toBe('nodejs');
  }, 120_000);

  test('says in one line that the /metrics port is taken, and runs the rest', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const demo = runDemo(['--seconds', '3', '--port', String(port)], {});
      const result = await demo.exited;
      expect(result.code).toBe(0);
      expect(result.stdout.match(new RegExp(`^Prometheus {2}not served: 127\\.0\\.0\\.1:${port} is taken; try --port$`, 'gm'))).toHaveLength(1);
      expect(result.stdout).toMatch(/^OTLP {8}off/m);
      expect(result.stdout).toMatch(/^heap {8}[\d.]+ MiB used/m);
      expect(result.stdout).toContain('stopped cleanly');
      expect(result.stderr).toBe('');
    } finally {
      blocker.close();
    }
  }, 30_000);
});
