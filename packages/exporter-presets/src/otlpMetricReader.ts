import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import {
  AggregationTemporalityPreference,
  CumulativeTemporalitySelector,
  DeltaTemporalitySelector,
  LowMemoryTemporalitySelector,
  OTLPMetricExporter as JsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import {
  AggregationType,
  InstrumentType,
  type AggregationOption,
  type AggregationSelector,
  type AggregationTemporalitySelector,
  type MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { withoutOtlpEnvironment } from './internal/environment.js';
import type { FinalExportRequest } from './internal/finalExport.js';
import { GrpcMetricExporter, grpcTarget, OTLP_METRICS_EXPORT_PATH } from './internal/GrpcMetricExporter.js';
import { OtlpPeriodicReader } from './internal/OtlpPeriodicReader.js';
import { OutageLog } from './internal/OutageLog.js';
import { resolveOtlpSettings, type OtlpSettings } from './internal/otlpSettings.js';
import { checkOptionsObject } from './internal/validate.js';
import { OTLP_FIELDS, type OtlpMetricReaderOptions, type TemporalityPreference } from './options.js';

const TEMPORALITY: Record<TemporalityPreference, AggregationTemporalityPreference> = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
};

const TEMPORALITY_SELECTORS: Record<TemporalityPreference, AggregationTemporalitySelector> = {
  cumulative: CumulativeTemporalitySelector,
  delta: DeltaTemporalitySelector,
  lowmemory: LowMemoryTemporalitySelector,
};

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });
const EXPONENTIAL: AggregationOption = Object.freeze({ type: AggregationType.EXPONENTIAL_HISTOGRAM });

function aggregationPreference(settings: OtlpSettings): AggregationSelector | undefined {
  if (settings.defaultHistogramAggregation !== 'base2_exponential_bucket_histogram') return undefined;
  return (instrumentType) => (instrumentType === InstrumentType.HISTOGRAM ? EXPONENTIAL : DEFAULT_AGGREGATION);
}

/** `http://` is plaintext, `https://` TLS; without a scheme, TLS unless `insecure`. */
function grpcPlaintext(settings: OtlpSettings): boolean {
  return settings.endpoint.startsWith('http://') || (!settings.endpoint.startsWith('https://') && settings.insecure);
}

function grpcChannelCredentials(settings: OtlpSettings): ChannelCredentials {
  if (grpcPlaintext(settings)) return grpcCredentials.createInsecure();
  return grpcCredentials.createSsl(settings.certificate ?? null, settings.clientKey ?? null, settings.clientCertificate ?? null);
}

/** The exporter for the resolved settings; every value is passed explicitly, none left to the upstream's own env reading. */
function createExporter(settings: OtlpSettings): PushMetricExporter {
  // The export budget never outlives the reader's wait for it.
  const timeoutMillis = Math.min(settings.otlpTimeoutMillis, settings.exportTimeoutMillis);
  const common = {
    timeoutMillis,
    compression: settings.compression as never,
    temporalityPreference: TEMPORALITY[settings.temporalityPreference],
    aggregationPreference: aggregationPreference(settings),
  };
  if (settings.protocol === 'grpc') {
    return new GrpcMetricExporter({
      endpoint: settings.endpoint,
      credentials: grpcChannelCredentials(settings),
      headers: settings.headers,
      gzip: settings.compression === 'gzip',
      budgetMillis: timeoutMillis,
      temporalitySelector: TEMPORALITY_SELECTORS[settings.temporalityPreference],
      aggregationSelector: aggregationPreference(settings),
    });
  }
  const httpOptions = {
    ...common,
    url: settings.endpoint,
    headers: { ...settings.headers },
    httpAgentOptions: {
      keepAlive: true,
      ca: settings.certificate,
      key: settings.clientKey,
      cert: settings.clientCertificate,
    },
  };
  // The upstream HTTP exporters already retry 429/502/503/504 with backoff,
  // honouring Retry-After, at most 5 retries per export, and say so at info
  // level only: their failures reach the user through the outage log alone.
  return withoutOtlpEnvironment(() =>
    settings.protocol === 'http/json' ? new JsonMetricExporter(httpOptions) : new ProtobufMetricExporter(httpOptions),
  );
}

/** The same request as the exporter would send, as bytes, for the final export from a worker thread. */
function finalExportRequest(settings: OtlpSettings, metrics: ResourceMetrics): FinalExportRequest {
  const tls = { ca: settings.certificate, key: settings.clientKey, cert: settings.clientCertificate };
  if (settings.protocol === 'grpc') {
    return {
      protocol: 'grpc',
      url: `${grpcPlaintext(settings) ? 'http' : 'https'}://${grpcTarget(settings.endpoint)}`,
      path: OTLP_METRICS_EXPORT_PATH,
      headers: settings.headers,
      contentType: 'application/grpc',
      body: ProtobufMetricsSerializer.serializeRequest(metrics) ?? new Uint8Array(),
      gzip: false,
      ...tls,
    };
  }
  const json = settings.protocol === 'http/json';
  return {
    protocol: 'http',
    url: settings.endpoint,
    path: '',
    headers: settings.headers,
    contentType: json ? 'application/json' : 'application/x-protobuf',
    body: (json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(metrics) ?? new Uint8Array(),
    gzip: settings.compression === 'gzip',
    ...tls,
  };
}

/**
 * A reader that pushes OTLP every `exportIntervalMillis`: gRPC by default
 * (one channel, retries with backoff and jitter), or http/protobuf,
 * http/json. Options override `OTEL_EXPORTER_OTLP_*` and
 * `OTEL_METRIC_EXPORT_*`, which override the defaults. A wrong option throws
 * here. A collector outage is logged in a few lines, not one per export.
 */
export function otlpMetricReader(options?: OtlpMetricReaderOptions): MetricReader {
  const settings = resolveOtlpSettings(checkOptionsObject(options, OTLP_FIELDS));
  return new OtlpPeriodicReader({
    exporter: createExporter(settings),
    exportIntervalMillis: settings.exportIntervalMillis,
    exportTimeoutMillis: settings.exportTimeoutMillis,
    outage: new OutageLog(settings.endpoint),
    finalExportRequest: (metrics) => finalExportRequest(settings, metrics),
  });
}
