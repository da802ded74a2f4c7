import { credentials as grpcCredentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationType,
  InstrumentType,
  PeriodicExportingMetricReader,
  type AggregationOption,
  type AggregationSelector,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { withoutOtlpEnvironment } from './internal/environment.js';
import { resolveOtlpSettings, type OtlpSettings } from './internal/otlpSettings.js';
import { RetryingGrpcExporter } from './internal/RetryingGrpcExporter.js';
import { checkOptionsObject } from './internal/validate.js';
import { OTLP_FIELDS, type OtlpMetricReaderOptions, type TemporalityPreference } from './options.js';

const TEMPORALITY: Record<TemporalityPreference, AggregationTemporalityPreference> = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
};

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });
const EXPONENTIAL: AggregationOption = Object.freeze({ type: AggregationType.EXPONENTIAL_HISTOGRAM });

function aggregationPreference(settings: OtlpSettings): AggregationSelector | undefined {
  if (settings.defaultHistogramAggregation !== 'base2_exponential_bucket_histogram') return undefined;
  return (instrumentType) => (instrumentType === InstrumentType.HISTOGRAM ? EXPONENTIAL : DEFAULT_AGGREGATION);
}

function grpcChannelCredentials(settings: OtlpSettings): ChannelCredentials {
  const plaintext = settings.endpoint.startsWith('http://') || (!settings.endpoint.startsWith('https://') && settings.insecure);
  if (plaintext) return grpcCredentials.createInsecure();
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
    const channelCredentials = grpcChannelCredentials(settings);
    return new RetryingGrpcExporter({
      budgetMillis: timeoutMillis,
      createExporter: () =>
        withoutOtlpEnvironment(() => {
          const metadata = new Metadata();
          for (const [key, value] of Object.entries(settings.headers)) metadata.set(key, value);
          return new GrpcMetricExporter({ ...common, url: settings.endpoint, metadata, credentials: channelCredentials });
        }),
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
  // The upstream HTTP exporters already retry 429/502/503/504 with backoff, honouring Retry-After.
  return withoutOtlpEnvironment(() =>
    settings.protocol === 'http/json' ? new JsonMetricExporter(httpOptions) : new ProtobufMetricExporter(httpOptions),
  );
}

/**
 * A reader that pushes OTLP every `exportIntervalMillis`: gRPC by default
 * (with the retries the upstream gRPC exporter lacks), or http/protobuf,
 * http/json. Options override `OTEL_EXPORTER_OTLP_*` and
 * `OTEL_METRIC_EXPORT_*`, which override the defaults. A wrong option throws here.
 */
export function otlpMetricReader(options?: OtlpMetricReaderOptions): PeriodicExportingMetricReader {
  const settings = resolveOtlpSettings(checkOptionsObject(options, OTLP_FIELDS));
  return new PeriodicExportingMetricReader({
    exporter: createExporter(settings),
    exportIntervalMillis: settings.exportIntervalMillis,
    exportTimeoutMillis: settings.exportTimeoutMillis,
  });
}
