import { ConsoleMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resolvePeriodicSchedule } from './internal/periodicSchedule.js';
import { checkOptionsObject } from './internal/validate.js';
import { PERIODIC_FIELDS, type ConsoleMetricReaderOptions } from './options.js';

/**
 * A reader that prints every `exportIntervalMillis` to stdout: for trying the
 * metrics out, not for production. Honours `OTEL_METRIC_EXPORT_{INTERVAL,TIMEOUT}`.
 */
export function consoleMetricReader(options?: ConsoleMetricReaderOptions): PeriodicExportingMetricReader {
  const schedule = resolvePeriodicSchedule(checkOptionsObject(options, PERIODIC_FIELDS));
  return new PeriodicExportingMetricReader({
    exporter: new ConsoleMetricExporter(),
    exportIntervalMillis: schedule.exportIntervalMillis,
    exportTimeoutMillis: schedule.exportTimeoutMillis,
  });
}
