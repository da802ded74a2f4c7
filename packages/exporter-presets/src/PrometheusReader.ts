import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { AggregationTemporality, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { PrometheusTextSerializer } from './internal/prometheusText.js';

/** Where the endpoint listens, once it does. */
export interface PrometheusAddress {
  /** The address actually bound (`127.0.0.1`, `::1`, ...). */
  readonly host: string;
  /** The port actually bound: the real one when 0 was asked for. */
  readonly port: number;
  /** The full URL to scrape. */
  readonly url: string;
}

export interface PrometheusReaderSettings {
  readonly host: string;
  readonly port: number;
  readonly metricsPath: string;
  readonly scrapeTimeoutMillis: number;
  readonly withUnitSuffixes: boolean;
}

// Text exposition format 0.0.4: what every Prometheus version accepts.
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

class ScrapeTimeoutError extends Error {
  override name = 'ScrapeTimeoutError';
}

/**
 * A pull reader serving the Prometheus text format from its own HTTP server.
 * Only GET and HEAD on the metrics path; a collection that fails or runs past
 * `scrapeTimeoutMillis` answers 503 so Prometheus records the target as down
 * instead of storing a partial or empty scrape; scrapes that arrive while a
 * collection runs share it.
 */
export class PrometheusReader extends MetricReader {
  /** Resolves once the server listens; rejects if it cannot (port taken, bad host). */
  readonly ready: Promise<PrometheusAddress>;
  private readonly server: Server;
  private readonly serializer: PrometheusTextSerializer;
  private boundAddress: PrometheusAddress | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly droppedExponential = new Set<string>();

  constructor(private readonly settings: PrometheusReaderSettings) {
    // Prometheus expects cumulative series; the aggregation stays the default or a view's.
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    this.serializer = new PrometheusTextSerializer({
      withUnitSuffixes: settings.withUnitSuffixes,
      onUnsupported: (metric) => this.warnUnsupported(metric),
    });
    this.server = createServer((request, response) => this.handle(request, response));
    // A metrics endpoint must not keep a finished application alive.
    this.server.unref();
    this.ready = new Promise<PrometheusAddress>((resolve, reject) => {
      this.server.once('error', (error) => {
        diag.error(
          `Prometheus endpoint cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`,
        );
        reject(error);
      });
      this.server.listen({ host: settings.host, port: settings.port }, () => {
        const { address, port } = this.server.address() as AddressInfo;
        const urlHost = address.includes(':') ? `[${address}]` : address;
        this.boundAddress = Object.freeze({ host: address, port, url: `http://${urlHost}:${port}${settings.metricsPath}` });
        resolve(this.boundAddress);
      });
    });
    // Awaiting `ready` is optional; a failure is already reported through diag.
    this.ready.catch(() => undefined);
  }

  /** The bound address, `undefined` until the server listens. */
  get address(): PrometheusAddress | undefined {
    return this.boundAddress;
  }

  protected override async onForceFlush(): Promise<void> {
    // Pull reader: nothing is buffered.
  }

  protected override onShutdown(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // Keep-alive connections of a scraper would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== this.settings.metricsPath) return reply(response, 404, 'Not Found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(response, 405, 'Method Not Allowed\n');
    }
    this.sharedCollection().then(
      (body) => {
        response.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => reply(response, 503, `metrics collection failed: ${(error as Error)?.message ?? String(error)}\n`),
    );
  }

  /** One collection for every scrape that arrives while it runs. */
  private sharedCollection(): Promise<string> {
    if (!this.inFlight) {
      this.inFlight = this.collectOnce().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async collectOnce(): Promise<string> {
    const timeoutMillis = this.settings.scrapeTimeoutMillis;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ScrapeTimeoutError(`collection exceeded ${timeoutMillis} ms`)), timeoutMillis);
      timer.unref();
    });
    try {
      const { resourceMetrics, errors } = await Promise.race([this.collectSettled(timeoutMillis), timeout]);
      // A callback that timed out leaves holes in the scrape; better no sample than a wrong one.
      const timedOut = errors.find((error) => (error as Error)?.name === 'TimeoutError' || (error as Error)?.constructor?.name === 'TimeoutError');
      if (timedOut) throw new ScrapeTimeoutError(`collection exceeded ${timeoutMillis} ms`);
      if (errors.length > 0) diag.warn('Prometheus scrape: some metric callbacks failed; serving the others', ...errors);
      return this.serializer.serialize(resourceMetrics);
    } catch (error) {
      diag.warn(`Prometheus scrape answered 503: ${(error as Error)?.message ?? String(error)}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A resource from detectors (NodeSDK's, or the zero-code entry's host and
   * process detectors) holds attributes that settle later, such as host.id.
   * Push exporters wait for them; a scrape must too, or every scrape logs an
   * error and target_info misses those labels.
   */
  private async collectSettled(timeoutMillis: number): ReturnType<MetricReader['collect']> {
    const collection = await this.collect({ timeoutMillis });
    await collection.resourceMetrics.resource.waitForAsyncAttributes?.();
    return collection;
  }

  /** The text format has no exponential histograms; say so once per metric, not per scrape. */
  private warnUnsupported(metric: MetricData): void {
    if (this.droppedExponential.has(metric.descriptor.name)) return;
    this.droppedExponential.add(metric.descriptor.name);
    diag.warn(
      `${metric.descriptor.name} is an exponential histogram, which the Prometheus text format cannot carry; it is left out of /metrics`,
    );
  }
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
