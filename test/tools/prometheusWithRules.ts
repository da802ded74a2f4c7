/**
 * A real Prometheus loading the repository's rule files, with their group
 * intervals shortened to 1 s so a test sees results in seconds; the server
 * itself is the exporter-presets test helper.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PrometheusServer } from '../../packages/exporter-presets/test/helpers/prometheusServer';
import { assertPackagesBuilt, freePort, runExample } from '../helpers/children';
import { PROMETHEUS_DIR, RULE_FILES } from '../helpers/paths';
import type { Naming } from '../helpers/scrape';
import { readYaml, toYaml } from '../helpers/yaml';

export type { RuleState } from '../../packages/exporter-presets/test/helpers/prometheusServer';

export class PrometheusWithRules extends PrometheusServer {
  override async start(targets: string[]): Promise<this> {
    return this.startJob('nodevitals-direct', targets);
  }

  /**
   * Scrapes `targets` with the settings of `jobName` in the shipped
   * prometheus.yml (honor_labels, relabel_configs...): only its target
   * discovery (DNS of a Kubernetes Service) becomes the static list, and its
   * timeout yields to the 1 s test interval.
   */
  async startShippedJob(jobName: string, targets: string[]): Promise<this> {
    const shipped = readYaml(join(PROMETHEUS_DIR, 'prometheus.yml')).scrape_configs.find(
      (candidate: { job_name: string }) => candidate.job_name === jobName,
    );
    if (!shipped) throw new Error(`prometheus.yml has no job ${jobName}`);
    const job = Object.fromEntries(
      Object.entries(shipped).filter(([key]) => !key.endsWith('_sd_configs') && key !== 'static_configs' && key !== 'scrape_timeout'),
    );
    return this.startJob(jobName, targets, job);
  }

  private async startJob(jobName: string, targets: string[], job: Record<string, unknown> = {}): Promise<this> {
    const ruleFiles = RULE_FILES.map((file) => {
      const rules = readYaml(file);
      for (const group of rules.groups) group.interval = '1s';
      const copy = join(this.workDirectory(), basename(file));
      writeFileSync(copy, toYaml(rules));
      return copy;
    });
    return super.start(targets, { jobName, ruleFiles, evaluationInterval: '1s', job });
  }
}

/**
 * examples/prometheus-scrape on a free port, serving the runtime metrics in
 * `naming`, and `prometheus` started scraping it; `stop` ends both.
 */
export async function startPresetScrapedWithRules(
  prometheus = new PrometheusWithRules(),
  naming: Naming = 'semconv',
): Promise<{ prometheus: PrometheusWithRules; stop(): Promise<void> }> {
  assertPackagesBuilt();
  const port = await freePort();
  const app = runExample(
    'prometheus-scrape',
    'src/main.ts',
    { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
    [],
    ['--naming', naming],
  );
  const stop = async (): Promise<void> => {
    await prometheus.stop();
    await app.stop();
  };
  try {
    // A cold start through the TypeScript hook takes 5-15 s on a loaded machine.
    await app.waitFor(/runtime metrics at/, 60_000);
    await prometheus.start([`127.0.0.1:${port}`]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { prometheus, stop };
}

/**
 * For a describe block: starts the scraped preset and Prometheus before its
 * tests and stops both after them; the returned server is live inside tests.
 */
export function usePresetScrapedWithRules(naming: Naming = 'semconv'): PrometheusWithRules {
  const prometheus = new PrometheusWithRules();
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ stop } = await startPresetScrapedWithRules(prometheus, naming));
    // The example's start (60 s at most), then Prometheus's (30 s at most).
  }, 120_000);
  afterAll(() => stop?.());
  return prometheus;
}
