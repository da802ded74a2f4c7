import { DEFAULT_OPTIONS as RUNTIME_DEFAULTS, type HealthMonitor } from '@nodevitals/instrumentation';

/** Wire protocols of the OTLP reader. gRPC is this project's default. */
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = Object.freeze(['grpc', 'http/protobuf', 'http/json']);

/** Which data a cumulative backend (Prometheus, most vendors) or a delta one (some vendors) is sent. */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export const TEMPORALITY_PREFERENCES: readonly TemporalityPreference[] = Object.freeze(['cumulative', 'delta', 'lowmemory']);

export type HistogramAggregation = 'explicit_bucket_histogram' | 'base2_exponential_bucket_histogram';
export const HISTOGRAM_AGGREGATIONS: readonly HistogramAggregation[] = Object.freeze([
  'explicit_bucket_histogram',
  'base2_exponential_bucket_histogram',
]);

export type Compression = 'gzip' | 'none';
export const COMPRESSIONS: readonly Compression[] = Object.freeze(['gzip', 'none']);

/** What `OTEL_METRICS_EXPORTER` and the `exporters` option may name. */
export type ExporterName = 'otlp' | 'prometheus' | 'console';
export const EXPORTER_NAMES: readonly ExporterName[] = Object.freeze(['otlp', 'prometheus', 'console']);

/** Naming of the runtime metrics: OpenTelemetry's, or prom-client's defaults where a view can map them. */
export type MetricNaming = 'semconv' | 'prom-client';
export const METRIC_NAMINGS: readonly MetricNaming[] = Object.freeze(['semconv', 'prom-client']);

/** What a scrape answers when a metric callback fails: 503 (Prometheus records the scrape as failed) or the rest of the page. */
export type CollectionErrorHandling = 'fail' | 'serve-partial';
export const COLLECTION_ERROR_HANDLINGS: readonly CollectionErrorHandling[] = Object.freeze(['fail', 'serve-partial']);

/** Options of the periodic readers (OTLP and console). Every field is optional. */
export interface PeriodicReaderOptions {
  /** Time between two exports, in milliseconds. Env `OTEL_METRIC_EXPORT_INTERVAL`. Default `60000`. */
  exportIntervalMillis?: number;
  /**
   * How long one collect-and-export may take, in milliseconds, at most `exportIntervalMillis`.
   * Env `OTEL_METRIC_EXPORT_TIMEOUT`. Default `30000`.
   */
  exportTimeoutMillis?: number;
}

/** Options of `otlpMetricReader()`. Every field is optional. */
export interface OtlpMetricReaderOptions extends PeriodicReaderOptions {
  /** `grpc`, `http/protobuf` or `http/json`. Env `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`. Default `grpc`. */
  protocol?: OtlpProtocol;
  /**
   * Where to send. gRPC: `http://host:port` (`http://` means plaintext, `https://` TLS, no scheme: TLS unless
   * `insecure`). HTTP: the full URL including `/v1/metrics`. Env `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (used as is),
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (HTTP: `/v1/metrics` appended). Default `http://localhost:4317` (gRPC),
   * `http://localhost:4318/v1/metrics` (HTTP).
   */
  endpoint?: string;
  /** Extra request headers (gRPC metadata). Env `OTEL_EXPORTER_OTLP_METRICS_HEADERS`, `OTEL_EXPORTER_OTLP_HEADERS`. Default none. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Budget of one export, retries included, in milliseconds.
   * Env `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT`. Default `10000`.
   */
  otlpTimeoutMillis?: number;
  /** `gzip` or `none`. Env `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`, `OTEL_EXPORTER_OTLP_COMPRESSION`. Default `none`. */
  compression?: Compression;
  /** PEM file of the CA to trust (TLS). Env `OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CERTIFICATE`. Default: system CAs. */
  certificateFile?: string;
  /** PEM file of the client's private key (mTLS). Env `OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY`, `OTEL_EXPORTER_OTLP_CLIENT_KEY`. Default none. */
  clientKeyFile?: string;
  /** PEM file of the client's certificate chain (mTLS). Env `OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`. Default none. */
  clientCertificateFile?: string;
  /** gRPC only: plaintext for an endpoint without scheme. Env `OTEL_EXPORTER_OTLP_METRICS_INSECURE`, `OTEL_EXPORTER_OTLP_INSECURE`. Default `false`. */
  insecure?: boolean;
  /** `cumulative`, `delta` or `lowmemory`. Env `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. Default `cumulative`. */
  temporalityPreference?: TemporalityPreference;
  /**
   * Aggregation of histograms no view configures. Env `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION`.
   * Default `explicit_bucket_histogram`.
   */
  defaultHistogramAggregation?: HistogramAggregation;
}

