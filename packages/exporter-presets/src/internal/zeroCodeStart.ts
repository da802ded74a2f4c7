import { isMainThread } from 'node:worker_threads';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { startRuntimeMetrics, type RuntimeMetricsHandle } from '@nodevitals/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createMetricReaders } from '../createMetricReaders.js';
import { runtimeViews } from '../runtimeViews.js';
import { envChoice, sdkDisabled } from './environment.js';
import { environmentResource } from './environmentResource.js';
import { runtimeOptionsFromEnvironment } from './runtimeEnvironment.js';

/**
 * The longest the last export may hold up the end of the process, on a signal
 * or at normal exit, whatever the export timeout says: a Collector that is down
 * or never answers must not keep a finished program (or a pod) waiting.
 */
export const FINAL_FLUSH_TIMEOUT_MILLIS = 10_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

// The CommonJS and ES module builds are separate module instances: preloaded
// both ways (say `--require` in NODE_OPTIONS and `--import` on the command
// line), the second must not start a second set of readers and exporters.
const STARTED = Symbol.for('@nodevitals/exporter-presets/register');
const processWide = globalThis as Record<symbol, ZeroCodeHandle | null | undefined>;

export interface ZeroCodeHandle {
  readonly meterProvider: MeterProvider;
  /** Final export, then runtime metrics stopped. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * What `--import`/`--require @nodevitals/exporter-presets/register` does:
 * readers from the environment, a resource from `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`, runtime metrics on a private MeterProvider, and
 * a last export on SIGTERM, SIGINT and normal exit. Never throws: a preload
 * that crashes would take the application down with it.
 */
export function startFromEnvironment(): ZeroCodeHandle | undefined {
  try {
    // Workers inherit --import/--require; one set of readers (and one port) per process.
    if (!isMainThread) return undefined;
    if (STARTED in processWide) return processWide[STARTED] ?? undefined;
    processWide[STARTED] = null;
    installDiagLogger();
    if (sdkDisabled()) {
      diag.debug('OTEL_SDK_DISABLED=true: runtime metrics not started');
      return undefined;
    }
    const readers = createMetricReaders();
    if (readers.length === 0) return undefined;
    const meterProvider = new MeterProvider({ resource: environmentResource(), readers, views: runtimeViews() });
    const runtime = startRuntimeMetrics({ meterProvider, ...runtimeOptionsFromEnvironment() });
    const handle = createHandle(meterProvider, runtime);
    installExitHooks(handle);
    processWide[STARTED] = handle;
    return handle;
  } catch (error) {
    diag.error('@nodevitals/exporter-presets/register: runtime metrics not started', error);
    return undefined;
  }
}

const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;

/**
 * Without a logger, the warnings about bad variables would go nowhere.
 * `OTEL_LOG_LEVEL` sets the level (default warn); the logger is installed at
 * warn first so that a wrong `OTEL_LOG_LEVEL` is itself reported.
 */
function installDiagLogger(): void {
  const logger = new DiagConsoleLogger();
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const named = envChoice(['OTEL_LOG_LEVEL'], LOG_LEVELS, 'warn')?.value;
  const level = diagLogLevelFromString(named) ?? DiagLogLevel.WARN;
  if (level !== DiagLogLevel.WARN) diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
}

function createHandle(meterProvider: MeterProvider, runtime: RuntimeMetricsHandle): ZeroCodeHandle {
  let final: Promise<void> | undefined;
  return {
    meterProvider,
    shutdown() {
      final ??= meterProvider
        .shutdown()
        .catch((error: unknown) => diag.warn('runtime metrics: the last export failed', error))
        .finally(() => runtime.stop());
      return final;
    },
  };
}

function installExitHooks(handle: ZeroCodeHandle): void {
  // The loop is empty: the app is ending normally. The export keeps it alive
  // just long enough, and the exit code stays the app's. The timer is unref'd:
  // it only fires if the export is still holding the process at the deadline.
  let exitDeadline: NodeJS.Timeout | undefined;
  process.on('beforeExit', () => {
    void handle.shutdown();
    exitDeadline ??= setTimeout(() => {
      diag.warn(`runtime metrics: the last export did not finish within ${FINAL_FLUSH_TIMEOUT_MILLIS} ms; exiting without it`);
      process.exit();
    }, FINAL_FLUSH_TIMEOUT_MILLIS).unref();
  });
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      // Another listener means the app owns this signal and decides when to
      // exit; export what we have now and leave the rest to beforeExit.
      if (process.listenerCount(signal) > 1) {
        handle.meterProvider.forceFlush().catch((error: unknown) => diag.debug('runtime metrics: flush failed', error));
        return;
      }
      // Otherwise Node would have ended the process: do the same once the
      // export is done, by re-raising the signal with our listener gone, so
      // the exit status still says "killed by SIGTERM".
      process.removeListener(signal, onSignal);
      const reraise = (): void => {
        clearTimeout(timer);
        process.kill(process.pid, signal);
      };
      const timer = setTimeout(reraise, FINAL_FLUSH_TIMEOUT_MILLIS);
      handle.shutdown().then(reraise, reraise);
    };
    process.on(signal, onSignal);
  }
}
