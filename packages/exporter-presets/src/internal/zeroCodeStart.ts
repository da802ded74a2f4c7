import { isMainThread } from 'node:worker_threads';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { HealthMonitor, startDiagnostics, startRuntimeMetrics, type DiagnosticsHandle, type RuntimeMetricsHandle } from '@nodevitals/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createMetricReaders } from '../createMetricReaders.js';
import { runtimeViews } from '../runtimeViews.js';
import { diagnosticsOptionsFromEnvironment } from './diagnosticsEnvironment.js';
import { envChoice, sdkDisabled } from './environment.js';
import { healthEnabledByEnvironment, healthOptionsFromEnvironment } from './healthEnvironment.js';
import { PrometheusReader } from '../PrometheusReader.js';
import { environmentResource } from './environmentResource.js';
import { runtimeOptionsFromEnvironment } from './runtimeEnvironment.js';
import { finalExportDeadlineMillis } from './finalExport.js';
import { OtlpPeriodicReader } from './OtlpPeriodicReader.js';

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
 * one final export on every exit the process can see. Never throws: a preload
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
    // Health is started below, on this entry's own MeterProvider, and handed to the Prometheus readers.
    const readers = createMetricReaders({ health: false });
    if (readers.length === 0) {
      // Diagnostics do not need a reader: OTEL_METRICS_EXPORTER=none leaves the heap snapshot armed (a CPU
      // profile needs the health monitor's transitions, which need a reader for their series).
      startDiagnosticsFromEnvironment(undefined);
      return undefined;
    }
    const resource = environmentResource();
    // Settle the detected attributes now, so even an early final export carries them.
    void resource.waitForAsyncAttributes?.().catch(() => undefined);
    const meterProvider = new MeterProvider({ resource, readers, views: runtimeViews() });
    const runtime = startRuntimeMetrics({ meterProvider, ...runtimeOptionsFromEnvironment() });
    const health = startHealth(meterProvider, readers);
    const otlpReaders = readers.filter((reader): reader is OtlpPeriodicReader => reader instanceof OtlpPeriodicReader);
    const diagnostics = startDiagnosticsFromEnvironment(health, meterProvider);
    const stopAll: RuntimeMetricsHandle = {
      stop() {
        runtime.stop();
        health?.stop();
        diagnostics?.stop();
      },
    };
    const disarmExitHooks = installExitHooks(otlpReaders, stopAll);
    const handle = createHandle(meterProvider, stopAll, disarmExitHooks);
    processWide[STARTED] = handle;
    return handle;
  } catch (error) {
    diag.error('@nodevitals/exporter-presets/register: runtime metrics not started', error);
    return undefined;
  }
}

/**
 * The health monitor of the zero-code entry, unless `NODEVITALS_HEALTH=false`:
 * its state series goes to every reader, and each Prometheus reader serves
 * it on `/health` beside `/metrics`. A monitor that fails to start must not
 * take the metrics down with it.
 */
function startHealth(meterProvider: MeterProvider, readers: readonly unknown[]): HealthMonitor | undefined {
  if (!healthEnabledByEnvironment()) return undefined;
  try {
    const monitor = new HealthMonitor({ ...healthOptionsFromEnvironment(), meterProvider });
    monitor.start();
    for (const reader of readers) if (reader instanceof PrometheusReader) reader.serveHealth(monitor);
    return monitor;
  } catch (error) {
    diag.warn('nodevitals: health monitor not started', error);
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

/**
 * Diagnostics on threshold, only when `NODEVITALS_DIAGNOSTICS` asks for them.
 * A failure here is logged and leaves the metrics running.
 */
function startDiagnosticsFromEnvironment(health: HealthMonitor | undefined, meterProvider?: MeterProvider): DiagnosticsHandle | undefined {
  try {
    const options = diagnosticsOptionsFromEnvironment();
    return options ? startDiagnostics(meterProvider ? { ...options, meterProvider } : options, health) : undefined;
  } catch (error) {
    diag.error('@nodevitals/exporter-presets/register: diagnostics not started', error);
    return undefined;
  }
}

function createHandle(
  meterProvider: MeterProvider,
  runtime: RuntimeMetricsHandle,
  disarmExitHooks: () => void,
): ZeroCodeHandle {
  let final: Promise<void> | undefined;
  return {
    meterProvider,
    shutdown() {
      // Shut down by hand (tests, embedding): that makes the last export, not a second one at exit.
      disarmExitHooks();
      final ??= meterProvider
        .shutdown()
        .catch((error: unknown) => diag.debug('runtime metrics: the last export failed', error))
        .finally(() => {
          runtime.stop();
        });
      return final;
    },
  };
}

/**
 * One final export, whichever way the process ends. Every exit Node can see
 * (process.exit() from anywhere, an app's own signal handler calling it, an
 * uncaught exception, an unhandled rejection, the loop running dry) emits
 * 'exit', where only synchronous code runs: the collection is synchronous and
 * the send happens on a worker thread while this thread waits, at most
 * finalExportDeadlineMillis() (2 s unless NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS says). Nothing here ends the process or delays an
 * app's own beforeExit work.
 */
function installExitHooks(readers: OtlpPeriodicReader[], runtime: RuntimeMetricsHandle): () => void {
  let done = false;
  const deadlineMillis = finalExportDeadlineMillis();
  const finalExport = (): void => {
    if (done) return;
    done = true;
    try {
      const started = Date.now();
      for (const reader of readers) {
        const left = deadlineMillis - (Date.now() - started);
        const outcome = reader.exportBeforeExit(Math.max(left, 1));
        if (outcome === 'sent' || outcome === 'nothing to send') continue;
        diag.warn(
          outcome === 'timed out'
            ? `nodevitals: the final export was not confirmed within ${deadlineMillis} ms; exiting without waiting longer`
            : `nodevitals: the final export ${outcome === 'failed' ? 'failed (collector unreachable or refusing)' : 'could not start'}; exiting without it`,
        );
      }
      runtime.stop();
    } catch (error) {
      diag.debug('nodevitals: the final export failed', error);
    }
  };
  process.on('exit', finalExport);
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      // The app has a handler of its own: it decides when to exit, and that
      // exit (or the loop running dry) brings 'exit', with the final export.
      if (process.listenerCount(signal) > 1) return;
      // Otherwise Node would end the process now: export, then re-raise the
      // signal with our listener gone, so the exit status still says "killed
      // by SIGTERM".
      process.removeListener(signal, onSignal);
      finalExport();
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  return () => {
    done = true;
  };
}
