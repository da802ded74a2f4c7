import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { diag } from '@opentelemetry/api';
import { AggregationTemporality, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { HealthMonitor, type HealthFlavour } from '@nodevitals/instrumentation';
import { healthOptionsFromEnvironment } from './internal/healthEnvironment.js';
import { healthResponse } from './internal/healthResponse.js';
import { PrometheusTextSerializer } from './internal/prometheusText.js';
import type { CollectionErrorHandling } from './options.js';

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
  readonly onCollectionError: CollectionErrorHandling;
  /**
   * What `/health` serves: a monitor the caller owns (started and stopped by
   * the caller), `own` for one the reader builds from the `NODEVITALS_HEALTH_*`
   * variables, starts once listening and stops at shutdown, or `undefined` for
   * no health endpoints (404).
   */
  readonly health: HealthMonitor | 'own' | undefined;
}

/** The health paths beside the metrics path, and the question each answers. */
export const HEALTH_PATHS: Readonly<Record<string, HealthFlavour>> = Object.freeze({
  '/health': 'readiness',
  '/health/ready': 'readiness',
  '/health/live': 'liveness',
});

/**
 * What one client of the endpoint may hold. A scraper sends a request of a
 * few hundred bytes at once and reads a page of tens of kilobytes: anything
 * slower than these bounds is broken or hostile, and each connection it
 * holds is a descriptor of the host.
 */
export const PROMETHEUS_CONNECTION_LIMITS = Object.freeze({
  /** From connect to the end of the request headers. */
  headersTimeoutMillis: 5_000,
  /** From connect to the end of the whole request. */
  requestTimeoutMillis: 5_000,
  /** A keep-alive connection with no request in progress. */
  idleTimeoutMillis: 5_000,
  /** From the first byte of a response to its last handed to the kernel: a client that never reads is dropped. */
  unreadResponseTimeoutMillis: 5_000,
  /** How often Node checks the header and request timeouts; their bounds are late by up to this. */
  timeoutCheckIntervalMillis: 1_000,
  /** Connections open at once; more are closed as they arrive. Prometheus uses one per replica. */
  maxConnections: 64,
  /** Requests pipelined on one connection before their responses are read; Prometheus never pipelines. */
  maxQueuedResponses: 4,
});

// Text exposition format 0.0.4: what every Prometheus version accepts.
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

class ScrapeTimeoutError extends Error {
  override name = 'ScrapeTimeoutError';
}

class CollectionError extends Error {
  override name = 'CollectionError';
}

/**
 * A pull reader serving the Prometheus text format from its own HTTP server.
 * Only GET and HEAD, on the metrics path and, unless health is off, on
 * `/health`, `/health/ready` (readiness) and `/health/live` (liveness),
 * answered from the health monitor's last evaluation. A collection that runs past
 * `scrapeTimeoutMillis` answers 503, and so does one where a metric callback
 * failed unless `onCollectionError` is `serve-partial`, so Prometheus records
 * the scrape as failed instead of storing a page with holes. Scrapes that
 * arrive together, or while a collection runs, share it. Neither the server
 * nor its connections keep the process alive, and slow clients are dropped
 * (PROMETHEUS_CONNECTION_LIMITS).
 */
export class PrometheusReader extends MetricReader {
  /**
   * Resolves once the server listens; rejects if it cannot (port taken, bad host)
   * or if the reader was shut down before it listened.
   */
  readonly ready: Promise<PrometheusAddress>;
  private readonly server: Server;
  private readonly serializer: PrometheusTextSerializer;
  /** Settles, never rejects, once listening has succeeded or failed. */
  private readonly listenSettled: Promise<void>;
  private shutdownRequested = false;
  private boundAddress: PrometheusAddress | undefined;
  private pendingCollection: Promise<string> | undefined;
  private failedScrapes = 0;
  private readonly queuedResponses = new WeakMap<Socket, number>();
  private readonly droppedExponential = new Set<string>();
  private health: HealthMonitor | undefined;
  private ownsHealth: boolean;

