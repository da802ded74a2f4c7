import type { MeterProvider } from '@opentelemetry/api';
import { resolve } from 'node:path';
import { describeValue } from '../options.js';
import { diagnosticOutputDirectory } from './nodeFlags.js';

/**
 * What can be captured:
 * - `heap-snapshot`: V8 writes a `.heapsnapshot` when the heap nears its limit
 *   (`v8.setHeapSnapshotNearHeapLimit`);
 * - `heap-profile`: V8 writes the sampling heap profile (`.heapprofile`) when
 *   the heap nears its limit (`v8.setHeapProfileNearHeapLimit`, Node 26+); it
 *   keeps the sampling heap profiler running, so it is not in the defaults;
 * - `cpu-profile`: a `.cpuprofile` of `cpuProfileSeconds` when event-loop
 *   utilization has stayed critical for `sustainedSeconds`.
 */
export const CAPTURE_KINDS = Object.freeze(['heap-snapshot', 'heap-profile', 'cpu-profile'] as const);
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

/** Options of `startDiagnostics()`. Every field is optional. */
export interface DiagnosticsOptions {
  /**
   * Where captures are written; created if missing. Default: the process's
   * `--diagnostic-dir` when it has one, else `nodevitals-diagnostics` under
   * the working directory. Heap snapshots and heap profiles are written by V8
   * to `--diagnostic-dir` (or the working directory) and nowhere else, so
   * they are armed only when that is this directory (docs/diagnostics.md).
   */
  directory?: string;
  /** Which captures to arm. Default `['heap-snapshot', 'cpu-profile']`. */
  captures?: readonly CaptureKind[];
  /** Most capture files kept in the directory (ours only), 1 to 1000. Default `5`. */
  maxCaptures?: number;
  /** Most bytes of capture files in the directory (ours only), 1 MiB to 1 TiB. Default `4 GiB`. */
  maxBytes?: number;
  /** At most one capture per this many seconds, across restarts (read from the files' times), 0 to 86400. Default `600`. */
  minIntervalSeconds?: number;
  /** Length of a CPU profile, in seconds, 1 to 300. Default `10`. */
  cpuProfileSeconds?: number;
  /** How long event-loop utilization must stay critical before a CPU profile, in seconds, 0 to 3600. Default `30`. */
  sustainedSeconds?: number;
  /** Where `nodevitals.diagnostics.captures` goes. Default: the global MeterProvider, at start. */
  meterProvider?: MeterProvider;
}

export interface ResolvedDiagnosticsOptions {
  readonly directory: string;
  readonly captures: readonly CaptureKind[];
  readonly maxCaptures: number;
  readonly maxBytes: number;
  readonly minIntervalSeconds: number;
  readonly cpuProfileSeconds: number;
  readonly sustainedSeconds: number;
  readonly meterProvider?: MeterProvider;
}

export const DEFAULT_DIAGNOSTICS_OPTIONS = Object.freeze({
  captures: Object.freeze(['heap-snapshot', 'cpu-profile'] as CaptureKind[]),
  maxCaptures: 5,
  // A heap snapshot near the limit is reserved at twice the heap limit
  // (docs/diagnostics.md): 4 GiB fits one for a heap of up to 2 GiB.
  maxBytes: 4 * 2 ** 30,
  // Ten minutes: a process stuck at its limit (or crash-looping) writes one
  // capture per ten minutes, not one per restart.
  minIntervalSeconds: 600,
  cpuProfileSeconds: 10,
  // Long enough that a burst is not profiled, short enough to catch an episode.
  sustainedSeconds: 30,
});

/** The directory used when none is given: `--diagnostic-dir`, else `./nodevitals-diagnostics`. */
export function defaultDiagnosticsDirectory(): string {
  return diagnosticOutputDirectory().fromFlag ?? resolve('nodevitals-diagnostics');
}

/** Valid [min, max] of the numeric options. */
export const DIAGNOSTICS_RANGES = Object.freeze({
  maxCaptures: Object.freeze([1, 1000] as const),
  maxBytes: Object.freeze([2 ** 20, 2 ** 40] as const),
  minIntervalSeconds: Object.freeze([0, 86_400] as const),
  cpuProfileSeconds: Object.freeze([1, 300] as const),
  sustainedSeconds: Object.freeze([0, 3600] as const),
});

const FIELDS = ['directory', 'captures', 'meterProvider', ...Object.keys(DIAGNOSTICS_RANGES)];

/** Validates once, at construction: a wrong value throws naming the field and the value. */
export function resolveDiagnosticsOptions(input: unknown): ResolvedDiagnosticsOptions {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError(`diagnostics options must be an object, got ${describeValue(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!FIELDS.includes(key)) throw new TypeError(`unknown diagnostics option ${key}; known options: ${FIELDS.join(', ')}`);
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_DIAGNOSTICS_OPTIONS };
  for (const [field, [min, max]] of Object.entries(DIAGNOSTICS_RANGES)) {
    const value = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${field} must be a number, got ${describeValue(value)}`);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
    }
    resolved[field] = value;
  }
  const captures = options.captures;
  if (captures !== undefined) {
    if (!Array.isArray(captures)) throw new TypeError(`captures must be an array, got ${describeValue(captures)}`);
    for (const capture of captures) {
      if (!CAPTURE_KINDS.includes(capture as CaptureKind)) {
        throw new RangeError(`captures must hold only ${CAPTURE_KINDS.join(', ')}, got ${describeValue(captures)}`);
      }
    }
    resolved.captures = Object.freeze([...new Set(captures as CaptureKind[])]);
  }
  const directory = options.directory;
  if (directory === undefined) resolved.directory = defaultDiagnosticsDirectory();
  else {
    if (typeof directory !== 'string' || directory.trim() === '' || directory.includes('\0')) {
      throw new TypeError(`directory must be a non-empty path, got ${describeValue(directory)}`);
    }
    resolved.directory = resolve(directory);
  }
  const meterProvider = options.meterProvider;
  if (meterProvider !== undefined) {
    if (typeof (meterProvider as { getMeter?: unknown } | null)?.getMeter !== 'function') {
      throw new TypeError(`meterProvider must be a MeterProvider (with getMeter()), got ${describeValue(meterProvider)}`);
    }
    resolved.meterProvider = meterProvider;
  }
  return Object.freeze(resolved) as unknown as ResolvedDiagnosticsOptions;
}
