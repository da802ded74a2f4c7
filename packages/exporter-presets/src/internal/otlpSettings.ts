import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
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
  EnvProblem,
  envBoolean,
  envChoice,
  envInteger,
  parseKeyValueList,
  readEnv,
  warnOnce,
  type EnvReading,
} from './environment.js';
import { checkPeriodicOptions, resolvePeriodicSchedule, type PeriodicSchedule } from './periodicSchedule.js';
import {
  describeEndpoint,
  describeValue,
  isHostName,
  headerProblem,
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

/**
 * What is wrong with an endpoint, or undefined when it is usable: a scheme of
 * http or https (gRPC may omit it: `collector:4317`), a host, and a port from
 * 1 to 65535 when one is given. Checked in full here because the exporters
 * only find out later, some by throwing `Invalid URL` into the app's start.
 * The text quotes the endpoint redacted: it may carry a password.
 */
export function endpointProblem(raw: string, protocol: OtlpProtocol): { problem: string; range: boolean } | undefined {
  const shown = describeEndpoint(raw);
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  let authority: string;
  if (withScheme) {
    const scheme = withScheme[1].toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') return { problem: `scheme ${scheme}:// of ${shown} is neither http:// nor https://`, range: false };
    authority = raw.slice(withScheme[0].length).split(/[/?#]/)[0];
    const at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.slice(at + 1);
  } else {
    if (protocol !== 'grpc') return { problem: `${shown} has no http:// or https:// scheme, which ${protocol} needs`, range: false };
    if (/[/?#@\s]/.test(raw)) return { problem: `${shown} is not host:port`, range: false };
    authority = raw;
  }
  const parts = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const host = parts?.[1] ?? '';
  const port = parts?.[2];
  if (host === '') return { problem: `${shown} has no host`, range: false };
  const hostOk = host.startsWith('[') ? isIPv6(host.slice(1, -1)) : isIPv4(host) || isHostName(host);
  if (!hostOk) return { problem: `host ${JSON.stringify(host)} of ${shown} is not a host name or IP address`, range: false };
  if (port === undefined || (port === '' && withScheme)) {
    if (!withScheme) return { problem: `${shown} has no port (host:port)`, range: false };
  } else if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return { problem: `port ${JSON.stringify(port)} of ${shown} is not from 1 to 65535`, range: true };
  }
  if (withScheme) {
    try {
      new URL(raw);
    } catch {
      return { problem: `${shown} is not a valid URL`, range: false };
    }
  }
  return undefined;
}

function parseEndpoint(raw: string, protocol: OtlpProtocol): string | EnvProblem {
  const found = endpointProblem(raw, protocol);
  return found ? new EnvProblem(found.problem) : raw;
}

/** The generic endpoint names the collector's base URL; HTTP appends the signal's path to it (OTLP spec). */
function appendMetricsPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/metrics`;
}

/** `key=value,...` with names and values every transport accepts; anything else is a wrong variable, not a crash. */
function parseHeaders(raw: string): Record<string, string> | EnvProblem {
  const headers = parseKeyValueList(raw);
  if (headers instanceof EnvProblem) return headers;
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerProblem(name, value);
    if (problem) return new EnvProblem(problem);
  }
  return headers;
}

function endpointExpectation(protocol: OtlpProtocol | undefined): string {
  return `an http:// or https:// URL${protocol === 'http/protobuf' || protocol === 'http/json' ? '' : ' or host:port'}`;
}

/** The endpoint option, checked against the protocol when it is known (host:port is gRPC only). */
function checkEndpointOption(option: unknown, protocol: OtlpProtocol | undefined): string | undefined {
  const fromOption = optionalString('endpoint', option, describeEndpoint);
  if (fromOption === undefined) return undefined;
  const found = endpointProblem(fromOption, protocol ?? 'grpc');
  if (found) {
    const ErrorClass = found.range ? RangeError : TypeError;
    throw new ErrorClass(`endpoint must be ${endpointExpectation(protocol)}: ${found.problem}`);
  }
  return fromOption;
}

function resolveEndpoint(option: string | undefined, protocol: OtlpProtocol): string {
  const defaultEndpoint = protocol === 'grpc' ? DEFAULT_OPTIONS.grpcEndpoint : DEFAULT_OPTIONS.httpEndpoint;
  // The protocol may have come from the environment after the option was checked.
  if (option !== undefined) return checkEndpointOption(option, protocol) as string;
  const reading = readEnv(
    both('ENDPOINT'),
    (raw) => parseEndpoint(raw, protocol),
    endpointExpectation(protocol),
    defaultEndpoint,
    describeEndpoint,
  );
  if (!reading) return defaultEndpoint;
  return reading.variable === 'OTEL_EXPORTER_OTLP_ENDPOINT' && protocol !== 'grpc'
    ? appendMetricsPath(reading.value)
    : reading.value;
}

type PemKind = 'certificate' | 'private key';

/**
 * Reads a PEM file and checks it holds what it should. grpc-js parses client
 * keys and certificates when the exporter is built and throws on a bad one;
 * checking here turns that into a named option error or an environment
 * warning instead of a crash.
 */
function readPem(path: string, kind: PemKind): Buffer {
  const content = readFileSync(path);
  if (!content.includes('-----BEGIN ')) throw new Error(`no PEM ${kind} in it`);
  if (kind === 'certificate') new X509Certificate(content);
  else createPrivateKey(content);
  return content;
}

function checkFileOption(field: string, option: unknown, kind: PemKind): Buffer | undefined {
  const path = optionalString(field, option);
  if (path === undefined) return undefined;
  try {
    return readPem(path, kind);
  } catch (error) {
    throw new TypeError(`${field} must be a readable PEM ${kind} file, got ${describeValue(path)}: ${(error as Error).message}`);
  }
}

function fileReadingFromEnv(variables: string[], kind: PemKind): EnvReading<Buffer> | undefined {
  return readEnv(
    variables,
    (raw) => {
      try {
        return readPem(raw, kind);
      } catch (error) {
        // The path and the reader's reason; never the content, which may be a private key.
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        return new EnvProblem(`${JSON.stringify(raw)} is not usable: ${reason}`);
      }
    },
    `a readable PEM ${kind} file`,
    'none',
  );
}

/**
 * The client key and certificate of mutual TLS: both or neither, and
 * matching. grpc-js throws otherwise; from an option that is the author's bug
 * (thrown here, named), from the environment it must not take the service
 * down (one warning, then no client certificate).
 */
function clientIdentity(
  options: Record<string, unknown>,
  checked: CheckedOtlpOptions,
): { clientKey?: Buffer; clientCertificate?: Buffer } {
  const [key, certificate] = [
    { field: 'clientKeyFile', suffix: 'CLIENT_KEY', option: checked.clientKey, kind: 'private key' as const },
    { field: 'clientCertificateFile', suffix: 'CLIENT_CERTIFICATE', option: checked.clientCertificate, kind: 'certificate' as const },
  ].map((half) => {
    const reading = half.option ? undefined : fileReadingFromEnv(both(half.suffix), half.kind);
    return { ...half, value: half.option ?? reading?.value, source: reading?.variable ?? half.field };
  });
  if (key.value === undefined && certificate.value === undefined) return {};
  if (key.value !== undefined && certificate.value !== undefined) {
    try {
      createSecureContext({ key: key.value, cert: certificate.value });
      return { clientKey: key.value, clientCertificate: certificate.value };
    } catch (error) {
      const problem = `${key.source} and ${certificate.source} do not make a key pair (${(error as Error).message})`;
      if (key.option || certificate.option) {
        throw new TypeError(`${problem}, got ${describeValue(options.clientKeyFile ?? options.clientCertificateFile)}`);
      }
      warnOnce(`${key.source}:${certificate.source}:mismatch`, `${problem}; using no client certificate`);
      return {};
    }
  }
  const [present, missing] = key.value ? [key, certificate] : [certificate, key];
  if (present.option) {
    throw new TypeError(
      `${present.field} needs ${missing.field} (or ${both(missing.suffix).join(' / ')}) for mutual TLS, got ${present.field} ${describeValue(options[present.field])} alone`,
    );
  }
  warnOnce(
    `${present.source}:unpaired`,
    `${present.source} is set without a usable ${both(missing.suffix).join(' or ')}: mutual TLS needs both; using no client certificate`,
  );
  return {};
}

/** The OTLP options the user passed, each checked; absent ones stay undefined. */
export interface CheckedOtlpOptions extends Partial<PeriodicSchedule> {
  readonly protocol?: OtlpProtocol;
  readonly endpoint?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly otlpTimeoutMillis?: number;
  readonly compression?: Compression;
  readonly certificate?: Buffer;
  readonly clientKey?: Buffer;
  readonly clientCertificate?: Buffer;
  readonly insecure?: boolean;
  readonly temporalityPreference?: TemporalityPreference;
  readonly defaultHistogramAggregation?: HistogramAggregation;
}

/**
 * Checks every OTLP option value without reading the environment: a wrong
 * value throws naming the field, even when the OTLP reader is not chosen.
 */
export function checkOtlpOptions(options: Record<string, unknown>): CheckedOtlpOptions {
  const protocol = optionalChoice('protocol', options.protocol, OTLP_PROTOCOLS);
  return {
    ...checkPeriodicOptions(options),
    protocol,
    endpoint: checkEndpointOption(options.endpoint, protocol),
    headers: optionalHeaders('headers', options.headers),
    otlpTimeoutMillis: optionalInteger('otlpTimeoutMillis', options.otlpTimeoutMillis, 1, MAX_MILLIS),
    compression: optionalChoice('compression', options.compression, COMPRESSIONS),
    certificate: checkFileOption('certificateFile', options.certificateFile, 'certificate'),
    clientKey: checkFileOption('clientKeyFile', options.clientKeyFile, 'private key'),
    clientCertificate: checkFileOption('clientCertificateFile', options.clientCertificateFile, 'certificate'),
    insecure: optionalBoolean('insecure', options.insecure),
    temporalityPreference: optionalChoice('temporalityPreference', options.temporalityPreference, TEMPORALITY_PREFERENCES),
    defaultHistogramAggregation: optionalChoice(
      'defaultHistogramAggregation',
      options.defaultHistogramAggregation,
      HISTOGRAM_AGGREGATIONS,
    ),
  };
}

export function resolveOtlpSettings(options: Record<string, unknown>): OtlpSettings {
  const checked = checkOtlpOptions(options);
  const schedule = resolvePeriodicSchedule(options);
  const protocol =
    checked.protocol ??
    envChoice(both('PROTOCOL'), OTLP_PROTOCOLS, DEFAULT_OPTIONS.protocol)?.value ??
    DEFAULT_OPTIONS.protocol;
  return Object.freeze({
    ...schedule,
    protocol,
    endpoint: resolveEndpoint(checked.endpoint, protocol),
    headers:
      checked.headers ??
      Object.freeze(
        readEnv(
          both('HEADERS'),
          parseHeaders,
          'comma-separated name=value pairs (names of letters, digits, -, _, .; printable ASCII values once percent-decoded)',
          'none',
        )?.value ?? DEFAULT_OPTIONS.headers,
      ),
    otlpTimeoutMillis:
      checked.otlpTimeoutMillis ??
      envInteger(both('TIMEOUT'), 1, MAX_MILLIS, DEFAULT_OPTIONS.otlpTimeoutMillis)?.value ??
      DEFAULT_OPTIONS.otlpTimeoutMillis,
    compression:
      checked.compression ??
      envChoice(both('COMPRESSION'), COMPRESSIONS, DEFAULT_OPTIONS.compression)?.value ??
      DEFAULT_OPTIONS.compression,
    certificate: checked.certificate ?? fileReadingFromEnv(both('CERTIFICATE'), 'certificate')?.value,
    ...clientIdentity(options, checked),
    insecure: checked.insecure ?? envBoolean(both('INSECURE'), DEFAULT_OPTIONS.insecure)?.value ?? DEFAULT_OPTIONS.insecure,
    temporalityPreference:
      checked.temporalityPreference ??
      envChoice(
        ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'],
        TEMPORALITY_PREFERENCES,
        DEFAULT_OPTIONS.temporalityPreference,
      )?.value ??
      DEFAULT_OPTIONS.temporalityPreference,
    defaultHistogramAggregation:
      checked.defaultHistogramAggregation ??
      envChoice(
        ['OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION'],
        HISTOGRAM_AGGREGATIONS,
        DEFAULT_OPTIONS.defaultHistogramAggregation,
      )?.value ??
      DEFAULT_OPTIONS.defaultHistogramAggregation,
  });
}