  constructor(private readonly settings: PrometheusReaderSettings) {
    // Prometheus expects cumulative series; the aggregation stays the default or a view's.
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    this.ownsHealth = settings.health === 'own';
    this.health = settings.health === 'own' ? new HealthMonitor(healthOptionsFromEnvironment()) : settings.health;
    this.serializer = new PrometheusTextSerializer({
      withUnitSuffixes: settings.withUnitSuffixes,
      onUnsupported: (metric) => this.warnUnsupported(metric),
    });
    const limits = PROMETHEUS_CONNECTION_LIMITS;
    this.server = createServer(
      {
        headersTimeout: limits.headersTimeoutMillis,
        requestTimeout: limits.requestTimeoutMillis,
        connectionsCheckingInterval: limits.timeoutCheckIntervalMillis,
      },
      (request, response) => this.handle(request, response),
    );
    this.server.keepAliveTimeout = limits.idleTimeoutMillis;
    this.server.maxConnections = limits.maxConnections;
    // A metrics endpoint must not keep a finished application alive: neither
    // the listening socket nor a keep-alive scraper's connection.
    this.server.unref();
    this.server.on('connection', (socket: Socket) => {
      socket.unref();
      // Node's header timeout starts at the first byte: a client that sends
      // nothing is bounded by this idle timeout (the server destroys a socket
      // that times out), which handle() lifts once a request arrives.
      socket.setTimeout(limits.headersTimeoutMillis);
    });
    this.ready = new Promise<PrometheusAddress>((resolve, reject) => {
      // Kept for the server's whole life: an 'error' without a listener would throw into the host.
      this.server.on('error', (error) => {
        if (this.server.listening) {
          diag.warn(`Prometheus endpoint: ${(error as Error).message}`);
        } else if (this.shutdownRequested) {
          reject(shutDownBeforeListening());
        } else {
          diag.error(
            `Prometheus endpoint cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`,
          );
          reject(error);
        }
      });
      this.server.listen({ host: settings.host, port: settings.port }, () => {
        // onShutdown waits for this moment and closes the server right after.
        if (this.shutdownRequested) return reject(shutDownBeforeListening());
        const { address, port } = this.server.address() as AddressInfo;
        const urlHost = address.includes(':') ? `[${address}]` : address;
        this.boundAddress = Object.freeze({ host: address, port, url: `http://${urlHost}:${port}${settings.metricsPath}` });
        // Started only once there is an endpoint to answer: a reader that never listens costs nothing.
        if (this.ownsHealth) this.health?.start();
        resolve(this.boundAddress);
      });
    });
    // Awaiting `ready` is optional; a failure is already reported through diag.
    this.listenSettled = this.ready.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Serves `monitor` on the health paths from now on, instead of what the
   * settings said (a monitor the reader built is stopped). For the zero-code
   * entry, whose monitor reports to a MeterProvider built after its readers.
   * @internal
   */
  serveHealth(monitor: HealthMonitor | undefined): void {
    if (this.ownsHealth) this.health?.stop();
    this.ownsHealth = false;
    this.health = monitor;
  }

  /** The bound address, `undefined` until the server listens. */
  get address(): PrometheusAddress | undefined {
    return this.boundAddress;
  }

  protected override async onForceFlush(): Promise<void> {
    // Pull reader: nothing is buffered.
  }

  /**
   * Shutdown wins over a listen still under way: it waits for the bind to
   * settle, then closes, so nothing listens once it resolves and `ready`
   * rejects.
   */
  protected override async onShutdown(): Promise<void> {
    this.shutdownRequested = true;
    if (this.ownsHealth) this.health?.stop();
    await this.listenSettled;
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive connections of a scraper would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    // A collection may take up to scrapeTimeoutMillis with the socket idle; Node sets the keep-alive timeout after the response.
    request.socket.setTimeout(0);
    if (!this.admitResponse(request.socket, response)) return;
    const path = (request.url ?? '/').split('?', 1)[0];
    const isMetrics = path === this.settings.metricsPath;
    const flavour = !isMetrics && this.health && Object.hasOwn(HEALTH_PATHS, path) ? HEALTH_PATHS[path] : undefined;
    if (!isMetrics && !flavour) return reply(response, 404, 'Not Found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(response, 405, 'Method Not Allowed\n');
    }
    if (flavour) {
      // The monitor's last evaluation: a probe measures nothing and never waits for a collection.
      const { statusCode, headers, body } = healthResponse(this.health!, flavour);
      for (const [name, value] of Object.entries(headers)) if (name !== 'Content-Type') response.setHeader(name, value);
      return reply(response, statusCode, request.method === 'HEAD' ? '' : body, body, headers['Content-Type']);
    }
    this.sharedCollection().then(
      (body) => reply(response, 200, request.method === 'HEAD' ? '' : body, body, CONTENT_TYPE),
      (error: unknown) => reply(response, 503, `metrics collection failed: ${(error as Error)?.message ?? String(error)}\n`),
    );
  }

  /**
   * Node queues the responses of pipelined requests in memory until the
   * client reads the earlier ones: a client that sends many and reads none
   * would make the host buffer a page per request. Such a client is dropped.
   */
  private admitResponse(socket: Socket, response: ServerResponse): boolean {
    const queued = (this.queuedResponses.get(socket) ?? 0) + 1;
    if (queued > PROMETHEUS_CONNECTION_LIMITS.maxQueuedResponses) {
      socket.destroy();
      return false;
    }
    this.queuedResponses.set(socket, queued);
    response.once('close', () => this.queuedResponses.set(socket, (this.queuedResponses.get(socket) ?? 1) - 1));
    return true;
  }

  /**
   * One collection for every scrape that arrives together or while it runs.
   * It starts on the next turn of the event loop, so every request parsed in
   * this turn joins it even when the callbacks are synchronous and the
   * collection would otherwise finish before the next request is read.
   */
  private sharedCollection(): Promise<string> {
    if (!this.pendingCollection) {
      this.pendingCollection = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.collectOnce())
        .finally(() => {
          this.pendingCollection = undefined;
        });
    }
    return this.pendingCollection;
  }

