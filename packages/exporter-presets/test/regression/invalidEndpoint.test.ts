import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '@nodevitals/instrumentation';
import { FIXTURES, PACKAGE_ROOT, startNode, type RunningChild } from '../helpers/childProcess';
import { GrpcReceiver } from '../helpers/grpcReceiver';

// Issue 9, item 4: OTEL_EXPORTER_OTLP_ENDPOINT=localhost:99999 (or
// 127.0.0.1:70000) made the README's NodeSDK app exit at start with
// `TypeError: Invalid URL`, and under the zero-code entry nothing started
// and the variable was not named. Now: one warning naming the variable and
// what is wrong, the app runs on, and metrics go to the default endpoint
// (http://localhost:4317), where this test runs a real receiver.

const EXAMPLES = join(PACKAGE_ROOT, '..', '..', 'examples');
const NODESDK_APP = join(EXAMPLES, 'nodesdk-otlp', 'dist', 'main.js');
const DEFAULT_GRPC_PORT = 4317;

let receiver: GrpcReceiver;

beforeAll(async () => {
  for (const file of [NODESDK_APP, join(PACKAGE_ROOT, 'dist', 'cjs', 'register.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm -r run build\` first`);
  }
  // The default endpoint is the point of the test: wait for the port rather than use another one.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      receiver = await new GrpcReceiver().start(DEFAULT_GRPC_PORT);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`port ${DEFAULT_GRPC_PORT} stayed busy, the default endpoint cannot be tested: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}, 40_000);
afterAll(() => receiver?.stop());

const APPS = [
  {
    name: "the README's NodeSDK app (examples/nodesdk-otlp)",
    // NodeSDK installs a diag logger only when OTEL_LOG_LEVEL is set.
    start: (env: Record<string, string>) =>
      startNode([NODESDK_APP], { OTEL_LOG_LEVEL: 'warn', ...env }, [], 120_000, join(EXAMPLES, 'nodesdk-otlp')),
    // Its own SIGTERM handler shuts the SDK down and exits 0.
    expectedExit: { code: 0, signal: null },
  },
  {
    name: 'the zero-code entry (node --require .../register)',
    start: (env: Record<string, string>) =>
      startNode(
        [join(FIXTURES, 'register', 'app.cjs')],
        { APP_MODE: 'handler', ...env },
        ['--require', '@nodevitals/exporter-presets/register'],
        120_000,
        join(EXAMPLES, 'register'),
      ),
    // The app's own handler sets exit code 7: the app, not us, decides how it ends.
    expectedExit: { code: 7, signal: null },
  },
];

const CASES = APPS.flatMap((app) =>
  ['localhost:99999', '127.0.0.1:70000', 'http://127.0.0.1:70000'].map((endpoint) => [app.name, endpoint, app] as const),
);

describe.each(CASES)('%s with OTEL_EXPORTER_OTLP_ENDPOINT=%s', (_name, endpoint, app) => {
  it('keeps running, warns once naming the variable and the port, and exports to the default endpoint', async () => {
    const before = receiver.received.length;
    const child: RunningChild = app.start({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '1000' });
    let pid: number | undefined;
    try {
      await receiver.waitFor(
        () =>
          receiver.received.slice(before).some((batch) =>
            batch.some((received) => received.resource['process.pid'] === child.child.pid && received.metrics.has(METRICS.heapLimit.name)),
          ),
        // Slack for a machine shared with other builds: the figure is the warning, not the time.
        90_000,
        'an export from the app at the default endpoint',
      );
      pid = child.child.pid;
    } finally {
      child.child.kill('SIGTERM');
    }
    const result = await child.exited;
    expect(pid).toBeDefined();
    expect({ code: result.code, signal: result.signal }).toEqual(app.expectedExit);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).not.toContain('Invalid URL');
    const warnings = output.split('\n').filter((line) => line.includes('OTEL_EXPORTER_OTLP_ENDPOINT'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT is invalid: port "(99999|70000)" .* is not from 1 to 65535 .*using the default, http:\/\/localhost:4317/);
  }, 150_000);
});
