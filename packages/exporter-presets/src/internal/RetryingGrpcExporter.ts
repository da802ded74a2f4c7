import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  AggregationType,
  type AggregationOption,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { GRPC_STATUS, grpcRetryDecision } from './grpcRetryPolicy.js';

/** Backoff of the retries: the values the upstream HTTP exporters use, so both protocols behave alike. */
export const RETRY_BACKOFF = Object.freeze({
  initialMillis: 1000,
  maxMillis: 5000,
  multiplier: 1.5,
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: 0.2,
});

/** The least time between two fresh gRPC channels. */
export const RENEW_INTERVAL_MILLIS = 1000;

export interface RetryingGrpcExporterSettings {
  /** Builds a fresh upstream exporter (and so a fresh gRPC channel). */
  readonly createExporter: () => PushMetricExporter;
  /** Budget of one export, every attempt and backoff included. */
  readonly budgetMillis: number;
  readonly random?: () => number;
}

/**
 * Wraps the upstream OTLP/gRPC exporter, which never retries, so transient
 * failures are retried with exponential backoff and jitter (or the server's
 * RetryInfo delay) until the export's budget runs out. Every export calls back
 * within its budget even if the server never answers.
 */
export class RetryingGrpcExporter implements PushMetricExporter {
  private exporter: PushMetricExporter;
  private readonly pending = new Set<Promise<void>>();
  private isShutdown = false;
  private renewedAt = 0;

  constructor(private readonly settings: RetryingGrpcExporterSettings) {
    this.exporter = settings.createExporter();
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the OTLP exporter is shut down') });
      return;
    }
    const done = this.send(metrics).then(resultCallback, (error: unknown) =>
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private async send(metrics: ResourceMetrics): Promise<ExportResult> {
    const random = this.settings.random ?? Math.random;
    const deadline = Date.now() + this.settings.budgetMillis;
    let backoff: number = RETRY_BACKOFF.initialMillis;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(metrics, deadline - Date.now());
      if (result.code === ExportResultCode.SUCCESS) return result;
      const decision = grpcRetryDecision(result.error);
      if (decision.code === GRPC_STATUS.UNAVAILABLE) this.renewChannel();
      if (!decision.retryable || this.isShutdown) return result;
      const jittered = backoff * (1 + RETRY_BACKOFF.jitter * (2 * random() - 1));
      const delay = decision.retryAfterMillis ?? Math.min(jittered, RETRY_BACKOFF.maxMillis);
      backoff = Math.min(backoff * RETRY_BACKOFF.multiplier, RETRY_BACKOFF.maxMillis);
      const remaining = deadline - Date.now();
      if (delay >= remaining) {
        diag.debug(`OTLP export failed (attempt ${attempt}, gRPC code ${decision.code}); no time left to retry`);
        return result;
      }
      diag.debug(`OTLP export failed (attempt ${attempt}, gRPC code ${decision.code}); retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }

  /** One upstream export, abandoned (not cancelled) if it outlives what is left of the budget. */
  private attempt(metrics: ResourceMetrics, remainingMillis: number): Promise<ExportResult> {
    return new Promise((resolve) => {
      if (remainingMillis <= 0) {
        resolve({ code: ExportResultCode.FAILED, error: new Error('OTLP export timed out') });
        return;
      }
      const timer = setTimeout(() => {
        resolve({
          code: ExportResultCode.FAILED,
          error: Object.assign(new Error(`OTLP export timed out after ${this.settings.budgetMillis} ms`), {
            code: GRPC_STATUS.DEADLINE_EXCEEDED,
          }),
        });
      }, remainingMillis);
      timer.unref();
      try {
        this.exporter.export(metrics, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
      } catch (error) {
        clearTimeout(timer);
        resolve({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
  }

  /**
   * After UNAVAILABLE the upstream channel waits out grpc-js' reconnect backoff
   * (up to two minutes) and fails every call meanwhile; a fresh channel
   * connects at once, so export resumes as soon as the collector is back.
   * At most one per RENEW_INTERVAL_MILLIS: grpc-js frees a closed channel's
   * subchannel only on its 10 s pool sweep, so renewing on every failure of a
   * tight loop would pile them up until then.
   */
  private renewChannel(): void {
    if (this.isShutdown) return;
    const now = Date.now();
    if (now - this.renewedAt < RENEW_INTERVAL_MILLIS) return;
    this.renewedAt = now;
    const old = this.exporter;
    this.exporter = this.settings.createExporter();
    old.shutdown().catch((error: unknown) => diag.debug('closing the previous OTLP channel failed', error));
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
    await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    await this.forceFlush();
    this.isShutdown = true;
    await this.exporter.shutdown();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    // The upstream exporter always has one; the fallback only satisfies the optional signature.
    return this.exporter.selectAggregationTemporality?.(instrumentType) ?? AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.exporter.selectAggregation?.(instrumentType) ?? { type: AggregationType.DEFAULT };
  }
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis).unref());
}
