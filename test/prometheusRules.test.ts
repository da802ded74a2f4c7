/**
 * collector-config/prometheus: the scrape config and rule files pass promtool,
 * every alert is proven by `promtool test rules` to fire when it should and
 * stay quiet when it should (restart and absent data included), every
 * metric the rules read exists in a real scrape of the Prometheus preset, and
 * in a real Prometheus scraping the preset every rule evaluates and every
 * recording rule yields a plausible value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAll } from './helpers/children';
import { PROMETHEUS_DIR, RULE_FILES } from './helpers/paths';
import { promtool, PROMTOOL_TIMEOUT_MILLIS } from './helpers/promtool';
import { metricNamesIn } from './helpers/promql';
import { loadRules, rawMetricNames } from './helpers/rules';
import { NAMINGS, scrapePresetInEveryNaming, servedOnEitherPath, type Scrape } from './helpers/scrape';
import { readYaml, toYaml } from './helpers/yaml';
import { usePresetScrapedWithRules } from './tools/prometheusWithRules';
import { promClientRenames } from './tools/promClientNaming';
import { ALERT_CASES } from './tools/ruleCases';
import { buildRuleTests, RULE_TEST_FILE, RULE_TEST_FILES } from './tools/ruleTests';

afterAll(stopAll);

/**
 * Whether this machine puts a memory limit on its processes (a container):
 * `process.memory.limit` is served only under one, and the container-memory
 * rule has nothing to compute from without it.
 */
const CONTAINER_LIMIT_HERE = (() => {
  const limit = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  return limit > 0 && limit < 2 ** 53;
})();

describe('Prometheus configuration', () => {
  test('promtool check config accepts prometheus.yml and the rule files it loads', () => {
    const result = promtool(['check', 'config', 'prometheus.yml'], PROMETHEUS_DIR);
    expect(result.output).toContain('SUCCESS: 2 rule files found');
    expect(result.code).toBe(0);
  });

  test('the gateway job keeps the job and instance labels the Collector sets', () => {
    const config = readYaml(join(PROMETHEUS_DIR, 'prometheus.yml'));
    const gateway = config.scrape_configs.find((job: { job_name: string }) => job.job_name === 'nodevitals-gateway');
    expect(gateway.honor_labels).toBe(true);
  });

  test('promtool check rules accepts both rule files', () => {
    const result = promtool(['check', 'rules', ...RULE_FILES]);
    expect(result.output).toMatch(/SUCCESS: 11 rules found[\s\S]*SUCCESS: 24 rules found|SUCCESS: 24 rules found[\s\S]*SUCCESS: 11 rules found/);
    expect(result.code).toBe(0);
  });
});

