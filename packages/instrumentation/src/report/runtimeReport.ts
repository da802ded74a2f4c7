import { nodeRuntime } from '../runtime.js';
import { judgeRuntime, type RuntimeFindings } from './findings.js';
import { formatFindings, type FormatOptions } from './formatFindings.js';
import type { RuntimeMeasurements } from './RuntimeMeasurements.js';
import { sampleRuntime } from './sampleRuntime.js';

export interface RuntimeReportOptions {
  /** How long to sample the runtime, in milliseconds (100 to 600000). Default 3000. */
  durationMillis?: number;
}

export interface RuntimeReport extends RuntimeFindings {
  readonly measurements: RuntimeMeasurements;
  /** The report as text, for a log line at start or on a signal. */
  format(options?: FormatOptions): string;
}

const DURATION_RANGE = [100, 600_000] as const;
const DEFAULT_DURATION_MILLIS = 3_000;

/**
 * The tuning report of this very process, from the runtime APIs over a short
 * period: the same findings, thresholds and advice as `nodevitals report`
 * against its Prometheus endpoint. A wrong option throws a RangeError at the
 * call; after that nothing throws: a read that fails leaves its finding
 * `unknown`.
 */
export function runtimeReport(options: RuntimeReportOptions = {}): Promise<RuntimeReport> {
  const durationMillis = options.durationMillis ?? DEFAULT_DURATION_MILLIS;
  if (typeof durationMillis !== 'number' || !Number.isInteger(durationMillis) || durationMillis < DURATION_RANGE[0] || durationMillis > DURATION_RANGE[1]) {
    throw new RangeError(`durationMillis must be an integer from ${DURATION_RANGE[0]} to ${DURATION_RANGE[1]}, got ${String(durationMillis)}`);
  }
  return sampleRuntime(nodeRuntime(), durationMillis)
    .catch((): RuntimeMeasurements => ({ periodSeconds: 0 }))
    .then((measurements) => {
      const findings = judgeRuntime(measurements);
      return {
        ...findings,
        measurements,
        format: (formatOptions?: FormatOptions) =>
          formatFindings(findings, { title: `nodevitals runtime report: pid ${process.pid} over ${measurements.periodSeconds.toFixed(1)} s`, ...formatOptions }),
      };
    });
}
