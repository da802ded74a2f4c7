/**
 * The shipped pipeline run for real on loopback: applications under the
 * zero-code entry push OTLP/gRPC to a Collector agent (agent.yaml), which
 * forwards through a connection balancer (the Kubernetes Service) to two
 * gateway replicas (gateway.yaml), which a real Prometheus scrapes with the
 * shipped `nodevitals-gateway` job and rules. Only addresses are overridden.
 */
import { join } from 'node:path';
import { startNode, type RunningChild } from '../../packages/exporter-presets/test/helpers/childProcess';
import { assertPackagesBuilt } from '../helpers/children';
import { EXAMPLES, ROOT } from '../helpers/paths';
import { AGENT_CONFIG, CollectorProcess, GATEWAY_CONFIG } from './collector';
import { PrometheusWithRules } from './prometheusWithRules';
import { TcpBalancer } from './tcpBalancer';

/** Where `@nodevitals/exporter-presets/register` resolves to the built package, as in a user's project. */
const USER_PROJECT = join(EXAMPLES, 'register');
export const FLEET_APP = join(ROOT, 'test', 'fixtures', 'fleetApp.cjs');

export interface MemoryReport {
  at: number;
  heapUsed: number;
  fds: number;
}

/** One application process under the zero-code entry. */
export class FleetApp {
  readonly run: RunningChild;

  constructor(
    readonly service: string,
    readonly instance: string,
    loader: '--import' | '--require',
    env: Record<string, string>,
  ) {
    this.run = startNode(
      [FLEET_APP],
      {
        OTEL_SERVICE_NAME: service,
        OTEL_RESOURCE_ATTRIBUTES: `service.namespace=shop,service.instance.id=${instance}`,
        ...env,
      },
      ['--expose-gc', loader, '@nodevitals/exporter-presets/register'],
      30 * 60_000,
      USER_PROJECT,
    );
  }

  /** The `job` label the gateway gives this process (service.namespace/service.name). */
  get job(): string {
    return `shop/${this.service}`;
  }

  get running(): boolean {
    return this.run.child.exitCode === null && this.run.child.signalCode === null;
  }

  /** Memory reports printed so far (test/fixtures/fleetApp.cjs). */
  memory(): MemoryReport[] {
    return [...this.run.output().stdout.matchAll(/^app memory (\{.*\})$/gm)].map((match) => JSON.parse(match[1]));
  }

  /** A mark in the output, for `linesSince`. */
  mark(): { stdout: number; stderr: number } {
    const { stdout, stderr } = this.run.output();
    return { stdout: stdout.length, stderr: stderr.length };
  }

  /** Lines printed since `mark` by anything but the app itself (nodevitals, OpenTelemetry). */
  linesSince(mark: { stdout: number; stderr: number }): string[] {
    const { stdout, stderr } = this.run.output();
    return [...stdout.slice(mark.stdout).split('\n'), ...stderr.slice(mark.stderr).split('\n')].filter(
      (line) => line.trim() !== '' && !/^app (memory|ready) /.test(line),
    );
  }

  async stop(): Promise<void> {
    if (this.running) this.run.child.kill('SIGTERM');
    await this.run.exited;
  }
}

export interface Pipeline {
  gateways: CollectorProcess[];
  balancer: TcpBalancer;
  agent: CollectorProcess;
  prometheus: PrometheusWithRules;
  stop(): Promise<void>;
}

/** Gateways, the balancer in front of them, the agent and Prometheus, all started and healthy. */
export async function startPipeline(): Promise<Pipeline> {
  assertPackagesBuilt();
  const gateways = [await CollectorProcess.create('gateway-a', GATEWAY_CONFIG), await CollectorProcess.create('gateway-b', GATEWAY_CONFIG)];
  const balancer = await new TcpBalancer(() => gateways.map((gateway) => gateway.otlpEndpoint)).start();
  const agent = await CollectorProcess.create('agent', AGENT_CONFIG, [`exporters::otlp_grpc::endpoint=${balancer.address}`]);
  const prometheus = new PrometheusWithRules();
  const stop = async (): Promise<void> => {
    await Promise.allSettled([prometheus.stop(), agent.stop(), ...gateways.map((gateway) => gateway.stop())]);
    await balancer.stop();
  };
  try {
    await Promise.all(gateways.map((gateway) => gateway.start()));
    await agent.start();
    await prometheus.startShippedJob(
      'nodevitals-gateway',
      gateways.map((gateway) => gateway.prometheusTarget),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { gateways, balancer, agent, prometheus, stop };
}
