import { isIP } from 'node:net';
import type { HealthMonitor } from '@nodevitals/instrumentation';
import { envInteger, readEnv } from './internal/environment.js';
import { healthEnabledByEnvironment } from './internal/healthEnvironment.js';
import { checkOptionsObject, describeValue, isHostName, optionalBoolean, optionalChoice, optionalInteger, optionalString } from './internal/validate.js';
import { COLLECTION_ERROR_HANDLINGS, DEFAULT_OPTIONS, MAX_MILLIS, PROMETHEUS_FIELDS, type PrometheusMetricReaderOptions } from './options.js';
import { PrometheusReader, type PrometheusReaderSettings } from './PrometheusReader.js';

/**
 * What the server may bind: a host name or an IP address (IPv6 bare or in
 * brackets, brackets removed). A typo would otherwise fail only when the
 * server starts listening, away from where it was written.
 */
function parseBindHost(raw: string): string | undefined {
  const host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIP(host) !== 0) return host;
  return isHostName(host) ? host : undefined;
}

const HOST_EXPECTATION = 'a host name or an IP address to bind';

/** Checks every Prometheus option value without reading the environment; absent ones stay undefined. */
export function checkPrometheusOptions(options: Record<string, unknown>): Partial<PrometheusReaderSettings> {
  const metricsPath = optionalString('metricsPath', options.metricsPath);
  if (metricsPath !== undefined && (!metricsPath.startsWith('/') || /[?#\s]/.test(metricsPath))) {
    throw new TypeError(`metricsPath must be a path starting with "/", got ${describeValue(options.metricsPath)}`);
  }
  const host = optionalString('host', options.host);
  const bindHost = host === undefined ? undefined : parseBindHost(host);
  if (host !== undefined && bindHost === undefined) {
    throw new TypeError(`host must be ${HOST_EXPECTATION}, got ${describeValue(options.host)}`);
  }
  return {
    host: bindHost,
    port: optionalInteger('port', options.port, 0, 65535),
    metricsPath,
    scrapeTimeoutMillis: optionalInteger('scrapeTimeoutMillis', options.scrapeTimeoutMillis, 1, MAX_MILLIS),
    withUnitSuffixes: optionalBoolean('withUnitSuffixes', options.withUnitSuffixes),
    onCollectionError: optionalChoice('onCollectionError', options.onCollectionError, COLLECTION_ERROR_HANDLINGS),
    health: checkHealthOption(options.health),
  };
}

/** `true`: the reader's own monitor; `false`: none; a HealthMonitor as it is; anything else throws. */
function checkHealthOption(value: unknown): HealthMonitor | 'own' | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 'own';
  // By shape, not instanceof: the CommonJS and ES module builds are two classes.
  const candidate = value as { report?: unknown; start?: unknown } | null;
  if (typeof candidate?.report === 'function' && typeof candidate.start === 'function') return value as HealthMonitor;
  throw new TypeError(`health must be a boolean or a HealthMonitor, got ${describeValue(value)}`);
}

export function resolvePrometheusSettings(options: Record<string, unknown>): PrometheusReaderSettings {
  const checked = checkPrometheusOptions(options);
  return Object.freeze({
    host:
      checked.host ??
      readEnv(['OTEL_EXPORTER_PROMETHEUS_HOST'], parseBindHost, HOST_EXPECTATION, DEFAULT_OPTIONS.host)?.value ??
      DEFAULT_OPTIONS.host,
    port:
      checked.port ??
      envInteger(['OTEL_EXPORTER_PROMETHEUS_PORT'], 0, 65535, DEFAULT_OPTIONS.port)?.value ??
      DEFAULT_OPTIONS.port,
    metricsPath: checked.metricsPath ?? DEFAULT_OPTIONS.metricsPath,
    scrapeTimeoutMillis: checked.scrapeTimeoutMillis ?? DEFAULT_OPTIONS.scrapeTimeoutMillis,
    withUnitSuffixes: checked.withUnitSuffixes ?? DEFAULT_OPTIONS.withUnitSuffixes,
    onCollectionError: checked.onCollectionError ?? DEFAULT_OPTIONS.onCollectionError,
    // Explicit option first (false is an explicit off), then NODEVITALS_HEALTH, then on.
    health: options.health !== undefined ? checked.health : healthEnabledByEnvironment() ? 'own' : undefined,
  });
}

/**
 * A reader serving `/metrics` for Prometheus from its own HTTP server, bound to
 * `localhost:9464` unless the options or `OTEL_EXPORTER_PROMETHEUS_{HOST,PORT}`
 * say otherwise. Port 0 picks a free port: await `reader.ready` (or read
 * `reader.address`) for the one bound. A wrong option throws here.
 */
export function prometheusMetricReader(options?: PrometheusMetricReaderOptions): PrometheusReader {
  return new PrometheusReader(resolvePrometheusSettings(checkOptionsObject(options, PROMETHEUS_FIELDS)));
}
