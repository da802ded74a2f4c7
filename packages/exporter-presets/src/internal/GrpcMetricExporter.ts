import { Client, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import {
  AggregationType,
  type AggregationOption,
  type AggregationSelector,
  type AggregationTemporalitySelector,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { GRPC_STATUS, grpcRetryDecision, RETRY_BACKOFF, retryDelayMillis } from './grpcRetryPolicy.js';

/** The OTLP metrics service method every Collector serves. */
export const OTLP_METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export interface GrpcMetricExporterSettings {
  /** `http://host:port`, `https://host:port` or `host:port`. */
  readonly endpoint: string;
  readonly credentials: ChannelCredentials;
  readonly headers: Readonly<Record<string, string>>;
  readonly gzip: boolean;
  /** Budget of one export, every attempt and backoff included. */
  readonly budgetMillis: number;
  readonly temporalitySelector: AggregationTemporalitySelector;
  readonly aggregationSelector?: AggregationSelector;
  readonly random?: () => number;
}

/** What grpc-js dials: the authority of the endpoint URL (its path means nothing to gRPC). */
export function grpcTarget(endpoint: string): string {
  if (!/^https?:\/\//i.test(endpoint)) return endpoint;
  const url = new URL(endpoint);
  return url.port === '' ? `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}` : url.host;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * OTLP/gRPC metrics exporter on one grpc-js channel for its whole life.
 *
 * The upstream exporter re-creates its client after five DEADLINE_EXCEEDED in
 * a row and the old connection is never closed: against a collector that
 * accepts TCP and never answers, one socket and one fd leak per five exports.
 * One channel, a deadline on every call and prompt reconnects (instead of
 * fresh channels) keep exactly one connection whatever the collector does.
 * Retries follow the OTLP spec, with a floor no RetryInfo can lower.
 */
export class GrpcMetricExporter implements PushMetricExporter {
  private readonly client: Client;
  private readonly pending = new Set<Promise<unknown>>();
  private isShutdown = false;

  constructor(private readonly settings: GrpcMetricExporterSettings) {
    this.client = new Client(grpcTarget(settings.endpoint), settings.credentials, {
      // After a failed connect grpc-js waits 1 s, then up to 120 s: a collector
      // back after an outage would be ignored for up to two minutes.
      'grpc.initial_reconnect_backoff_ms': RETRY_BACKOFF.initialMillis,
      'grpc.max_reconnect_backoff_ms': RETRY_BACKOFF.maxMillis,
      ...(settings.gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
    });
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the OTLP exporter is shut down') });
      return;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = ProtobufMetricsSerializer.serializeRequest(metrics);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: asError(error) });
      return;
    }
    if (!bytes) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the metrics could not be serialized') });
      return;
    }
    const done = this.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(resultCallback);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private async send(bytes: Buffer): Promise<ExportResult> {
    const random = this.settings.random ?? Math.random;
    const deadline = Date.now() + this.settings.budgetMillis;
    for (let attempt = 1; ; attempt++) {
      const error = await this.call(bytes, deadline);
      if (!error) return { code: ExportResultCode.SUCCESS };
      const failed = { code: ExportResultCode.FAILED, error };
      const decision = grpcRetryDecision(error);
      if (!decision.retryable || this.isShutdown || attempt >= RETRY_BACKOFF.maxAttempts) return failed;
      const delay = retryDelayMillis(attempt, decision.retryAfterMillis, random);
      if (Date.now() + delay >= deadline) {
        diag.debug(`OTLP export failed (attempt ${attempt}, gRPC code ${decision.code}); no time left to retry`);
        return failed;
      }
      diag.debug(`OTLP export failed (attempt ${attempt}, gRPC code ${decision.code}); retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }

  /** One unary Export call, ended by grpc-js itself at the deadline (so the call, not only our wait, is gone). */
  private call(bytes: Buffer, deadline: number): Promise<Error | undefined> {
    return new Promise((resolve) => {
      if (Date.now() >= deadline) {
        resolve(Object.assign(new Error('OTLP export timed out'), { code: GRPC_STATUS.DEADLINE_EXCEEDED }));
        return;
      }
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(this.settings.headers)) metadata.set(key, value);
      try {
        this.client.makeUnaryRequest(OTLP_METRICS_EXPORT_PATH, identity, identity, bytes, metadata, { deadline }, (error: ServiceError | null) =>
          resolve(error ?? undefined),
        );
      } catch (error) {
        resolve(asError(error));
      }
    });
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Waits for exports in flight (each ends by its own deadline), then closes the channel. */
  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await this.forceFlush();
    this.client.close();
  }

  selectAggregationTemporality(instrumentType: InstrumentType) {
    return this.settings.temporalitySelector(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.settings.aggregationSelector?.(instrumentType) ?? { type: AggregationType.DEFAULT };
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis).unref());
}
