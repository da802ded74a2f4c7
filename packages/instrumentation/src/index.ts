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
export { runtimeReport } from './report/runtimeReport.js';
export type { RuntimeReport, RuntimeReportOptions } from './report/runtimeReport.js';
export { judgeRuntime, REPORT_AREAS } from './report/findings.js';
export type { Finding, RuntimeFindings, Verdict, ReportArea } from './report/findings.js';
export { formatFindings } from './report/formatFindings.js';
export type { FormatOptions } from './report/formatFindings.js';
export type { RuntimeMeasurements, GcMeasurements, GcKindMeasurements, WorkerMeasurements } from './report/RuntimeMeasurements.js';
export { PACKAGE_VERSION } from './version.js';
