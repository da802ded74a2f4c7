/**
 * collector-config/agent.yaml and gateway.yaml, checked structurally (the
 * real Collector validates and runs them in collector.test.ts and
 * collectorPipeline.long.test.ts): every pipeline uses defined components,
 * memory_limiter comes first and batch follows, exports queue and retry,
 * agent and gateway agree on endpoints, and nothing secret is inlined.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR_CONFIG, PROMETHEUS_DIR } from './helpers/paths';
import { readYaml } from './helpers/yaml';

type Section = Record<string, Record<string, any> | null>;
interface CollectorConfig {
  receivers?: Section;
  processors?: Section;
  exporters?: Section;
  extensions?: Section;
  connectors?: Section;
  service?: {
    extensions?: string[];
    pipelines?: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }>;
  };
}

const typeOf = (id: string): string => id.split('/')[0];

/** OTLP exporter type names: `otlp_grpc` since Collector v0.144.0, `otlp` before (still a deprecated alias). */
const OTLP_GRPC_EXPORTERS = ['otlp_grpc', 'otlp'];

const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|authorization|bearer|credential|private[_-]?key|_pem$)/i;
const REFERENCE = /^\$\{(env|file):[A-Za-z0-9_./-]+\}$/;
const SECRET_VALUE = /(-----BEGIN|\bBearer\s+[A-Za-z0-9._-]{8,}|\bBasic\s+[A-Za-z0-9+/=]{8,}|AKIA[0-9A-Z]{16})/;

/** What is wrong with a Collector config, as sentences; empty when it is fine. */
export function problemsOf(config: CollectorConfig): string[] {
  const problems: string[] = [];
  const pipelines = config.service?.pipelines ?? {};
  if (Object.keys(pipelines).length === 0) problems.push('no pipelines');
  for (const [name, pipeline] of Object.entries(pipelines)) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const id of pipeline[kind] ?? []) {
        const defined = kind !== 'processors' && config.connectors && id in config.connectors;
        if (!(config[kind] && id in config[kind]!) && !defined) problems.push(`${name}: ${kind} ${id} is not defined`);
      }
    }
    if ((pipeline.receivers ?? []).length === 0) problems.push(`${name}: no receivers`);
    if ((pipeline.exporters ?? []).length === 0) problems.push(`${name}: no exporters`);
    const processors = (pipeline.processors ?? []).map(typeOf);
    if (processors[0] !== 'memory_limiter') problems.push(`${name}: memory_limiter is not the first processor`);
    if (!processors.includes('batch')) problems.push(`${name}: no batch processor`);
  }
  for (const [id, settings] of Object.entries(config.processors ?? {})) {
    if (typeOf(id) !== 'memory_limiter') continue;
    if (!settings?.check_interval) problems.push(`${id}: no check_interval`);
    if (settings?.limit_mib === undefined && settings?.limit_percentage === undefined) problems.push(`${id}: no limit`);
  }
  for (const id of config.service?.extensions ?? []) {
    if (!(config.extensions && id in config.extensions)) problems.push(`extension ${id} is not defined`);
  }
  if (!(config.service?.extensions ?? []).some((id) => typeOf(id) === 'health_check')) problems.push('no health_check extension');
  for (const [id, settings] of Object.entries(config.exporters ?? {})) {
    if (!OTLP_GRPC_EXPORTERS.includes(typeOf(id)) && typeOf(id) !== 'otlp_http' && typeOf(id) !== 'otlphttp') continue;
    if (settings?.sending_queue?.enabled !== true) problems.push(`${id}: no sending_queue`);
    if (settings?.retry_on_failure?.enabled !== true) problems.push(`${id}: no retry_on_failure`);
  }
  const walk = (value: unknown, path: string): void => {
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = `${path}.${key}`;
        if (SECRET_KEY.test(key) && typeof child === 'string' && !REFERENCE.test(child)) {
          problems.push(`${childPath} holds a literal secret: use \${env:NAME} or \${file:path}`);
        }
        walk(child, childPath);
      }
    } else if (typeof value === 'string' && SECRET_VALUE.test(value)) {
      problems.push(`${path} looks like an inlined credential`);
    }
  };
  walk(config, '');
  return problems;
}

