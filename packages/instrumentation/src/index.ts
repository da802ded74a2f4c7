export { NodeRuntimeInstrumentation } from './NodeRuntimeInstrumentation.js';
export { startRuntimeMetrics } from './startRuntimeMetrics.js';
export type { RuntimeMetricsHandle } from './startRuntimeMetrics.js';
export { METRICS, ATTRIBUTES, GC_TYPES } from './catalog.js';
export type { MetricDefinition, MetricId, InstrumentKind, FamilyName, Convention, GcType } from './catalog.js';
export { DEFAULT_OPTIONS, INTEGER_RANGES, SLOTS_PER_WINDOW } from './options.js';
export type {
  RuntimeMetricsOptions,
  StartRuntimeMetricsOptions,
  NodeRuntimeInstrumentationConfig,
} from './options.js';
export { THRESHOLDS, CHECK_NAMES } from './health/thresholds.js';
export type { Threshold, CheckName, HealthStatus } from './health/thresholds.js';
export type { HealthTransition, HealthTransitionSource } from './health/HealthTransition.js';
export { HealthMonitor } from './health/HealthMonitor.js';
export { HEALTH_DEFAULTS, HEALTH_INTEGER_RANGES, thresholdField, isThresholdValue } from './health/HealthOptions.js';
export type { HealthMonitorOptions, ThresholdField } from './health/HealthOptions.js';
export { HEALTH_FLAVOURS } from './health/HealthReport.js';
export type { CheckReport, HealthReport, HealthFlavour } from './health/HealthReport.js';
export { startDiagnostics } from './diagnostics/startDiagnostics.js';
export type { DiagnosticsHandle } from './diagnostics/startDiagnostics.js';
export {
  CAPTURE_KINDS,
  DEFAULT_DIAGNOSTICS_OPTIONS,
  DIAGNOSTICS_RANGES,
  defaultDiagnosticsDirectory,
} from './diagnostics/DiagnosticsOptions.js';
export type { CaptureKind, DiagnosticsOptions } from './diagnostics/DiagnosticsOptions.js';
export type { CaptureCounts, SkipReason } from './diagnostics/CaptureBudget.js';
export { runtimeReport } from './report/runtimeReport.js';
export type { RuntimeReport, RuntimeReportOptions } from './report/runtimeReport.js';
export { judgeRuntime, judgedHeap, REPORT_AREAS } from './report/findings.js';
export type { Finding, RuntimeFindings, Verdict, ReportArea } from './report/findings.js';
export { formatFindings } from './report/formatFindings.js';
export type { FormatOptions } from './report/formatFindings.js';
export type { RuntimeMeasurements, GcMeasurements, GcKindMeasurements, WorkerMeasurements } from './report/RuntimeMeasurements.js';
export { PACKAGE_VERSION } from './version.js';
