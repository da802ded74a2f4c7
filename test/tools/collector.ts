/**
 * The real OpenTelemetry Collector of collector-config/builder/manifest.yaml,
 * built (or reused from the cache) by scripts/build-collector.mjs, and run
 * with a shipped config whose addresses are moved to free loopback ports by
 * `--set` flags: the config file itself is never copied or edited.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/children';
import { COLLECTOR_CONFIG, ROOT } from '../helpers/paths';

export const AGENT_CONFIG = join(COLLECTOR_CONFIG, 'agent.yaml');
export const GATEWAY_CONFIG = join(COLLECTOR_CONFIG, 'gateway.yaml');
export const SHIPPED_CONFIGS = [AGENT_CONFIG, GATEWAY_CONFIG];

/** Long enough for a first build on a busy 2-core machine (modules download, then compile): 18 min measured at load 60-96. */
export const BUILD_TIMEOUT_MILLIS = 30 * 60_000;

let binary: string | undefined;

/**
 * The Collector binary's path: scripts/build-collector.mjs builds it once per
 * manifest (its progress goes to this process's stderr) and reuses it after.
 */
export function collectorBinary(): string {
  binary ??= execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-collector.mjs'), '--path'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: BUILD_TIMEOUT_MILLIS,
  }).trim();
  return binary;
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs the Collector with `args` to the end (validate, components). */
export function runCollector(args: string[]): CommandResult {
  const result = spawnSync(collectorBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `--set` values that move the Collector's own telemetry endpoint (default localhost:8888) to `port`. */
function telemetrySets(port: number): string[] {
  return [`service::telemetry::metrics::readers=[{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${port}}}}}]`];
}

/** Seconds of CPU (user + system) a process has used, from /proc. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process in bytes, from /proc. */
export function rssBytesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)![1]) * 1024;
}

/** One Collector process running a shipped config on loopback ports of its own. */
export class CollectorProcess {
  private child: ChildProcess | undefined;
  private log = '';
  /** Every port it listens on, fixed at construction so a restart comes back on the same ones. */
  readonly ports: { otlpGrpc: number; otlpHttp: number; health: number; telemetry: number; prometheus: number };

  private constructor(
    readonly name: string,
    readonly config: string,
    ports: CollectorProcess['ports'],
    private readonly extraSets: string[],
  ) {
    this.ports = ports;
  }

  /** A Collector for `config` with free ports; `extraSets` are further `key=value` overrides. */
  static async create(name: string, config: string, extraSets: string[] = []): Promise<CollectorProcess> {
    const ports = {
      otlpGrpc: await freePort(),
      otlpHttp: await freePort(),
      health: await freePort(),
      telemetry: await freePort(),
      prometheus: await freePort(),
    };
    return new CollectorProcess(name, config, ports, extraSets);
  }

  get otlpEndpoint(): string {
    return `127.0.0.1:${this.ports.otlpGrpc}`;
  }

  /** The prometheus exporter's scrape address (gateway.yaml). */
  get prometheusTarget(): string {
    return `127.0.0.1:${this.ports.prometheus}`;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  /** The command line arguments: the shipped file, and only addresses overridden. */
  args(): string[] {
    const sets = [
      `receivers::otlp::protocols::grpc::endpoint=${this.otlpEndpoint}`,
      `receivers::otlp::protocols::http::endpoint=127.0.0.1:${this.ports.otlpHttp}`,
      `extensions::health_check::endpoint=127.0.0.1:${this.ports.health}`,
      ...telemetrySets(this.ports.telemetry),
      ...(this.config === GATEWAY_CONFIG ? [`exporters::prometheus::endpoint=${this.prometheusTarget}`] : []),
      ...this.extraSets,
    ];
    return [`--config=${this.config}`, ...sets.map((set) => `--set=${set}`)];
  }

  /** Starts the process and resolves once its health_check answers 200. */
  async start(timeoutMillis = 30_000): Promise<this> {
    const child = spawn(collectorBinary(), this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const append = (chunk: Buffer): void => {
      this.log += chunk.toString();
      // Keep the tail only: a long run must not grow the test runner's memory.
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode}):\n${this.log.slice(-3000)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.ports.health}/`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) return this;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not healthy within ${timeoutMillis} ms:\n${this.log.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM (a graceful shutdown, as Kubernetes does), SIGKILL after `graceMillis`. */
  async stop(graceMillis = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
    await exited;
    clearTimeout(timer);
  }
}