function portOf(endpoint: string): number {
  return Number(endpoint.replace(/^[a-z]+:\/\//, '').split(':').pop());
}

const agent = readYaml<CollectorConfig>(join(COLLECTOR_CONFIG, 'agent.yaml'));
const gateway = readYaml<CollectorConfig>(join(COLLECTOR_CONFIG, 'gateway.yaml'));

describe('Collector configs', () => {
  test.each([
    ['agent.yaml', agent],
    ['gateway.yaml', gateway],
  ])('%s: pipelines reference defined components, memory_limiter first, batch present, no secret inlined', (_, config) => {
    expect(problemsOf(config)).toEqual([]);
  });

  test('the agent forwards to the gateway over OTLP gRPC, on the port the gateway listens on', () => {
    const exporters = agent.service!.pipelines!.metrics.exporters!;
    const otlp = exporters.filter((id) => OTLP_GRPC_EXPORTERS.includes(typeOf(id)));
    expect(otlp).toHaveLength(1);
    const endpoint: string = agent.exporters![otlp[0]]!.endpoint;
    expect(endpoint).toMatch(/^nodevitals-gateway:\d+$/);
    expect(portOf(endpoint)).toBe(portOf(gateway.receivers!.otlp!.protocols.grpc.endpoint));
  });

  test('the agent listens where the SDKs send by default (4317 gRPC, 4318 HTTP)', () => {
    expect(portOf(agent.receivers!.otlp!.protocols.grpc.endpoint)).toBe(4317);
    expect(portOf(agent.receivers!.otlp!.protocols.http.endpoint)).toBe(4318);
  });

  test('an agent batch fits the gateway receive limit', () => {
    expect(agent.receivers!.otlp!.protocols.grpc.max_recv_msg_size_mib).toBeLessThanOrEqual(
      gateway.receivers!.otlp!.protocols.grpc.max_recv_msg_size_mib,
    );
    expect(agent.processors!.batch!.send_batch_max_size).toBeGreaterThanOrEqual(agent.processors!.batch!.send_batch_size);
  });

  test('Prometheus scrapes the gateway on the port its prometheus exporter serves', () => {
    const prometheus = readYaml(join(PROMETHEUS_DIR, 'prometheus.yml'));
    const job = prometheus.scrape_configs.find((config: { job_name: string }) => config.job_name === 'nodevitals-gateway');
    // Every replica is scraped (DNS discovery of a headless Service), on the exporter's port.
    expect(job.static_configs).toBeUndefined();
    const ports: number[] = job.dns_sd_configs.map((config: { port: number }) => config.port);
    expect(ports).toEqual([portOf(gateway.exporters!.prometheus!.endpoint)]);
  });

  test('the gateway keeps the default Prometheus naming, the one the rules and dashboard use', () => {
    const settings = gateway.exporters!.prometheus!;
    expect(settings.add_metric_suffixes).not.toBe(false);
    expect(String(settings.translation_strategy ?? 'UnderscoreEscapingWithSuffixes')).toBe('UnderscoreEscapingWithSuffixes');
  });

  test('the version note for the otlp -> otlp_grpc rename is in the agent config', () => {
    const text = readFileSync(join(COLLECTOR_CONFIG, 'agent.yaml'), 'utf8');
    expect(text).toMatch(/v0\.144\.0/);
    expect(text).toMatch(/otlp_grpc/);
  });
});

describe('the structural check catches broken configs', () => {
  const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

  test.each<[string, (config: CollectorConfig) => void, RegExp]>([
    ['memory_limiter after batch', (c) => (c.service!.pipelines!.metrics.processors = ['batch', 'memory_limiter']), /memory_limiter is not the first/],
    ['no batch', (c) => (c.service!.pipelines!.metrics.processors = ['memory_limiter']), /no batch/],
    ['an undefined exporter', (c) => c.service!.pipelines!.metrics.exporters!.push('otlp_grpc/backup'), /otlp_grpc\/backup is not defined/],
    ['an inlined token', (c) => (c.exporters!.otlp_grpc!.headers = { authorization: 'Bearer abcdefgh12345678' }), /literal secret/],
    ['a queue-less exporter', (c) => delete c.exporters!.otlp_grpc!.sending_queue, /no sending_queue/],
    ['no health_check', (c) => (c.service!.extensions = []), /no health_check/],
  ])('%s', (_, breakIt, expected) => {
    const broken = clone(agent);
    breakIt(broken);
    expect(problemsOf(broken).join('\n')).toMatch(expected);
  });

  test('a secret referenced from the environment is fine', () => {
    const config = clone(agent);
    config.exporters!.otlp_grpc!.headers = { authorization: '${env:GATEWAY_AUTHORIZATION}' };
    expect(problemsOf(config)).toEqual([]);
  });
});
