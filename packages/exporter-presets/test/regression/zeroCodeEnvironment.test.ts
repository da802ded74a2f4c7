import { join } from 'node:path';
import { METRICS } from '@nodevitals/instrumentation';
import { FIXTURES, PACKAGE_ROOT, startNode } from '../helpers/childProcess';
import { GrpcReceiver } from '../helpers/grpcReceiver';
import type { ReceivedExport } from '../helpers/otlpData';

// Issue 9, items 5 and 20, in the zero-code entry as users run it: a wrong
// OTEL_LOG_LEVEL or an OTEL_METRICS_EXPORTER naming nothing is one warning and
// the defaults (before: silence, and no reader at all); NODEVITALS_* switch
// families off and set the sampler, a wrong one is one warning.

let receiver: GrpcReceiver;
beforeAll(async () => (receiver = await new GrpcReceiver().start()));
afterAll(() => receiver.stop());

async function run(env: Record<string, string>): Promise<{ received: ReceivedExport; output: string }> {
  const app = startNode(
    [join(FIXTURES, 'register', 'app.cjs')],
    { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '1000', ...env },
    ['--require', '@nodevitals/exporter-presets/register'],
    120_000,
    join(PACKAGE_ROOT, '..', '..', 'examples', 'register'),
  );
  let received: ReceivedExport | undefined;
  try {
    await receiver.waitFor(
      () => (received = receiver.received.flat().find((entry) => entry.resource['process.pid'] === app.child.pid)) !== undefined,
      90_000,
      'an export from the app',
    );
  } finally {
    app.child.kill('SIGTERM');
  }
  const result = await app.exited;
  return { received: received!, output: `${result.stdout}\n${result.stderr}` };
}

const linesAbout = (output: string, variable: string) => output.split('\n').filter((line) => line.includes(variable));

it.each([
  ['OTEL_LOG_LEVEL', 'loud', /^OTEL_LOG_LEVEL is invalid: expected one of none, error, warn, info, debug, verbose, all, got "loud"; using the default, warn$/],
  ['OTEL_METRICS_EXPORTER', ',', /^OTEL_METRICS_EXPORTER is invalid: "," names no exporter .*; using the default, otlp$/],
  ['NODEVITALS_HEAP', 'off', /^NODEVITALS_HEAP is invalid: expected true or false, got "off"; using the default, true$/],
  ['NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS', '0', /^NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS is invalid: expected an integer from 1 to 1000, got "0"; using the default, 10$/],
])('%s=%p: one warning, the default, and metrics still exported', async (variable, value, warning) => {
  const { received, output } = await run({ [variable]: value });
  expect(linesAbout(output, variable)).toEqual([expect.stringMatching(warning)]);
  expect(received.metrics.has(METRICS.heapLimit.name)).toBe(true);
  expect(received.metrics.has(METRICS.cpuTime.name)).toBe(true);
}, 150_000);

it('NODEVITALS_PROCESS=false and NODEVITALS_HEAP=false leave exactly those families out, with no warning', async () => {
  const { received, output } = await run({ NODEVITALS_PROCESS: 'false', NODEVITALS_HEAP: 'FALSE', NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS: '20' });
  const familyOf = new Map(Object.values(METRICS).map((metric) => [metric.name, metric.family]));
  const families = new Set([...received.metrics.keys()].map((name) => familyOf.get(name)));
  expect(families.has('process')).toBe(false);
  expect(families.has('heap')).toBe(false);
  expect(families.has('eventLoop')).toBe(true);
  expect(families.has('resources')).toBe(true);
  expect(linesAbout(output, 'NODEVITALS_')).toEqual([]);
}, 150_000);

it('NODEVITALS_HEAP_SPACE_DETAIL=true adds available and physical bytes per heap space; without it only the whole-heap totals', async () => {
  const perSpace = [METRICS.heapSpaceAvailable.name, METRICS.heapSpacePhysical.name];
  const spaces = (received: ReceivedExport, name: string) =>
    (received.metrics.get(name)?.points ?? []).map((point) => point.attributes['v8js.heap.space.name']);
  const byDefault = await run({});
  expect(perSpace.map((name) => byDefault.received.metrics.has(name))).toEqual([false, false]);
  expect([METRICS.heapAvailable.name, METRICS.heapPhysical.name].map((name) => byDefault.received.metrics.has(name))).toEqual([true, true]);
  const detailed = await run({ NODEVITALS_HEAP_SPACE_DETAIL: 'true' });
  // One point per V8 heap space, the same spaces the default per-space used bytes cover.
  const usedSpaces = spaces(detailed.received, METRICS.heapSpaceUsed.name).sort();
  expect(usedSpaces).toContain('old_space');
  for (const name of perSpace) expect([name, spaces(detailed.received, name).sort()]).toEqual([name, usedSpaces]);
  expect(linesAbout(detailed.output, 'NODEVITALS_')).toEqual([]);
}, 150_000);
