import { metrics } from '@opentelemetry/api';
import { resolveOptions, type StartRuntimeMetricsOptions } from './options.js';
import { RuntimeMetrics } from './RuntimeMetrics.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

export interface RuntimeMetricsHandle {
  /** Stops every family: no timer, observer or callback of ours is left. Safe to call twice. */
  stop(): void;
}

/**
 * Starts runtime metrics without NodeSDK, on `options.meterProvider` or the
 * global MeterProvider. A wrong option throws here, naming the field and value.
 */
export function startRuntimeMetrics(options: StartRuntimeMetricsOptions = {}): RuntimeMetricsHandle {
  const resolved = resolveOptions(options, ['meterProvider']);
  const provider = options.meterProvider ?? metrics.getMeterProvider();
  if (typeof provider?.getMeter !== 'function') {
    throw new TypeError(`meterProvider must be a MeterProvider, got ${String(provider)}`);
  }
  const runtimeMetrics = new RuntimeMetrics(provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION), resolved);
  runtimeMetrics.start();
  return { stop: () => runtimeMetrics.stop() };
}
