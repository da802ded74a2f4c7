export { createMetricReaders } from './createMetricReaders.js';
export { otlpMetricReader } from './otlpMetricReader.js';
export { prometheusMetricReader } from './prometheusMetricReader.js';
export { consoleMetricReader } from './consoleMetricReader.js';
export { runtimeViews } from './runtimeViews.js';
export { healthHandler } from './healthHandler.js';
export type { HealthHandlerOptions } from './healthHandler.js';
export { DEFAULT_OPTIONS } from './options.js';
export type {
  CreateMetricReadersOptions,
  OtlpMetricReaderOptions,
  PrometheusMetricReaderOptions,
  ConsoleMetricReaderOptions,
  PeriodicReaderOptions,
  RuntimeViewsOptions,
  OtlpProtocol,
  TemporalityPreference,
  HistogramAggregation,
  Compression,
  ExporterName,
  MetricNaming,
  CollectionErrorHandling,
} from './options.js';
export type { PrometheusReader, PrometheusAddress } from './PrometheusReader.js';
