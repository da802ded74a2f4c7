import { diag } from '@opentelemetry/api';
import { redactUrl } from './redact.js';

/** At most one "still failing" line per this long while an outage lasts. */
export const OUTAGE_REPORT_INTERVAL_MILLIS = 60_000;

const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/** An export error in a few words on one line: the gRPC status, HTTP status or system error code, then the gist of the message. */
export function describeExportError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  // grpc-js prefixes "14 UNAVAILABLE: " (the name is printed once, from the
  // code), buries the cause after "Last error:" and appends timing notes.
  let gist = text.split('\n')[0].replace(/^\d+ [A-Z_]+: /, '');
  gist = /Last error: (?:Error: )?(.*)$/.exec(gist)?.[1] ?? gist;
  gist = gist.split(/\. |\.$|,/)[0].trim();
  const short = gist.length > 100 ? `${gist.slice(0, 97)}...` : gist;
  const name =
    typeof code === 'number'
      ? code >= 100
        ? `HTTP ${code}`
        : (GRPC_CODE_NAMES[code] ?? `gRPC code ${code}`)
      : typeof code === 'string'
        ? code
        : undefined;
  return name && short !== '' ? `${name}: ${short}` : (name ?? (short || 'unknown error'));
}

function describeDuration(millis: number): string {
  const seconds = Math.round(millis / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Says what a user needs to know about a collector outage in a few lines,
 * whatever the export interval: one when it starts (where, why, what happens
 * next), at most one a minute while it lasts, one when it ends (how long, how
 * many exports were lost). Every failure's detail stays at debug level. The
 * endpoint is printed only through redactUrl.
 */
export class OutageLog {
  private startedAt: number | undefined;
  private lastLineAt = 0;
  private failedExports = 0;

  constructor(
    endpoint: string,
    private readonly now: () => number = Date.now,
  ) {
    this.endpoint = redactUrl(endpoint);
  }

  private readonly endpoint: string;

  get inOutage(): boolean {
    return this.startedAt !== undefined;
  }

  failed(error: unknown): void {
    const now = this.now();
    const reason = describeExportError(error);
    this.failedExports++;
    diag.debug(`OTLP export to ${this.endpoint} failed: ${reason}`);
    if (this.startedAt === undefined) {
      this.startedAt = now;
      this.lastLineAt = now;
      diag.warn(
        `nodevitals: OTLP export to ${this.endpoint} failed (${reason}); metrics are dropped until the collector answers, every export keeps trying; next report in a minute or when it recovers`,
      );
      return;
    }
    if (now - this.lastLineAt >= OUTAGE_REPORT_INTERVAL_MILLIS) {
      this.lastLineAt = now;
      diag.warn(
        `nodevitals: OTLP export to ${this.endpoint} still failing after ${describeDuration(now - this.startedAt)} (${this.failedExports} exports lost so far; last error ${reason})`,
      );
    }
  }

  succeeded(): void {
    if (this.startedAt === undefined) return;
    const lasted = this.now() - this.startedAt;
    diag.warn(
      `nodevitals: OTLP export to ${this.endpoint} works again after ${describeDuration(lasted)}; ${this.failedExports} exports were lost`,
    );
    this.startedAt = undefined;
    this.failedExports = 0;
  }
}
