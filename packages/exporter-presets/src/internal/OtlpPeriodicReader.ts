import { diag } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationType, MetricReader, type MetricProducer, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { collectSynchronously } from './collectSynchronously.js';
import { sendBeforeExit, type FinalExportOutcome, type FinalExportRequest } from './finalExport.js';
import type { OutageLog } from './OutageLog.js';

export interface OtlpPeriodicReaderSettings {
  readonly exporter: PushMetricExporter;
  readonly exportIntervalMillis: number;
  /** Budget of one collect-and-export; also the bound of forceFlush and shutdown. */
  readonly exportTimeoutMillis: number;
  readonly outage: OutageLog;
  /** The bytes and address of one request for `metrics`, for the final export from a worker. */
  readonly finalExportRequest: (metrics: ResourceMetrics) => FinalExportRequest;
}

/** What no promise continuation can change any more: the attributes already settled. */
function settledPart(resource: Resource): Resource {
  if (!resource.asyncAttributesPending) return resource;
  const settled: Record<string, unknown> = {};
  // Raw attributes list the winning value of a key first, as the SDK reads them.
  for (const [key, value] of resource.getRawAttributes()) {
    if (key in settled || typeof (value as PromiseLike<unknown> | undefined)?.then === 'function') continue;
    settled[key] = value;
  }
  return resourceFromAttributes(settled as never, { schemaUrl: resource.schemaUrl });
}

const TIMED_OUT = Symbol('timed out');

function within<T>(promise: Promise<T>, millis: number): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), millis);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Pushes a collection to the exporter every `exportIntervalMillis`.
 *
 * The upstream PeriodicExportingMetricReader hands every failed export to
 * the global error handler, which prints a stack trace per export, and lets a
 * new export start while the last one still runs. Here failures go to the
 * outage log (a few lines per outage), a tick that finds an export still in
 * flight is skipped, and the timer never keeps the process alive.
 */
export class OtlpPeriodicReader extends MetricReader {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private producer: MetricProducer | undefined;
  private finalExportDone = false;
  /** Ticks skipped because the previous export was still running. */
  skippedExports = 0;

  constructor(private readonly settings: OtlpPeriodicReaderSettings) {
    super({
      aggregationSelector: (type) => settings.exporter.selectAggregation?.(type) ?? { type: AggregationType.DEFAULT },
      aggregationTemporalitySelector: (type) => settings.exporter.selectAggregationTemporality!(type),
    });
  }

  override setMetricProducer(metricProducer: MetricProducer): void {
    super.setMetricProducer(metricProducer);
    this.producer = metricProducer;
  }

  protected override onInitialized(): void {
    this.timer = setInterval(() => this.tick(), this.settings.exportIntervalMillis);
    this.timer.unref();
  }

  private tick(): void {
    if (this.inFlight) {
      this.skippedExports++;
      diag.debug(`OTLP export skipped: the previous one is still running (${this.skippedExports} skipped so far)`);
      return;
    }
    void this.exportOnce();
  }

  /** One collect-and-export, never two at once, always settled within the export timeout. Never rejects. */
  private exportOnce(): Promise<void> {
    const run = this.collectAndExport()
      .then((result) => {
        if (result === TIMED_OUT) {
          this.settings.outage.failed(new Error(`export timed out after ${this.settings.exportTimeoutMillis} ms`));
        } else if (result.code === ExportResultCode.SUCCESS) this.settings.outage.succeeded();
        else this.settings.outage.failed(result.error);
      })
      .catch((error: unknown) => this.settings.outage.failed(error))
      .finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
    this.inFlight = run;
    return run;
  }

  private async collectAndExport(): Promise<ExportResult | typeof TIMED_OUT> {
    const timeoutMillis = this.settings.exportTimeoutMillis;
    const collection = await within(this.collect({ timeoutMillis }), timeoutMillis);
    if (collection === TIMED_OUT) return TIMED_OUT;
    if (collection.errors.length > 0) diag.debug('metric collection had errors', ...collection.errors);
    // Detected attributes (host.id...) may still be on their way; the SDK logs an error if read before.
    const { resource } = collection.resourceMetrics;
    if (resource.asyncAttributesPending) await resource.waitForAsyncAttributes?.();
    const exported = new Promise<ExportResult>((resolve) => {
      try {
        this.settings.exporter.export(collection.resourceMetrics, resolve);
      } catch (error) {
        resolve({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
    return within(exported, timeoutMillis);
  }

  protected override async onForceFlush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    await this.exportOnce();
    await within(this.settings.exporter.forceFlush(), this.settings.exportTimeoutMillis);
  }

  protected override async onShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.finalExportDone) await this.onForceFlush().catch((error: unknown) => diag.debug('the last export failed', error));
    await within(this.settings.exporter.shutdown(), this.settings.exportTimeoutMillis).catch((error: unknown) =>
      diag.debug('closing the OTLP exporter failed', error),
    );
  }

  /**
   * The last export of a process that is ending, from a process.on('exit')
   * listener or a signal handler: collects synchronously, sends from a worker
   * thread and blocks at most `deadlineMillis`. Once only; never throws.
   */
  exportBeforeExit(deadlineMillis: number): FinalExportOutcome | 'nothing to send' {
    if (this.finalExportDone) return 'nothing to send';
    this.finalExportDone = true;
    clearInterval(this.timer);
    const metrics = collectSynchronously(this.producer);
    if (!metrics || metrics.scopeMetrics.length === 0) return 'nothing to send';
    let request: FinalExportRequest;
    try {
      request = this.settings.finalExportRequest({ ...metrics, resource: settledPart(metrics.resource) });
    } catch (error) {
      diag.debug('nodevitals: the final export could not be serialized', error);
      return 'not started';
    }
    return sendBeforeExit(request, deadlineMillis);
  }
}
