import { readFileSync } from 'node:fs';
import {
  DEFAULT_OPTIONS,
  COMPRESSIONS,
  HISTOGRAM_AGGREGATIONS,
  MAX_MILLIS,
  OTLP_PROTOCOLS,
  TEMPORALITY_PREFERENCES,
  type Compression,
  type HistogramAggregation,
  type OtlpProtocol,
  type TemporalityPreference,
} from '../options.js';
import {
  envBoolean,
  envChoice,
  envInteger,
  envKeyValueList,
  readEnv,
  type EnvReading,
} from './environment.js';
import { resolvePeriodicSchedule, type PeriodicSchedule } from './periodicSchedule.js';
import {
  describeValue,
  optionalBoolean,
  optionalChoice,
  optionalHeaders,
  optionalInteger,
  optionalString,
} from './validate.js';

/** Everything the OTLP reader is built from, resolved once: option, then variable, then default. */
export interface OtlpSettings extends PeriodicSchedule {
  readonly protocol: OtlpProtocol;
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly otlpTimeoutMillis: number;
  readonly compression: Compression;
  readonly certificate?: Buffer;
  readonly clientKey?: Buffer;
  readonly clientCertificate?: Buffer;
  readonly insecure: boolean;
  readonly temporalityPreference: TemporalityPreference;
  readonly defaultHistogramAggregation: HistogramAggregation;
}

const both = (suffix: string): string[] => [`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`];

/** gRPC targets may omit the scheme (`collector:4317`); HTTP ones may not. */
function parseEndpoint(raw: string, protocol: OtlpProtocol): string | undefined {
  if (protocol === 'grpc' && /^(\[[0-9a-fA-F:.]+\]|[^/:\s]+):\d+$/.test(raw)) return raw;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** The generic endpoint names the collector's base URL; HTTP appends the signal's path to it (OTLP spec). */
function appendMetricsPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/metrics`;
}

function resolveEndpoint(option: unknown, protocol: OtlpProtocol): string {
  const defaultEndpoint = protocol === 'grpc' ? DEFAULT_OPTIONS.grpcEndpoint : DEFAULT_OPTIONS.httpEndpoint;
  const fromOption = optionalString('endpoint', option);
  if (fromOption !== undefined) {
    const endpoint = parseEndpoint(fromOption, protocol);
    if (endpoint === undefined) {
      throw new TypeError(
        `endpoint must be an http:// or https:// URL${protocol === 'grpc' ? ' or host:port' : ''}, got ${describeValue(option)}`,
      );
    }
    return endpoint;
  }
  const expected = `an http:// or https:// URL${protocol === 'grpc' ? ' or host:port' : ''}`;
  const reading = readEnv(
    both('ENDPOINT'),
    (raw) => parseEndpoint(raw, protocol),
    expected,
    defaultEndpoint,
  );
  if (!reading) return defaultEndpoint;
  return reading.variable === 'OTEL_EXPORTER_OTLP_ENDPOINT' && protocol !== 'grpc'
    ? appendMetricsPath(reading.value)
    : reading.value;
}

function resolveFile(field: string, option: unknown, variables: string[]): Buffer | undefined {
  const path = optionalString(field, option);
  if (path !== undefined) {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TypeError(`${field} cannot be read, got ${describeValue(path)}: ${(error as Error).message}`);
    }
  }
  const reading: EnvReading<Buffer> | undefined = readEnv(
    variables,
    (raw) => {
      try {
        return readFileSync(raw);
      } catch {
        return undefined;
      }
    },
    'a readable file',
    'none',
  );
  return reading?.value;
}

export function resolveOtlpSettings(options: Record<string, unknown>): OtlpSettings {
  const schedule = resolvePeriodicSchedule(options);
  const protocol =
    optionalChoice('protocol', options.protocol, OTLP_PROTOCOLS) ??
    envChoice(both('PROTOCOL'), OTLP_PROTOCOLS, DEFAULT_OPTIONS.protocol)?.value ??
    DEFAULT_OPTIONS.protocol;
  return Object.freeze({
    ...schedule,
    protocol,
    endpoint: resolveEndpoint(options.endpoint, protocol),
    headers:
      optionalHeaders('headers', options.headers) ??
      Object.freeze(envKeyValueList(both('HEADERS'))?.value ?? DEFAULT_OPTIONS.headers),
    otlpTimeoutMillis:
      optionalInteger('otlpTimeoutMillis', options.otlpTimeoutMillis, 1, MAX_MILLIS) ??
      envInteger(both('TIMEOUT'), 1, MAX_MILLIS, DEFAULT_OPTIONS.otlpTimeoutMillis)?.value ??
      DEFAULT_OPTIONS.otlpTimeoutMillis,
    compression:
      optionalChoice('compression', options.compression, COMPRESSIONS) ??
      envChoice(both('COMPRESSION'), COMPRESSIONS, DEFAULT_OPTIONS.compression)?.value ??
      DEFAULT_OPTIONS.compression,
    certificate: resolveFile('certificateFile', options.certificateFile, both('CERTIFICATE')),
    clientKey: resolveFile('clientKeyFile', options.clientKeyFile, both('CLIENT_KEY')),
    clientCertificate: resolveFile('clientCertificateFile', options.clientCertificateFile, both('CLIENT_CERTIFICATE')),
    insecure:
      optionalBoolean('insecure', options.insecure) ??
      envBoolean(both('INSECURE'), DEFAULT_OPTIONS.insecure)?.value ??
      DEFAULT_OPTIONS.insecure,
    temporalityPreference:
      optionalChoice('temporalityPreference', options.temporalityPreference, TEMPORALITY_PREFERENCES) ??
      envChoice(
        ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'],
        TEMPORALITY_PREFERENCES,
        DEFAULT_OPTIONS.temporalityPreference,
      )?.value ??
      DEFAULT_OPTIONS.temporalityPreference,
    defaultHistogramAggregation:
      optionalChoice('defaultHistogramAggregation', options.defaultHistogramAggregation, HISTOGRAM_AGGREGATIONS) ??
      envChoice(
        ['OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION'],
        HISTOGRAM_AGGREGATIONS,
        DEFAULT_OPTIONS.defaultHistogramAggregation,
      )?.value ??
      DEFAULT_OPTIONS.defaultHistogramAggregation,
  });
}
