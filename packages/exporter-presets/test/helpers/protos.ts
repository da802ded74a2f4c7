import { dirname, join } from 'node:path';
import * as protobuf from 'protobufjs';

/** The official OTLP .proto files (opentelemetry-proto, shipped by otlp-grpc-exporter-base). */
export const PROTO_ROOT = join(
  dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base-protos/package.json')),
  'build',
  'protos',
);
export const METRICS_SERVICE_PROTO = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';

let root: protobuf.Root | undefined;

/** protobufjs types of the collector service, for the HTTP receivers. */
export function otlpTypes(): { request: protobuf.Type; response: protobuf.Type } {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    root.loadSync(METRICS_SERVICE_PROTO, { keepCase: false });
  }
  return {
    request: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
  };
}

/** google.rpc.Status with one google.rpc.RetryInfo detail, encoded as a server would send it; `'absent'`: a RetryInfo with no delay. */
export function encodeRetryInfoStatus(code: number, delayMillis: number | 'absent'): Buffer {
  const rpc = protobuf.Root.fromJSON({
    nested: {
      Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
      RetryInfo: { fields: { retryDelay: { type: 'Duration', id: 1 } } },
      Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
      Status: {
        fields: {
          code: { type: 'int32', id: 1 },
          message: { type: 'string', id: 2 },
          details: { rule: 'repeated', type: 'Any', id: 3 },
        },
      },
    },
  });
  const retryInfo = rpc.lookupType('RetryInfo');
  const status = rpc.lookupType('Status');
  const value = retryInfo
    .encode(
      retryInfo.create(
        delayMillis === 'absent'
          ? {}
          : { retryDelay: { seconds: Math.floor(delayMillis / 1000), nanos: (delayMillis % 1000) * 1e6 } },
      ),
    )
    .finish();
  return Buffer.from(
    status
      .encode(
        status.create({
          code,
          message: 'slow down',
          details: [{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value }],
        }),
      )
      .finish(),
  );
}
