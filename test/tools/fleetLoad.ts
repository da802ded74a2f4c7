/**
 * What the shipped Collector pipeline costs per process, measured on loopback
 * with the real Collector (collector-config/builder/manifest.yaml):
 * docs/fleet.md quotes its output.
 *
 *   pnpm build   # the zero-code entry whose export is replayed is the built one
 *   node -r ./scripts/ts-register.cjs test/tools/fleetLoad.ts [--processes=50,100,200] [--interval=5000] [--window=60000]
 *
 * 1. Capture: one real app (test/fixtures/fleetApp.cjs under the zero-code
 *    entry, default options) exports to a capturing gRPC server; its last
 *    export request (steady state, every GC kind seen) is kept as raw bytes.
 * 2. Replay: for each N, a fresh agent (agent.yaml) forwarding through a
 *    counting connection balancer to two gateways (gateway.yaml), and N
 *    simulated processes, each with its own gRPC connection, sending that
 *    request with its own resource (service.name, service.instance.id,
 *    process.pid, host.name) and fresh timestamps every --interval ms,
 *    staggered; both gateways are scraped every 15 s as Prometheus would.
 * 3. Over --window ms after a warm-up: CPU seconds of the agent and the
 *    gateways (/proc), their resident memory at the end, the bytes the agent
 *    sent to the gateways (its gzip included) per process-export, and the
 *    series the gateways serve per simulated process.
 */
// grpc-js is a dependency of examples/otlp-debug-receiver, where the repository's test tools come from.
import type * as Grpc from '../../examples/otlp-debug-receiver/node_modules/@grpc/grpc-js';
import { otlpTypes } from '../../packages/exporter-presets/test/helpers/protos';
import { requireTool } from '../helpers/paths';
import { fetchText } from '../helpers/scrape';
import { AGENT_CONFIG, CollectorProcess, GATEWAY_CONFIG, collectorBinary, cpuSecondsOf, rssBytesOf } from './collector';
import { FleetApp } from './fleetPipeline';
import { TcpBalancer } from './tcpBalancer';

const grpc = requireTool('@grpc/grpc-js') as typeof Grpc;
const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const raw = (buffer: Buffer): Buffer => buffer;

