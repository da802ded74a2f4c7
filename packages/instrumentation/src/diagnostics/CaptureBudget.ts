import { diag } from '@opentelemetry/api';
import type { CaptureDirectory, CaptureFile } from './CaptureDirectory.js';
import type { CaptureKind, ResolvedDiagnosticsOptions } from './DiagnosticsOptions.js';

export const SKIP_REASONS = Object.freeze(['count', 'bytes', 'rate'] as const);
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What the diagnostics did so far: `DiagnosticsHandle.counts()`. */
export interface CaptureCounts {
  /** Files this process wrote into the directory, by kind (near-limit files are V8's, counted once they are there). */
  readonly captured: Readonly<Record<CaptureKind, number>>;
  /** What waits for its trigger: near-limit captures armed in V8, the CPU profile listening to transitions. */
  readonly armed: Readonly<Record<CaptureKind, boolean>>;
  /** Captures not taken, by the cap or the rate limit that stopped them. */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** The same skips, by the kind of capture not taken. */
  readonly skippedByKind: Readonly<Record<CaptureKind, number>>;
  /** Captures started that could not be written (no inspector, a full disk, the directory removed). */
  readonly failed: number;
  /** The same failures, by kind. */
  readonly failedByKind: Readonly<Record<CaptureKind, number>>;
}

const zeroByKind = (): Record<CaptureKind, number> => ({ 'heap-snapshot': 0, 'heap-profile': 0, 'cpu-profile': 0 });

// In a container the application is often PID 1 in every run: a file is this
// process's when its name carries our pid and it was written since we started.
const STARTED_MILLIS = Date.now() - process.uptime() * 1000;
const writtenByThisProcess = (file: CaptureFile): boolean => file.pid === process.pid && file.modifiedMillis >= STARTED_MILLIS;

const SUFFIXES: Readonly<Record<CaptureKind, string>> = {
  'heap-snapshot': '.heapsnapshot',
  'heap-profile': '.heapprofile',
  'cpu-profile': '.cpuprofile',
};

/**
 * The caps on count and bytes and the rate limit, shared by every capture.
 * Usage is read from the directory itself each time, so the caps hold across
 * restarts and across processes sharing the directory; a near-limit capture
 * that V8 will write later holds a reservation until its file appears.
 * A skip is logged once per kind and reason until a capture succeeds again.
 */
export class CaptureBudget {
  private readonly skipped: Record<SkipReason, number> = { count: 0, bytes: 0, rate: 0 };
  private readonly armed: Record<CaptureKind, boolean> = { 'heap-snapshot': false, 'heap-profile': false, 'cpu-profile': false };
  private readonly reservations = new Map<CaptureKind, number>();
  private readonly skipsLogged = new Set<string>();
  private lastCaptureMillis = 0;
  private failed = 0;
  private readonly skippedByKind = zeroByKind();
  private readonly failedByKind = zeroByKind();

  constructor(
    private readonly directory: CaptureDirectory,
    private readonly options: ResolvedDiagnosticsOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why a capture of about `expectedBytes` may not be taken now, or undefined when it may. */
  refusal(expectedBytes: number, { rate = true }: { rate?: boolean } = {}): { reason: SkipReason; detail: string } | undefined {
    const usage = this.directory.usage();
    // A near-limit capture whose file this process already wrote is counted by the file, not twice.
    for (const kind of this.reservations.keys()) {
      if (usage.files.some((file) => writtenByThisProcess(file) && file.name.endsWith(SUFFIXES[kind]))) this.reservations.delete(kind);
    }
    const reservedBytes = [...this.reservations.values()].reduce((sum, bytes) => sum + bytes, 0);
    const count = usage.count + this.reservations.size;
    const bytes = usage.bytes + reservedBytes;
    const { maxCaptures, maxBytes, minIntervalSeconds } = this.options;
    if (count + 1 > maxCaptures) return { reason: 'count', detail: `${count} of at most ${maxCaptures} captures already there` };
    if (bytes + expectedBytes > maxBytes) {
      return { reason: 'bytes', detail: `${bytes} bytes there and about ${expectedBytes} more needed, at most ${maxBytes}` };
    }
    const newest = Math.max(usage.newestMillis, this.lastCaptureMillis);
    const waitMillis = newest + minIntervalSeconds * 1000 - this.now();
    if (rate && waitMillis > 0) {
      return { reason: 'rate', detail: `the last capture was ${Math.round((this.now() - newest) / 1000)} s ago, at most one per ${minIntervalSeconds} s` };
    }
    return undefined;
  }

  /** A near-limit capture armed: V8 writes it later, so its share of the caps is held now. */
  reserve(kind: CaptureKind, expectedBytes: number): void {
    this.reservations.set(kind, expectedBytes);
    this.setArmed(kind, true);
  }

  setArmed(kind: CaptureKind, armed: boolean): void {
    this.armed[kind] = armed;
  }

  /** A capture written: one line naming the file, its size and why it was taken. */
  recordCapture(kind: CaptureKind, file: string, bytes: number, why: string): void {
    this.lastCaptureMillis = this.now();
    this.skipsLogged.clear();
    diag.warn(`nodevitals diagnostics: wrote ${kind} ${file} (${bytes} bytes) because ${why}`);
  }

  /** A capture not taken: counted every time, logged once per kind and reason until the next capture. */
  recordSkip(kind: CaptureKind, reason: SkipReason, detail: string): void {
    this.skipped[reason]++;
    this.skippedByKind[kind]++;
    const key = `${kind}:${reason}`;
    if (this.skipsLogged.has(key)) return;
    this.skipsLogged.add(key);
    const cap = reason === 'rate' ? 'rate limit' : reason === 'count' ? 'maxCaptures' : 'maxBytes';
    diag.warn(`nodevitals diagnostics: ${kind} skipped by ${cap} (${detail}) in ${this.directory.path}; further skips are counted, not logged`);
  }

  /** A capture that failed (no inspector, a full disk, the directory removed): logged once per kind until a capture succeeds. */
  recordFailure(kind: CaptureKind, error: unknown): void {
    this.failed++;
    this.failedByKind[kind]++;
    const key = `${kind}:failed`;
    if (this.skipsLogged.has(key)) return;
    this.skipsLogged.add(key);
    diag.warn(`nodevitals diagnostics: ${kind} failed: ${error instanceof Error ? error.message : String(error)}; further failures are not logged`);
  }

  counts(): CaptureCounts {
    const ours = this.directory.usage().files.filter(writtenByThisProcess);
    const captured = {} as Record<CaptureKind, number>;
    for (const [kind, suffix] of Object.entries(SUFFIXES) as Array<[CaptureKind, string]>) {
      captured[kind] = ours.filter((file) => file.name.endsWith(suffix)).length;
    }
    return {
      captured,
      armed: { ...this.armed },
      skipped: { ...this.skipped },
      skippedByKind: { ...this.skippedByKind },
      failed: this.failed,
      failedByKind: { ...this.failedByKind },
    };
  }
}
