import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { resolveOptions, type RuntimeMetricsOptions } from '../../src/options';
import { RuntimeMetrics } from '../../src/RuntimeMetrics';
import { nodeRuntime, type RuntimeSources } from '../../src/runtime';

/** A pull reader: collects only when the test says so, like a Prometheus scrape. */
export class TestReader extends MetricReader {
  constructor(temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}

  /** Collects and indexes the metrics by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'collection reported errors');
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }
}

export type { PushMetricExporter };

/** The single value of a metric with no attributes, or of the point matching `attributes`. */
export function valueOf(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string> = {},
): number | undefined {
  const metric = metrics.get(name);
  if (!metric) return undefined;
  const point = metric.dataPoints.find((candidate) =>
    Object.entries(attributes).every(([key, value]) => candidate.attributes[key] === value),
  );
  if (!point) return undefined;
  return typeof point.value === 'number' ? point.value : undefined;
}

/** Count and sum of a histogram, summed over all its points (or those matching `attributes`). */
export function histogramTotals(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string> = {},
): { count: number; sum: number } {
  const metric = metrics.get(name);
  const totals = { count: 0, sum: 0 };
  if (!metric || metric.dataPointType !== DataPointType.HISTOGRAM) return totals;
  for (const point of metric.dataPoints) {
    if (!Object.entries(attributes).every(([key, value]) => point.attributes[key] === value)) continue;
    totals.count += point.value.count;
    totals.sum += point.value.sum ?? 0;
  }
  return totals;
}

export interface Harness {
  provider: MeterProvider;
  readers: TestReader[];
  runtimeMetrics: RuntimeMetrics;
  stop(): Promise<void>;
}

/** Runtime metrics on a real MeterProvider with `readerCount` real readers. */
export function startHarness(
  options: RuntimeMetricsOptions = {},
  runtime: RuntimeSources = nodeRuntime(),
  readerCount = 1,
  logger?: DiagLogger,
): Harness {
  const readers = Array.from({ length: readerCount }, () => new TestReader());
  const provider = new MeterProvider({ readers });
  const runtimeMetrics = new RuntimeMetrics(
    provider.getMeter('test'),
    resolveOptions(options),
    runtime,
    logger ?? diag.createComponentLogger({ namespace: 'test' }),
  );
  runtimeMetrics.start();
  return {
    provider,
    readers,
    runtimeMetrics,
    async stop() {
      runtimeMetrics.stop();
      await provider.shutdown();
    },
  };
}

/** Collects every diag message while installed. */
export class DiagCapture implements DiagLogger {
  readonly messages: { level: string; message: string }[] = [];
  // Component loggers pass their namespace first: keep every argument.
  private push(level: string, args: unknown[]) {
    this.messages.push({ level, message: args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ') });
  }
  error = (...args: unknown[]) => this.push('error', args);
  warn = (...args: unknown[]) => this.push('warn', args);
  info = (...args: unknown[]) => this.push('info', args);
  debug = (...args: unknown[]) => this.push('debug', args);
  verbose = (...args: unknown[]) => this.push('verbose', args);

  install(): this {
    diag.setLogger(this, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    return this;
  }
  uninstall(): void {
    diag.disable();
  }
  matching(pattern: RegExp): string[] {
    return this.messages.map((entry) => entry.message).filter((message) => pattern.test(message));
  }
}

export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));