describe('alert rules', () => {
  const { alerts } = loadRules();
  const alertNames = [...new Set(alerts.map((rule) => rule.alert as string))];

  test('every alert has a warning and a critical level, a for: duration and annotations', () => {
    expect(alertNames.length).toBeGreaterThanOrEqual(9);
    for (const name of alertNames) {
      const levels = alerts.filter((rule) => rule.alert === name).map((rule) => rule.labels?.severity);
      expect({ name, levels: levels.sort() }).toEqual({ name, levels: ['critical', 'warning'] });
    }
    for (const rule of alerts) {
      expect({ alert: rule.alert, for: rule.for }).toEqual({ alert: rule.alert, for: expect.stringMatching(/^\d+[smh]$/) });
      expect(rule.annotations?.summary).toContain('{{ $labels.instance }}');
      // The description says what to look at; it is static text so tests can pin it.
      expect((rule.annotations?.description ?? '').length).toBeGreaterThan(80);
      expect(rule.annotations?.description).not.toContain('{{');
    }
  });

  test('the seed table is covered: delay, utilization, heap, GC share and pause, resources, contexts, memory, restarts', () => {
    expect(alertNames).toEqual(
      expect.arrayContaining([
        'NodejsEventLoopDelayHigh',
        'NodejsEventLoopUtilizationHigh',
        'NodejsHeapNearLimit',
        'NodejsGcTimeShareHigh',
        'NodejsGcPauseHigh',
        'NodejsActiveResourcesGrowing',
        'NodejsDetachedContextsGrowing',
        'NodejsResidentMemoryGrowing',
        'NodejsLiveHeapGrowing',
        'NodejsProcessRestarted',
      ]),
    );
    expect(rawMetricNames(alerts.find((rule) => rule.alert === 'NodejsGcTimeShareHigh')!.expr)).toEqual([
      'v8js_gc_duration_seconds_sum',
      'nodejs_gc_duration_seconds_sum',
    ]);
  });

  test('every alert, at each level, has a case where it fires and cases where it must not, incl. a restart and absent data', () => {
    for (const name of alertNames) {
      const alertCase = ALERT_CASES.find((candidate) => candidate.alert === name);
      expect({ name, hasCase: Boolean(alertCase) }).toEqual({ name, hasCase: true });
      const firing = alertCase!.evals.flatMap((evaluation) => evaluation.firing);
      for (const severity of ['warning', 'critical']) {
        expect({ name, severity, fires: firing.some((alert) => alert.severity === severity) }).toEqual({ name, severity, fires: true });
      }
      const quiet = Object.keys(alertCase!.quiet);
      expect({ name, restart: quiet.some((id) => id.startsWith('restarted')) }).toEqual({ name, restart: true });
      expect({ name, absent: quiet.some((id) => id.startsWith('absent')) }).toEqual({ name, absent: true });
      // A quiet instance must have data in the case (or be the absent one) and never be expected to fire.
      const withData = new Set(alertCase!.series.map((series) => series.instance));
      for (const id of quiet) {
        expect(firing.map((alert) => alert.instance)).not.toContain(id);
        if (!id.startsWith('absent')) expect({ name, id, hasData: withData.has(id) }).toEqual({ name, id, hasData: true });
      }
    }
  });

  test('the committed promtool test file is generated from the cases (run test/tools/ruleTests.ts after editing them)', () => {
    for (const naming of NAMINGS) expect(readFileSync(RULE_TEST_FILES[naming], 'utf8')).toBe(buildRuleTests(naming));
  });

  test.each(NAMINGS)('promtool test rules passes with the series in %s naming', (naming) => {
    const result = promtool(['test', 'rules', RULE_TEST_FILES[naming]]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
    // Every alert whose series prom-client naming renames is proven in that naming too.
    if (naming === 'prom-client') {
      const proven = readYaml(RULE_TEST_FILES[naming]).tests.map((entry: { name: string }) => entry.name.split(' ')[0]);
      expect(proven).toEqual([
        'NodejsEventLoopDelayHigh',
        'NodejsHeapNearLimit',
        'NodejsGcTimeShareHigh',
        'NodejsGcPauseHigh',
        'NodejsActiveResourcesGrowing',
        'NodejsResidentMemoryGrowing',
        'NodejsFileDescriptorsNearLimit',
      ]);
    }
  }, PROMTOOL_TIMEOUT_MILLIS + 10_000);

  test('promtool test rules catches a wrong expectation (the cases are not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodevitals-rules-'));
    try {
      const file = readYaml(RULE_TEST_FILE);
      file.rule_files = RULE_FILES;
      // Claim the healthy instance's delay alert fires: promtool must disagree.
      const evaluation = file.tests[0].alert_rule_test.find((entry: { eval_time: string }) => entry.eval_time === '15m');
      evaluation.exp_alerts.push({
        exp_labels: { severity: 'warning', job: 'api', instance: 'healthy' },
        exp_annotations: evaluation.exp_alerts[0].exp_annotations,
      });
      writeFileSync(join(dir, 'wrong.test.yml'), toYaml(file));
      const result = promtool(['test', 'rules', join(dir, 'wrong.test.yml')]);
      expect(result.output).toContain('FAILED');
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, PROMTOOL_TIMEOUT_MILLIS + 10_000);
});

test('a series the preset suffixes with _value is also read under the name the Collector exporter gives it', () => {
  const { recording, alerts } = loadRules();
  const names = new Set([...recording, ...alerts].flatMap((rule) => metricNamesIn(rule.expr)));
  const presetOnly = [...names].filter((name) => name.endsWith('_value'));
  expect(presetOnly).toEqual(['process_unix_file_descriptor_count_value']);
  expect(presetOnly.filter((name) => !names.has(name.slice(0, -'_value'.length)))).toEqual([]);
});

