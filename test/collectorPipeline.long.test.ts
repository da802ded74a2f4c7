/**
 * End to end through a real Collector, as docs/collector.md deploys it: two
 * applications under the zero-code entry (one `--import`, one `--require`)
 * push OTLP/gRPC to an agent running agent.yaml, which forwards to two
 * gateway replicas running gateway.yaml, which a real Prometheus scrapes with
 * the shipped job and rules. Then the faults of that path: a gateway restart,
 * an agent restart, the agent down for over a minute.
 *
 * A few minutes of real time: a `.long` suite (once per CI run).
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { METRICS } from '../packages/instrumentation/src/catalog';
import { isHealthTransition } from '../packages/exporter-presets/test/helpers/healthLines';
import { prometheusNameOf } from '../scripts/metrics-doc';
import { DOCS } from './helpers/paths';
import { loadRules, rawMetricNames } from './helpers/rules';
import { readYaml } from './helpers/yaml';
import { AGENT_CONFIG, BUILD_TIMEOUT_MILLIS, GATEWAY_CONFIG, collectorBinary, type CollectorProcess } from './tools/collector';
import { dashboardQueries, emptyQueries, loadDashboard } from './tools/dashboard';
import { FleetApp, startPipeline, type MemoryReport, type Pipeline } from './tools/fleetPipeline';

/** Short, so a test sees several exports a minute; production uses 60 s. */
const EXPORT_INTERVAL_MILLIS = 2000;
/** Over a minute, so the "at most one line a minute" part of the outage promise is exercised. */
const OUTAGE_MILLIS = 70_000;

const seconds = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
};

const agentConfig = readYaml(AGENT_CONFIG);
const gatewayConfig = readYaml(GATEWAY_CONFIG);
/**
 * How late the shipped pipeline may deliver an export when nothing is wrong:
 * the agent's and the gateway's batch timeouts, plus a second for the scrape.
 */
const PIPELINE_DELAY_SECONDS = seconds(agentConfig.processors.batch.timeout) + seconds(gatewayConfig.processors.batch.timeout) + 1;
/**
 * Room for a shared, loaded machine (scheduling, a slow scrape): still well
 * under the 30 s a sender that fell back to its longest backoff would show.
 */
const LOADED_MACHINE_SLACK_SECONDS = 5;
/** The agent's first retry after a failed send: initial_interval, +50% jitter (the Collector's default randomization). */
const AGENT_FIRST_RETRY_SECONDS = seconds(agentConfig.exporters.otlp_grpc.retry_on_failure.initial_interval) * 1.5;

/** Rows of docs/metrics.md: OTLP name and the Prometheus name promised for it. */
function documentedMetrics(): Array<{ otlp: string; prometheus: string }> {
  const doc = readFileSync(join(DOCS, 'metrics.md'), 'utf8');
  return [...doc.matchAll(/^\| `([a-z0-9_.]+)` \| `([a-z0-9_]+)` \|/gm)].map(([, otlp, prometheus]) => ({ otlp, prometheus }));
}

/** The names docs/metrics.md says the Collector writes without the preset's `_value` suffix. */
function collectorNamesWithoutValue(): string[] {
  const doc = readFileSync(join(DOCS, 'metrics.md'), 'utf8');
  const list = /the Collector writes ((?:`[a-z0-9_]+`(?:, | and )?)+) without the `_value`/.exec(doc)?.[1] ?? '';
  return [...list.matchAll(/`([a-z0-9_]+)`/g)].map((match) => match[1]);
}

/**
 * Documented metrics these apps cannot be counted on to report: the memory limit exists only under a
 * real cgroup limit, the live heap and the last major GC only after a first major GC, and allocated
 * bytes only where V8 counts them (Node 26+).
 */