/** Options of `prometheusMetricReader()`. Every field is optional. */
export interface PrometheusMetricReaderOptions {
  /** Interface to bind. Env `OTEL_EXPORTER_PROMETHEUS_HOST`. Default `localhost`: not reachable from other hosts unless asked. */
  host?: string;
  /** TCP port, 0 for any free one (see `reader.address`). Env `OTEL_EXPORTER_PROMETHEUS_PORT`. Default `9464`. */
  port?: number;
  /** The only path served. Default `/metrics`. */
  metricsPath?: string;
  /** A collection slower than this, in milliseconds, answers 503. Default `10000` (Prometheus' default scrape timeout). */
  scrapeTimeoutMillis?: number;
  /**
   * Append the unit to metric names (`_seconds`, `_bytes`, `_ratio` for unit `1` gauges), as OpenTelemetry's
   * Prometheus compatibility spec and the Collector's Prometheus exporter do. Default `true`.
   */
  withUnitSuffixes?: boolean;
  /**
   * When a metric callback throws or rejects: `fail` answers 503, so Prometheus records the scrape as failed
   * (`up == 0`) rather than a page with a metric silently missing, as client_golang does by default;
   * `serve-partial` serves every other metric with 200 and warns through diag. A collection past
   * `scrapeTimeoutMillis` answers 503 either way. Default `fail`.
   */
  onCollectionError?: CollectionErrorHandling;
  /**
   * What `/health`, `/health/ready` and `/health/live` serve beside the metrics (docs/health.md): `true` for a
   * HealthMonitor the reader builds from the `NODEVITALS_HEALTH_*` variables, starts once listening and stops at
   * shutdown; a `HealthMonitor` you own (and start) to serve it; `false` for no health endpoints.
   * Env `NODEVITALS_HEALTH` (`false` turns it off). Default `true`.
   */
  health?: boolean | HealthMonitor;
}

/** Options of `consoleMetricReader()`. Every field is optional. */
export interface ConsoleMetricReaderOptions extends PeriodicReaderOptions {}

/** Options of `createMetricReaders()`: the choice of exporters plus the options of each. */
export interface CreateMetricReadersOptions
  extends OtlpMetricReaderOptions,
    PrometheusMetricReaderOptions,
    ConsoleMetricReaderOptions {
  /**
   * Which readers to build; `[]` for none. Env `OTEL_METRICS_EXPORTER` (comma list of `otlp`, `prometheus`,
   * `console`, or `none`). Default `['otlp']`.
   */
  exporters?: readonly ExporterName[];
}

/** Options of `runtimeViews()`. Every field is optional. */
export interface RuntimeViewsOptions {
  /** Bucket boundaries of the GC duration histogram, in seconds. Default: the instrumentation's (0.1 ms to 10 s), or prom-client's in `prom-client` naming. */
  gcDurationBucketsSeconds?: readonly number[];
  /** Bucket boundaries of the event-loop delay histogram, in seconds. Default: the instrumentation's (0.5 ms to 5 s). */
  eventLoopDelayBucketsSeconds?: readonly number[];
  /** Base-2 exponential histograms instead of fixed buckets (OTLP only: Prometheus' text format cannot carry them). Default `false`. */
  exponentialHistograms?: boolean;
  /** Most buckets of one exponential histogram, 2 to 16384. Default `160`. */
  exponentialMaxBuckets?: number;
  /** `semconv` (OpenTelemetry names) or `prom-client` (prom-client's default metric names where they map). Default `semconv`. */
  naming?: MetricNaming;
}

/** Every default, in one place. Frozen: resolve options by merging over it, never by changing it. */
export const DEFAULT_OPTIONS = Object.freeze({
  exporters: Object.freeze(['otlp'] as ExporterName[]),
  exportIntervalMillis: 60_000,
  exportTimeoutMillis: 30_000,
  protocol: 'grpc' as OtlpProtocol,
  grpcEndpoint: 'http://localhost:4317',
  httpEndpoint: 'http://localhost:4318/v1/metrics',
  headers: Object.freeze({}) as Readonly<Record<string, string>>,
  otlpTimeoutMillis: 10_000,
  compression: 'none' as Compression,
  insecure: false,
  temporalityPreference: 'cumulative' as TemporalityPreference,
  defaultHistogramAggregation: 'explicit_bucket_histogram' as HistogramAggregation,
  host: 'localhost',
  port: 9464,
  metricsPath: '/metrics',
  scrapeTimeoutMillis: 10_000,
  withUnitSuffixes: true,
  onCollectionError: 'fail' as CollectionErrorHandling,
  health: true,
  gcDurationBucketsSeconds: RUNTIME_DEFAULTS.gcDurationBucketsSeconds,
  eventLoopDelayBucketsSeconds: RUNTIME_DEFAULTS.eventLoopDelayBucketsSeconds,
  exponentialHistograms: false,
  exponentialMaxBuckets: 160,
  naming: 'semconv' as MetricNaming,
});

/** Upper bound of every duration option: a day, far past any sane interval, short of overflowing timers. */
export const MAX_MILLIS = 86_400_000;

export const PERIODIC_FIELDS = ['exportIntervalMillis', 'exportTimeoutMillis'] as const;
export const OTLP_FIELDS = [
  ...PERIODIC_FIELDS,
  'protocol',
  'endpoint',
  'headers',
  'otlpTimeoutMillis',
  'compression',
  'certificateFile',
  'clientKeyFile',
  'clientCertificateFile',
  'insecure',
  'temporalityPreference',
  'defaultHistogramAggregation',
] as const;
export const PROMETHEUS_FIELDS = [
  'host',
  'port',
  'metricsPath',
  'scrapeTimeoutMillis',
  'withUnitSuffixes',
  'onCollectionError',
  'health',
] as const;
export const RUNTIME_VIEWS_FIELDS = [
  'gcDurationBucketsSeconds',
  'eventLoopDelayBucketsSeconds',
  'exponentialHistograms',
  'exponentialMaxBuckets',
  'naming',
] as const;