test("every metric runtimeViews({ naming: 'prom-client' }) renames is read under both names by the same rule", () => {
  const { recording, alerts } = loadRules();
  const renames = promClientRenames();
  const missing = [...recording, ...alerts].flatMap((rule) => {
    const names = metricNamesIn(rule.expr);
    return names
      .filter((name) => renames.has(name) && !names.includes(renames.get(name)!))
      .map((name) => `${rule.record ?? rule.alert}: ${name} without ${renames.get(name)}`);
  });
  expect(missing).toEqual([]);
  // The check reads what it should: the renamed names are there to be found.
  expect([...recording, ...alerts].some((rule) => metricNamesIn(rule.expr).includes('process_open_fds'))).toBe(true);
});

describe('rules against a real scrape of the Prometheus preset in each naming', () => {
  let scrape: Scrape;
  beforeAll(async () => {
    scrape = await scrapePresetInEveryNaming();
  }, 150_000);

  test('every metric a recording or alert rule reads is in the scrape of one naming or the other', () => {
    const { recording, alerts } = loadRules();
    const missing = [...recording, ...alerts]
      .flatMap((rule) => rawMetricNames(rule.expr, recording).map((name) => ({ rule: rule.record ?? rule.alert, name })))
      .filter(({ name }) => !servedOnEitherPath(scrape, name))
      .filter(({ name }) => CONTAINER_LIMIT_HERE || name !== 'process_memory_limit_bytes');
    expect(missing).toEqual([]);
  });

  test('the labels the rules aggregate away exist on the scraped series', () => {
    for (const label of ['v8js_gc_type', 'v8js_resource_type', 'cpu_mode']) {
      expect(scrape.text).toContain(`${label}="`);
    }
  });
});

describe.each(NAMINGS)('rules in a real Prometheus scraping the preset in %s naming', (naming) => {
  const prometheus = usePresetScrapedWithRules(naming);

  test('every recording rule yields a plausible value from real data, and every rule evaluates without error', async () => {
    const { recording } = loadRules();
    // Plausible ranges: a ratio within 0..1, durations and counts positive and finite.
    const expected: Record<string, (value: number) => boolean> = {
      'instance:nodevitals_gc_time_share:rate5m': (value) => value >= 0 && value < 1,
      'instance:nodevitals_gc_pause_seconds:p99_rate5m': (value) => value > 0 && value <= 1,
      'job:nodevitals_eventloop_delay_seconds:p99_rate5m': (value) => value > 0 && value < 5,
      'instance:nodevitals_heap_used:ratio': (value) => value > 0 && value < 1,
      'instance:nodevitals_container_memory_used:ratio': (value) =>
        CONTAINER_LIMIT_HERE ? value > 0 && value < 1 : Number.isNaN(value),
      'instance:nodevitals_resources_active:sum': (value) => value >= 1,
      'instance:nodevitals_resources_active:min30m': (value) => value >= 1,
      'instance:nodevitals_resident_memory_bytes:min30m': (value) => value > 10e6,
      // The example app's retained arrays get promoted, so major GCs run within the poll.
      'instance:nodevitals_heap_live_bytes:min30m': (value) => value > 1e6 && value < 4e9,
      'instance:nodevitals_file_descriptors:ratio': (value) => value > 0 && value < 1,
      'instance:nodevitals_cpu_cores:rate5m': (value) => value >= 0 && value < 64,
    };
    expect(recording.map((rule) => rule.record).sort()).toEqual(Object.keys(expected).sort());
    const values: Record<string, number> = {};
    await prometheus.poll(
      async () => {
        for (const record of Object.keys(expected)) {
          const [sample] = await prometheus.query(record);
          values[record] = sample ? Number(sample.value[1]) : Number.NaN;
        }
        return Object.entries(expected).every(([record, plausible]) => plausible(values[record]));
      },
      60_000,
      'every recording rule to hold a plausible value',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nlast values: ${JSON.stringify(values)}`);
    });
    const unhealthy = (await prometheus.rules()).filter((rule) => rule.health !== 'ok');
    expect(unhealthy).toEqual([]);
  }, 90_000);

  test('on real data every alert rule evaluates, and the restart alert (for: 0m) stays quiet for a process that has not restarted', async () => {
    const alerting = (await prometheus.rules()).filter((rule) => rule.type === 'alerting');
    expect(alerting.length).toBe(loadRules().alerts.length);
    expect(alerting.filter((rule) => rule.health !== 'ok')).toEqual([]);
    // The other alerts need minutes of `for:`; a restart alert would fire at once if uptime were misread.
    expect(alerting.filter((rule) => rule.name === 'NodejsProcessRestarted').map((rule) => rule.state)).toEqual(['inactive', 'inactive']);
  });
});
