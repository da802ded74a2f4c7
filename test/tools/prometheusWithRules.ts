/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port,
 * loading the repository's rule files (with their group intervals shortened
 * so a test sees results in seconds) and scraping the given targets every
 * second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from '../helpers/children';
import { RULE_FILES } from '../helpers/paths';
import { readYaml, toYaml } from '../helpers/yaml';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface RuleState {
  name: string;
  type: 'recording' | 'alerting';
  health: string;
  lastError?: string;
  state?: string;
}

export class PrometheusWithRules {
  private child: ChildProcess | undefined;
  private directory: string | undefined;
  private log = '';
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(targets: string[]): Promise<this> {
    this.directory = mkdtempSync(join(tmpdir(), 'nodevitals-rules-'));
    this.port = await freePort();
    const ruleFiles = RULE_FILES.map((file) => {
      const rules = readYaml(file);
      for (const group of rules.groups) group.interval = '1s';
      const copy = join(this.directory!, basename(file));
      writeFileSync(copy, toYaml(rules));
      return copy;
    });
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: [{ job_name: 'nodevitals-direct', static_configs: [{ targets }] }],
    };
    writeFileSync(join(this.directory, 'prometheus.yml'), toYaml(config));
    this.child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(this.directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    await this.poll(async () => (await fetch(`${this.url}/-/ready`)).ok, 30_000, 'Prometheus to be ready');
    return this;
  }

  async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  }

  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const data = await this.api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
      `query?query=${encodeURIComponent(promql)}`,
    );
    return data.result;
  }

  async rules(): Promise<RuleState[]> {
    const data = await this.api<{ groups: Array<{ rules: RuleState[] }> }>('rules');
    return data.groups.flatMap((group) => group.rules);
  }

  /** Polls until `check` holds; the last failure is in the error. */
  async poll(check: () => Promise<boolean>, timeoutMillis: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${String(last ?? 'condition false')}); prometheus log:\n${this.log.slice(-1500)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.directory) rmSync(this.directory, { recursive: true, force: true });
  }
}
