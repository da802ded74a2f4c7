import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';
export const PROMTOOL_BINARY = process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool';

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real Prometheus server (Debian's package) on a free loopback port, with a
 * temporary config and TSDB, scraping `targets` every second.
 */
export class PrometheusServer {
  private process: ChildProcess | undefined;
  private directory: string | undefined;
  private log = '';
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(targets: string[], metricsPath = '/metrics'): Promise<this> {
    this.directory = mkdtempSync(join(tmpdir(), 'nodevitals-prometheus-'));
    this.port = await freeTcpPort();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: nodevitals',
      `    metrics_path: ${metricsPath}`,
      '    static_configs:',
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    ].join('\n');
    writeFileSync(join(this.directory, 'prometheus.yml'), config);
    this.process = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(this.directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    await this.poll(async () => (await fetch(`${this.url}/-/ready`)).ok, 30_000, 'Prometheus to be ready');
    return this;
  }

  /** Runs an instant query; returns the result vector. */
  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: any[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result;
  }

  /** Polls `query` until it returns at least one series. */
  async waitForSeries(promql: string, timeoutMillis = 20_000) {
    let result: Awaited<ReturnType<PrometheusServer['query']>> = [];
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

  private async poll(check: () => Promise<boolean>, timeoutMillis: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      try {
        if (await check()) return;
      } catch {
        // Not up yet.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; prometheus log:\n${this.log.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
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
  }
}
