import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';
export const PROMTOOL_BINARY = process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool';

export interface PrometheusOptions {
  /** Scrape job name, the `job` label of every scraped series. */
  jobName?: string;
  metricsPath?: string;
  /** Rule files to load (absolute paths); none by default. */
  ruleFiles?: string[];
  /** How often rule groups without their own interval are evaluated. */
  evaluationInterval?: string;
  /** More settings of the scrape job (honor_labels, relabel_configs... of a shipped job). */
  job?: Record<string, unknown>;
}

export type Sample = { metric: Record<string, string>; value: [number, string] };

export interface RuleState {
  name: string;
  type: 'recording' | 'alerting';
  health: string;
  lastError?: string;
  state?: string;
}

/**
 * A real Prometheus server (Debian's package) on a free loopback port, with a
 * temporary config and TSDB, scraping `targets` every second and optionally
 * evaluating rule files.
 */
export class PrometheusServer {
  private process: ChildProcess | undefined;
  private directory: string | undefined;
  private log = '';
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * The temporary folder of this server (created on first use, removed by
   * `stop`), where callers may put files the config refers to, such as rule copies.
   */
  workDirectory(): string {
    this.directory ??= mkdtempSync(join(tmpdir(), 'nodevitals-prometheus-'));
    return this.directory;
  }

  async start(targets: string[], options: PrometheusOptions = {}): Promise<this> {
    const { jobName = 'nodevitals', metricsPath = '/metrics', ruleFiles = [], evaluationInterval = '1s', job = {} } = options;
    const directory = this.workDirectory();
    this.port = await freePort();
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: evaluationInterval },
      rule_files: ruleFiles,
      scrape_configs: [{ ...job, job_name: jobName, metrics_path: metricsPath, static_configs: [{ targets }] }],
    };
    // JSON is valid YAML, so no YAML writer is needed for the config.
    writeFileSync(join(directory, 'prometheus.yml'), JSON.stringify(config, null, 2));
    this.process = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    await this.poll(async () => (await fetch(`${this.url}/-/ready`)).ok, 30_000, 'Prometheus to be ready');
    return this;
  }

  /** GETs `/api/v1/<path>`; returns `data`, or throws with Prometheus's error. */
  async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} failed: ${body.error}`);
    return body.data;
  }

  /** Runs an instant query; returns the result vector. */
  async query(promql: string): Promise<Sample[]> {
    const data = await this.api<{ result: Sample[] }>(`query?query=${encodeURIComponent(promql)}`);
    return data.result;
  }

  /** Every loaded rule with its evaluation health. */
  async rules(): Promise<RuleState[]> {
    const data = await this.api<{ groups: Array<{ rules: RuleState[] }> }>('rules');
    return data.groups.flatMap((group) => group.rules);
  }

  /** Polls `query` until it returns at least one series. */
  async waitForSeries(promql: string, timeoutMillis = 20_000): Promise<Sample[]> {
    let result: Sample[] = [];
    await this.poll(
      async () => {
        result = await this.query(promql);
        return result.length > 0;
      },
      timeoutMillis,
      `series for ${promql}`,
    );
    return result;
  }

  /** Polls until `check` holds; the last failure and the server's log are in the error. */
  async poll(check: () => Promise<boolean>, timeoutMillis: number, what: string, intervalMillis = 250): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${String(last ?? 'condition false')}); prometheus log:\n${this.log.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMillis));
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.directory) rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }
}