  private async collectOnce(): Promise<string> {
    const timeoutMillis = this.settings.scrapeTimeoutMillis;
    const timedOut = (): ScrapeTimeoutError => new ScrapeTimeoutError(`collection exceeded ${timeoutMillis} ms`);
    const startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMillis);
      timer.unref();
    });
    try {
      const { resourceMetrics, errors } = await Promise.race([this.collectSettled(timeoutMillis), timeout]);
      // A callback that blocked the thread past the timeout kept the timer from firing: still too late.
      if (performance.now() - startedAt > timeoutMillis) throw timedOut();
      // A callback that timed out leaves holes in the scrape; better no sample than a wrong one.
      if (errors.some(isTimeoutError)) throw timedOut();
      if (errors.length > 0) {
        const failure = `${errors.length} metric callback(s) failed, first: ${describeError(errors[0])}`;
        if (this.settings.onCollectionError === 'fail') throw new CollectionError(failure);
        this.noteFailure(`Prometheus scrape served without the metrics of failed callbacks (onCollectionError: 'serve-partial'): ${failure}`);
      } else {
        this.noteSuccess();
      }
      return this.serializer.serialize(resourceMetrics);
    } catch (error) {
      this.noteFailure(`Prometheus scrape answered 503: ${describeError(error)}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A failure that repeats on every scrape would print a line every scrape
   * interval for as long as it lasts: warn when failures start, then only at
   * debug level, and once when scrapes are whole again.
   */
  private noteFailure(message: string): void {
    this.failedScrapes++;
    if (this.failedScrapes === 1) diag.warn(`${message} (further failures at debug level until a scrape succeeds)`);
    else diag.debug(message);
  }

  private noteSuccess(): void {
    if (this.failedScrapes === 0) return;
    diag.warn(`Prometheus scrape succeeds again after ${this.failedScrapes} failed scrape(s)`);
    this.failedScrapes = 0;
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

function shutDownBeforeListening(): Error {
  return new Error('the Prometheus reader was shut down before its endpoint listened');
}

function isTimeoutError(error: unknown): boolean {
  return (error as Error)?.name === 'TimeoutError' || (error as Error)?.constructor?.name === 'TimeoutError';
}

function describeError(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/**
 * Writes a whole response, and drops the connection if the client has not
 * taken it within the bound: a client that never reads would otherwise hold
 * the response's memory and the socket for as long as it likes.
 * `lengthOf` is the body whose length a HEAD response announces.
 */
function reply(response: ServerResponse, status: number, body: string, lengthOf = body, contentType = 'text/plain; charset=utf-8'): void {
  const unread = setTimeout(() => response.socket?.destroy(), PROMETHEUS_CONNECTION_LIMITS.unreadResponseTimeoutMillis);
  unread.unref();
  response.once('close', () => clearTimeout(unread));
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(lengthOf) });
  response.end(body === '' ? undefined : body);
}