function option(name: string, fallback: string): string {
  const given = process.argv.find((argument) => argument.startsWith(`--${name}=`));
  return given ? given.slice(name.length + 3) : fallback;
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/** Runs the zero-code app against a capturing server; returns its last export request, raw. */
async function captureExport(): Promise<Buffer> {
  const captured: Buffer[] = [];
  const server = new grpc.Server();
  server.addService(
    {
      Export: {
        path: EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    } as Grpc.ServiceDefinition,
    {
      Export: (call: Grpc.ServerUnaryCall<Buffer, Buffer>, callback: Grpc.sendUnaryData<Buffer>) => {
        captured.push(call.request);
        // An empty ExportMetricsServiceResponse: everything accepted.
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const app = new FleetApp('capture', 'capture-1', '--require', {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    APP_REPORT_MILLIS: '1000',
  });
  try {
    await sleep(8000);
  } finally {
    await app.stop();
    server.forceShutdown();
  }
  if (captured.length < 3) throw new Error(`only ${captured.length} exports captured: ${app.run.output().stderr.slice(-2000)}`);
  return captured[captured.length - 2];
}

type Message = Record<string, any>;

/** The captured request as simulated process `index`: its own resource, points stamped `nowNanos`. */
function requestOf(template: Message, index: number, nowNanos: number): Buffer {
  const { request } = otlpTypes();
  const message = request.fromObject(template) as Message;
  const own: Record<string, string | number> = {
    'service.name': `sim-service-${index % 10}`,
    'service.namespace': 'fleet',
    'service.instance.id': `sim-${index}`,
    'host.name': `node-${Math.floor(index / 30)}`,
    'process.pid': 10_000 + index,
  };
  for (const resourceMetrics of message.resourceMetrics) {
    const attributes: Message[] = resourceMetrics.resource.attributes;
    for (const [key, value] of Object.entries(own)) {
      const existing = attributes.find((attribute) => attribute.key === key);
      const encoded = typeof value === 'number' ? { intValue: value } : { stringValue: value };
      if (existing) existing.value = encoded;
      else attributes.push({ key, value: encoded });
    }
    const stamp = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'timeUnixNano') (node as Message)[key] = nowNanos;
        else stamp(child);
      }
    };
    stamp(resourceMetrics.scopeMetrics);
  }
  return Buffer.from(request.encode(message).finish());
}

interface Measurement {
  processes: number;
  exportsPerSecond: number;
  windowSeconds: number;
  agentCpuPercent: number;
  agentRssMiB: number;
  gatewayCpuPercent: number;
  gatewayRssMiB: number;
  gatewayIdleRssMiB: number;
  bytesPerProcessExport: number;
  seriesPerProcess: number;
  failedSends: number;
}

async function measure(template: Message, processes: number, intervalMillis: number, windowMillis: number): Promise<Measurement> {
  const gateways = [await CollectorProcess.create('gateway-a', GATEWAY_CONFIG), await CollectorProcess.create('gateway-b', GATEWAY_CONFIG)];
  const balancer = await new TcpBalancer(() => gateways.map((gateway) => gateway.otlpEndpoint)).start();
  const agent = await CollectorProcess.create('agent', AGENT_CONFIG, [`exporters::otlp_grpc::endpoint=${balancer.address}`]);
  const clients: Grpc.Client[] = [];
  const timers: NodeJS.Timeout[] = [];
  let sent = 0;
  let failedSends = 0;
  try {
    await Promise.all(gateways.map((gateway) => gateway.start()));
    await agent.start();
    const gatewayIdleRss = Math.max(...gateways.map((gateway) => rssBytesOf(gateway.pid)));
    for (let index = 0; index < processes; index++) {
      const client = new grpc.Client(agent.otlpEndpoint, grpc.credentials.createInsecure());
      clients.push(client);
      const send = (): void => {
        const body = requestOf(template, index, Date.now() * 1e6);
        client.makeUnaryRequest(EXPORT_PATH, raw, raw, body, { deadline: Date.now() + 10_000 }, (error) => {
          if (error) failedSends++;
          else sent++;
        });
      };
      // Staggered over the interval, as independent processes are.
      timers.push(
        setTimeout(() => {
          send();
          timers.push(setInterval(send, intervalMillis));
        }, (index * intervalMillis) / processes),
      );
    }
    const scrape = async (): Promise<string[]> => Promise.all(gateways.map((gateway) => fetchText(`http://${gateway.prometheusTarget}/metrics`)));
    timers.push(setInterval(() => void scrape().catch(() => undefined), 15_000));
    // Warm-up: every simulated process has sent, and the batches have gone through both tiers.
    await sleep(intervalMillis + 15_000);
    const cpu = (): { agent: number; gateways: number } => ({
      agent: cpuSecondsOf(agent.pid),
      gateways: gateways.reduce((total, gateway) => total + cpuSecondsOf(gateway.pid), 0),
    });
    const before = { cpu: cpu(), bytes: balancer.bytesFromClients, sent, at: Date.now() };
    await sleep(windowMillis);
    const after = { cpu: cpu(), bytes: balancer.bytesFromClients, sent, at: Date.now() };
    const seconds = (after.at - before.at) / 1000;
    const exportsInWindow = after.sent - before.sent;
    const pages = await scrape();
    const simulatedSeries = pages.reduce((total, page) => total + page.split('\n').filter((line) => /\binstance="sim-\d+"/.test(line) && !line.startsWith('target_info')).length, 0);
    return {
      processes,
      exportsPerSecond: Math.round((exportsInWindow / seconds) * 10) / 10,
      windowSeconds: Math.round(seconds),
      agentCpuPercent: Math.round(((after.cpu.agent - before.cpu.agent) / seconds) * 1000) / 10,
      agentRssMiB: Math.round(rssBytesOf(agent.pid) / 2 ** 20),
      gatewayCpuPercent: Math.round(((after.cpu.gateways - before.cpu.gateways) / seconds) * 1000) / 10,
      gatewayRssMiB: Math.round(Math.max(...gateways.map((gateway) => rssBytesOf(gateway.pid))) / 2 ** 20),
      gatewayIdleRssMiB: Math.round(gatewayIdleRss / 2 ** 20),
      bytesPerProcessExport: Math.round((after.bytes - before.bytes) / Math.max(1, exportsInWindow)),
      seriesPerProcess: Math.round((simulatedSeries / processes) * 10) / 10,
      failedSends,
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const client of clients) client.close();
    await agent.stop();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await balancer.stop();
  }
}

async function main(): Promise<void> {
  const counts = option('processes', '50,100,200').split(',').map(Number);
  const intervalMillis = Number(option('interval', '5000'));
  const windowMillis = Number(option('window', '60000'));
  collectorBinary();
  const captured = await captureExport();
  const { request } = otlpTypes();
  const template = request.toObject(request.decode(captured), { longs: Number, defaults: false }) as Message;
  console.log(`captured export: ${captured.length} bytes (protobuf, uncompressed)`);
  const results: Measurement[] = [];
  for (const processes of counts) {
    const result = await measure(template, processes, intervalMillis, windowMillis);
    console.log(JSON.stringify(result));
    results.push(result);
  }
  console.log(`\nsimulated processes send every ${intervalMillis} ms; CPU over ${windowMillis / 1000} s (share of one core); RSS at the end`);
  console.table(results);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
