import { diag } from '@opentelemetry/api';
import { realpathSync } from 'node:fs';
import * as v8 from 'node:v8';
import type { CaptureBudget } from './CaptureBudget.js';
import type { CaptureDirectory } from './CaptureDirectory.js';
import { diagnosticOutputDirectory, nodeFlag } from './nodeFlags.js';

type NearLimitKind = 'heap-snapshot' | 'heap-profile';

interface HeapProfileHandle {
  stop(): unknown;
}
/** The Node 26 additions, looked up by feature: older lines lack them. */
interface NearLimitV8 {
  setHeapSnapshotNearHeapLimit?: (limit: number) => void;
  setHeapProfileNearHeapLimit?: (limit: number) => void;
  startHeapProfile?: () => HeapProfileHandle;
}

/**
 * What each capture reserves in the byte cap while it waits. A snapshot taken
 * near the limit is written while Node lets the heap grow past it, and its
 * JSON is bigger than the heap: measured 84-124 MB for heap limits of 51-240
 * MB (docs/diagnostics.md), so twice the limit holds it. A sampling heap
 * profile is a call tree of a few KB.
 */
function expectedBytes(kind: NearLimitKind): number {
  return kind === 'heap-snapshot' ? 2 * v8.getHeapStatistics().heap_size_limit : 2 ** 20;
}

// V8 takes each near-limit callback once per process; a second
// startDiagnostics() in the same process (or the other module build) finds it set.
const ARMED = Symbol.for('@nodevitals/instrumentation/diagnostics/near-heap-limit');
const processWide = globalThis as Record<symbol, Set<NearLimitKind> | undefined>;

const samePath = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
};

/**
 * Asks V8 to write one heap snapshot (or heap profile) when the heap nears
 * its limit, if the caps allow it and the file would land in our directory.
 * Returns what undoes it: nothing for a snapshot (V8 has no call to take the
 * callback back), the sampling profiler stopped for a heap profile.
 */
export function armNearHeapLimit(kind: NearLimitKind, directory: CaptureDirectory, budget: CaptureBudget): () => void {
  const api = v8 as unknown as NearLimitV8;
  const arm = kind === 'heap-snapshot' ? api.setHeapSnapshotNearHeapLimit : api.setHeapProfileNearHeapLimit;
  if (typeof arm !== 'function' || (kind === 'heap-profile' && typeof api.startHeapProfile !== 'function')) {
    diag.warn(`nodevitals diagnostics: ${kind} skipped: this Node.js (${process.version}) has no ${kind === 'heap-snapshot' ? 'v8.setHeapSnapshotNearHeapLimit' : 'v8.setHeapProfileNearHeapLimit (Node 26+)'}`);
    return () => undefined;
  }
  if (kind === 'heap-snapshot' && Number(nodeFlag('--heapsnapshot-near-heap-limit') ?? 0) > 0) {
    diag.warn('nodevitals diagnostics: heap-snapshot not armed: --heapsnapshot-near-heap-limit is set, and Node writes those snapshots itself, outside our caps');
    return () => undefined;
  }
  const output = diagnosticOutputDirectory();
  if (!samePath(output.path, directory.path)) {
    diag.warn(
      `nodevitals diagnostics: ${kind} not armed: V8 writes it to ${output.fromFlag ? '--diagnostic-dir' : 'the working directory'} (${output.path}), ` +
        `not to ${directory.path}; start node with --diagnostic-dir=${directory.path} (NODE_OPTIONS works) to capture it`,
    );
    return () => undefined;
  }
  const armed = (processWide[ARMED] ??= new Set());
  if (armed.has(kind)) {
    diag.debug(`nodevitals diagnostics: ${kind} already armed in this process`);
    return () => undefined;
  }
  const bytes = expectedBytes(kind);
  const refusal = budget.refusal(bytes);
  if (refusal) {
    budget.recordSkip(kind, refusal.reason, refusal.detail);
    return () => undefined;
  }
  let profile: HeapProfileHandle | undefined;
  if (kind === 'heap-profile') profile = api.startHeapProfile!();
  arm.call(v8, 1);
  armed.add(kind);
  budget.reserve(kind, bytes);
  diag.info(`nodevitals diagnostics: ${kind} armed: V8 writes one into ${directory.path} when the heap nears its limit (${bytes} bytes held for it)`);
  if (!profile) return () => undefined;
  return () => {
    try {
      // With no sampling profile running, the near-limit callback uninstalls itself.
      profile?.stop();
    } catch {
      // Already stopped.
    }
    profile = undefined;
  };
}
