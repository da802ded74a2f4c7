/**
 * A minimal OTLP/gRPC metrics receiver: the official protos, decoded with
 * @grpc/proto-loader, every request kept with its size on the wire before
 * compression. Enough to see what an app sends without running a Collector,
 * and what this repository's tests and size measurements use.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** One Export request as received. */
export interface ReceivedExport {
  /** Protobuf bytes of the request, after gRPC decompression (what `compression: none` puts on the wire). */
  readonly bytes: number;
  /** The same bytes gzipped (default level): about what `compression: gzip` puts on the wire. */
  readonly gzipBytes: number;
  /** Decoded ExportMetricsServiceRequest (camelCase fields, 64-bit integers as strings). */
  readonly request: ExportMetricsServiceRequest;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: Array<{ scope?: { name?: string; version?: string }; metrics?: Metric[] }>;
  }>;
}
export interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
export interface Metric {
  name: string;
  unit?: string;
  description?: string;
  gauge?: { dataPoints?: DataPoint[] };
  sum?: { dataPoints?: DataPoint[]; isMonotonic?: boolean; aggregationTemporality?: string };
  histogram?: { dataPoints?: DataPoint[]; aggregationTemporality?: string };
  exponentialHistogram?: { dataPoints?: DataPoint[] };
  data?: string;
}
export interface DataPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}

export interface Receiver {
  /** `127.0.0.1:<port>`, to put after `http://` in OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly address: string;
  readonly port: number;
  /** Every request received so far, oldest first. */
  readonly exports: readonly ReceivedExport[];
  /** Resolves with the first export that satisfies `predicate` (already received or future), rejects after `timeoutMillis`. */
  waitFor(predicate: (received: ReceivedExport) => boolean, timeoutMillis: number): Promise<ReceivedExport>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `0`: any free port (see `receiver.port`). */
  port?: number;
  /** Called for every request, after it is stored. */
  onExport?: (received: ReceivedExport) => void;
}

const PROTO_ROOT = join(
  require.resolve('@opentelemetry/otlp-grpc-exporter-base-protos/package.json'),
  '..',
  'build',
  'protos',
);

type ServiceDefinition = grpc.ServiceDefinition<grpc.UntypedServiceImplementation>;

function metricsService(): ServiceDefinition {
  const definition = protoLoader.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { metrics: { v1: { MetricsService: { service: ServiceDefinition } } } } } };
  };
  return loaded.opentelemetry.proto.collector.metrics.v1.MetricsService.service;
}

export function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const service = metricsService();
  const exportMethod = service.Export;
  const sizes = new WeakMap<object, { bytes: number; gzipBytes: number }>();
  // Wrap the decoder to learn each request's size before it becomes objects.
  const measured: ServiceDefinition = {
    Export: {
      ...exportMethod,
      requestDeserialize: (buffer: Buffer) => {
        const request = exportMethod.requestDeserialize(buffer) as object;
        sizes.set(request, { bytes: buffer.length, gzipBytes: gzipSync(buffer).length });
        return request;
      },
    },
  };
  const exports: ReceivedExport[] = [];
  const waiters = new Set<{ predicate: (received: ReceivedExport) => boolean; resolve: (received: ReceivedExport) => void }>();
  const server = new grpc.Server();
  server.addService(measured, {
    Export: (call: grpc.ServerUnaryCall<ExportMetricsServiceRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const size = sizes.get(call.request as object) ?? { bytes: 0, gzipBytes: 0 };
      const received: ReceivedExport = { ...size, request: call.request };
      exports.push(received);
      options.onExport?.(received);
      for (const waiter of waiters) {
        if (waiter.predicate(received)) {
          waiters.delete(waiter);
          waiter.resolve(received);
        }
      }
      callback(null, {});
    },
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) return reject(error);
      resolve({
        address: `${host}:${port}`,
        port,
        exports,
        waitFor(predicate, timeoutMillis) {
          const done = exports.find(predicate);
          if (done) return Promise.resolve(done);
          return new Promise((resolveWait, rejectWait) => {
            const waiter = {
              predicate,
              resolve: (received: ReceivedExport) => {
                clearTimeout(timer);
                resolveWait(received);
              },
            };
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              rejectWait(new Error(`no matching OTLP export within ${timeoutMillis} ms (${exports.length} received)`));
            }, timeoutMillis);
            waiters.add(waiter);
          });
        },
        close: () =>
          new Promise<void>((resolveClose) => {
            server.tryShutdown(() => resolveClose());
            // Clients that keep their channel open would hold tryShutdown.
            setTimeout(() => server.forceShutdown(), 1000).unref();
          }),
      });
    });
  });
}

/** Names of all metrics in one request. */
export function metricNames(request: ExportMetricsServiceRequest): string[] {
  return (request.resourceMetrics ?? []).flatMap((resource) =>
    (resource.scopeMetrics ?? []).flatMap((scope) => (scope.metrics ?? []).map((metric) => metric.name)),
  );
}

/** All data points of one request, whatever the metric type. */
export function dataPointCount(request: ExportMetricsServiceRequest): number {
  let count = 0;
  for (const resource of request.resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const body = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram;
        count += body?.dataPoints?.length ?? 0;
      }
    }
  }
  return count;
}

/** The resource attributes of the first resource, as plain strings. */
export function resourceAttributes(request: ExportMetricsServiceRequest): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { key, value } of request.resourceMetrics?.[0]?.resource?.attributes ?? []) {
    attributes[key] = String(value?.stringValue ?? value?.intValue ?? value?.doubleValue ?? value?.boolValue ?? '');
  }
  return attributes;
}