const CONDITIONAL: ReadonlySet<string> = new Set([
  METRICS.memoryLimit.name,
  METRICS.heapLive.name,
  METRICS.lastMajorGc.name,
  // Reported only while diagnostics run (NODEVITALS_DIAGNOSTICS): the apps here capture nothing.
  METRICS.diagnosticsCaptures.name,
  ...('total_allocated_bytes' in getHeapStatistics() ? [] : [METRICS.heapAllocated.name]),
]);

/**
 * Of those, the series that cannot exist on this machine at all (no cgroup memory limit on these
 * processes, no allocation counter before Node 26): a recording rule or dashboard query reading
 * any of these has nothing to compute from here. The live heap is not among them: the apps' forced
 * full GCs produce it, so the rules and panels reading it are checked.
 */
const containerLimit = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
const ABSENT_HERE: ReadonlySet<string> = new Set(
  [
    ...(containerLimit > 0 && containerLimit < 2 ** 53 ? [] : [METRICS.memoryLimit]),
    ...('total_allocated_bytes' in getHeapStatistics() ? [] : [METRICS.heapAllocated]),
  ].map((metric) => prometheusNameOf(metric)),
);
const readsAnAbsentSeries = (promql: string, recording: ReturnType<typeof loadRules>['recording']): boolean =>
  rawMetricNames(promql, recording).some((name) => ABSENT_HERE.has(name));

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

let pipeline: Pipeline;
let apps: FleetApp[] = [];

