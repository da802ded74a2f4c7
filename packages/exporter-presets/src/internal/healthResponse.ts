import type { HealthFlavour, HealthMonitor } from '@nodevitals/instrumentation';

/** What serving health needs of a monitor. */
export type HealthSource = Pick<HealthMonitor, 'report' | 'intervalMillis'>;

export interface HealthResponse {
  readonly statusCode: 200 | 503;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The answer to a health probe: 200 for `ok` and `warning` (a warning is
 * worth a look, not worth losing traffic), 503 for `critical` with
 * `Retry-After` set to the evaluation interval, the soonest the answer can
 * change. The body is the whole report, so a person curling it sees why.
 * Never cached: a proxy must not replay a stale verdict.
 */
export function healthResponse(source: HealthSource, flavour: HealthFlavour): HealthResponse {
  const report = source.report(flavour);
  const critical = report.status === 'critical';
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  };
  if (critical) headers['Retry-After'] = String(Math.max(1, Math.ceil(source.intervalMillis / 1000)));
  return { statusCode: critical ? 503 : 200, headers, body: `${JSON.stringify(report)}\n` };
}