beforeAll(async () => {
  collectorBinary();
  pipeline = await startPipeline();
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${pipeline.agent.otlpEndpoint}`,
    OTEL_METRIC_EXPORT_INTERVAL: String(EXPORT_INTERVAL_MILLIS),
    APP_REPORT_MILLIS: '1000',
    // Every opt-in series too, so the whole documented catalog can be checked.
    NODEVITALS_HEAP_SPACE_DETAIL: 'true',
    NODEVITALS_DISK_IO: 'true',
    NODEVITALS_THREAD_CPU: 'true',
    NODEVITALS_LOOP_COUNTERS: 'true',
    NODEVITALS_WORKERS: 'true',
    // One worker thread in each app, for the worker series to report.
    APP_WORKER: 'true',
  };
  apps = [new FleetApp('checkout', 'checkout-1', '--import', env), new FleetApp('billing', 'billing-1', '--require', env)];
}, BUILD_TIMEOUT_MILLIS);

afterAll(async () => {
  await Promise.allSettled(apps.map((app) => app.stop()));
  await pipeline?.stop();
});

/** The collector (gateway scrape address) currently serving the apps' series. */
async function servingGateway(): Promise<CollectorProcess> {
  const [sample] = await pipeline.prometheus.waitForSeries('topk(1, count by (collector) (process_uptime_seconds{job=~"shop/.+"}))');
  return pipeline.gateways.find((gateway) => gateway.prometheusTarget === sample.metric.collector)!;
}

/**
 * The longest time, in seconds, between two arrivals of a new value for one
 * process (its uptime, as the freshest gateway serves it) over [from, to].
 */
async function longestGap(instance: string, from: number, to: number): Promise<number> {
  const query = encodeURIComponent(`max(process_uptime_seconds{instance="${instance}"})`);
  const data = await pipeline.prometheus.api<{ result: Array<{ values: Array<[number, string]> }> }>(
    `query_range?query=${query}&start=${from / 1000}&end=${to / 1000}&step=0.5`,
  );
  const values = data.result[0]?.values ?? [];
  const arrivals = [from / 1000];
  for (let index = 1; index < values.length; index++) {
    if (values[index][1] !== values[index - 1][1]) arrivals.push(values[index][0]);
  }
  arrivals.push(to / 1000);
  let longest = 0;
  for (let index = 1; index < arrivals.length; index++) longest = Math.max(longest, arrivals[index] - arrivals[index - 1]);
  return Math.round(longest * 10) / 10;
}

/** Counter resets of a process's CPU time seen in Prometheus over the last `window`, across gateways. */
async function cpuCounterResets(instance: string, window: string): Promise<number> {
  const [sample] = await pipeline.prometheus.query(
    `sum(resets((max by (instance, process_cpu_mode) (process_cpu_time_seconds_total{instance="${instance}"}))[${window}:500ms]))`,
  );
  return Number(sample?.value[1] ?? Number.NaN);
}

/** The newest uptime any gateway serves for a process, in seconds (0 when none). */
async function latestUptime(instance: string): Promise<number> {
  const [sample] = await pipeline.prometheus.query(`max(process_uptime_seconds{instance="${instance}"})`);
  return Number(sample?.value[1] ?? 0);
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

describe('apps → agent.yaml → 2 × gateway.yaml → Prometheus (shipped job and rules)', () => {
  test('every metric of docs/metrics.md arrives for each app under the Prometheus name the docs promise', async () => {
    const withoutValue = new Set(collectorNamesWithoutValue());
    expect(withoutValue.size).toBeGreaterThan(0);
    const expected = documentedMetrics().filter(({ otlp }) => !CONDITIONAL.has(otlp)).map(({ otlp, prometheus }) => ({
      otlp,
      prometheus: prometheus.endsWith('_value') && withoutValue.has(prometheus.slice(0, -'_value'.length)) ? prometheus.slice(0, -'_value'.length) : prometheus,
    }));
    expect(expected.length).toBeGreaterThanOrEqual(33);
    let missing: string[] = [];
    await pipeline.prometheus
      .poll(
        async () => {
          const present = new Set(
            (await pipeline.prometheus.query('group by (__name__, instance, job) ({job=~"shop/.+"})')).map(
              (sample) => `${sample.metric.job} ${sample.metric.instance} ${sample.metric.__name__}`,
            ),
          );
          missing = apps.flatMap((app) =>
            expected.filter(({ prometheus }) => !present.has(`${app.job} ${app.instance} ${prometheus}`)).map(({ prometheus }) => `${app.instance} ${prometheus}`),
          );
          return missing.length === 0;
        },
        90_000,
        'every documented metric at the gateways',
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}\nmissing: ${missing.join(', ')}`);
      });
    expect(missing).toEqual([]);
  }, 120_000);

  test('the recording rules yield series and every rule, alerts included, evaluates without error', async () => {
    const { recording, alerts } = loadRules();
    const computable = recording.filter((rule) => !readsAnAbsentSeries(rule.expr, recording)).map((rule) => rule.record!);
    expect(computable.length).toBeGreaterThan(recording.length / 2);
    let empty: string[] = [];
    await pipeline.prometheus.poll(
      async () => {
        empty = [];
        for (const record of computable) {
          if ((await pipeline.prometheus.query(record)).length === 0) empty.push(record);
        }
        return empty.length === 0;
      },
      60_000,
      'every recording rule to have a series',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nempty: ${empty.join(', ')}`);
    });
    const rules = await pipeline.prometheus.rules();
    expect(rules.filter((rule) => rule.type === 'alerting')).toHaveLength(alerts.length);
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
  }, 90_000);

  test('every dashboard query returns series', async () => {
    const { recording } = loadRules();
    const queries = dashboardQueries(loadDashboard()).filter((query) => !readsAnAbsentSeries(query.promql, recording));
    expect(queries.length).toBeGreaterThanOrEqual(15);
    expect(await emptyQueries(pipeline.prometheus, queries, 60_000)).toEqual([]);
  }, 90_000);
});

describe('faults on that path', () => {
  test('a gateway restarted mid-run: the agent reconnects through the Service, no gap beyond one export interval plus the restart', async () => {
    const gateway = await servingGateway();
    const from = Date.now() - 10_000;
    const stopped = Date.now();
    await gateway.stop();
    await sleep(2000);
    await gateway.start();
    const restartSeconds = (Date.now() - stopped) / 1000;
    await sleep(25_000);
    const to = Date.now();
    const bound = EXPORT_INTERVAL_MILLIS / 1000 + restartSeconds + AGENT_FIRST_RETRY_SECONDS + PIPELINE_DELAY_SECONDS + LOADED_MACHINE_SLACK_SECONDS;
    for (const app of apps) {
      const gap = await longestGap(app.instance, from, to);
      expect({ instance: app.instance, gap, withinBound: gap <= bound }).toEqual({ instance: app.instance, gap, withinBound: true });
      // Values carried on: no counter went back across the switch of replica.
      expect(await cpuCounterResets(app.instance, '60s')).toBe(0);
    }
  }, 90_000);

  test('the agent restarted: the apps reconnect by themselves, counters carry on, no gap beyond one export interval plus the restart', async () => {
    const from = Date.now() - 10_000;
    const stopped = Date.now();
    await pipeline.agent.stop();
    await sleep(3000);
    await pipeline.agent.start();
    const restartSeconds = (Date.now() - stopped) / 1000;
    await sleep(20_000);
    const to = Date.now();
    const bound = EXPORT_INTERVAL_MILLIS / 1000 + restartSeconds + PIPELINE_DELAY_SECONDS + LOADED_MACHINE_SLACK_SECONDS;
    for (const app of apps) {
      const gap = await longestGap(app.instance, from, to);
      expect({ instance: app.instance, gap, withinBound: gap <= bound }).toEqual({ instance: app.instance, gap, withinBound: true });
      expect(await cpuCounterResets(app.instance, '60s')).toBe(0);
      expect(app.running).toBe(true);
    }
  }, 90_000);

  test('the agent down for over a minute: the apps run on with flat heap and descriptors, and print a bounded number of lines', async () => {
    const marks = apps.map((app) => app.mark());
    const uptimeBefore = await Promise.all(apps.map((app) => latestUptime(app.instance)));
    const down = Date.now();
    await pipeline.agent.stop();
    await sleep(OUTAGE_MILLIS);
    const reports = apps.map((app) => app.memory().filter((report) => report.at > down + 10_000));
    await pipeline.agent.start();
    const up = Date.now();
    // Back: new values arrive for every app again, and the end of the outage can be reported.
    for (const [index, app] of apps.entries()) {
      await pipeline.prometheus.poll(
        async () => (await latestUptime(app.instance)) > uptimeBefore[index] + OUTAGE_MILLIS / 1000,
        40_000,
        `${app.instance} to report again`,
        500,
      );
    }
    await sleep(3000);
    const outageMinutes = (up - down) / 60_000;
    apps.forEach((app, index) => {
      const memory: MemoryReport[] = reports[index];
      expect(app.running).toBe(true);
      expect(memory.length).toBeGreaterThanOrEqual(20);
      const early = memory.slice(0, 10);
      const late = memory.slice(-10);
      const heapGrowth = median(late.map((report) => report.heapUsed)) - median(early.map((report) => report.heapUsed));
      const fdGrowth = median(late.map((report) => report.fds)) - median(early.map((report) => report.fds));
      // Flat: under 1 MiB of heap over ~30 failed exports (a leak of a kilobyte or more per export shows), ±2 fds.
      expect({ instance: app.instance, heapGrowth, flat: heapGrowth < 1024 * 1024 }).toEqual({ instance: app.instance, heapGrowth, flat: true });
      expect({ instance: app.instance, fdGrowth, flat: Math.abs(fdGrowth) <= 2 }).toEqual({ instance: app.instance, fdGrowth, flat: true });
      // One line when the outage starts, at most one a minute while it lasts, one when it ends.
      // Health transitions are another feature's bounded lines, which a loaded machine's GC pauses set off.
      const lines = app
        .linesSince(marks[index])
        .filter((line) => !isHealthTransition(line))
        .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
      const bound = 2 + Math.floor(outageMinutes);
      expect({ instance: app.instance, lines: lines.length, withinBound: lines.length >= 1 && lines.length <= bound, sample: lines.slice(0, 3) }).toEqual({
        instance: app.instance,
        lines: lines.length,
        withinBound: true,
        sample: lines.slice(0, 3),
      });
    });
  }, OUTAGE_MILLIS + 90_000);
});
