import { openSync, readSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { temporaryDirectories } from '../helpers/temporaryDirectories';
import { runScenario, type ChildResult } from '../helpers/childProcess';

// Issue 13, item 6: a heap snapshot when the heap nears its limit, written by
// V8 into the configured directory, under caps on count and bytes and a rate
// limit that hold across processes (each run here leaks until V8 gives up).

const SCENARIO = join(__dirname, '..', 'scenarios', 'leakToHeapLimit.ts');
const MiB = 2 ** 20;
// A 48 MB old space and 1 MB semi-spaces: a heap limit of about 51 MB, so
// each snapshot is tens of MB and a run takes seconds.
const HEAP_FLAGS = ['--max-old-space-size=48', '--max-semi-space-size=1'];

const freshDirectory = temporaryDirectories('nodevitals-heap-');

function leak(directory: string, { maxCaptures, maxBytes, minIntervalSeconds, diagnosticDir = directory, captures = 'heap-snapshot' }: {
  maxCaptures: number;
  maxBytes: number;
  minIntervalSeconds: number;
  diagnosticDir?: string;
  captures?: string;
}): Promise<ChildResult> {
  return runScenario(SCENARIO, {
    nodeArgs: [...HEAP_FLAGS, `--diagnostic-dir=${diagnosticDir}`],
    args: [directory, String(maxCaptures), String(maxBytes), String(minIntervalSeconds), captures],
    // A run leaks far past the flag once V8 has written the snapshot (Node raises the limit for it): ~30 s alone,
    // several times that beside a loaded suite. Killed at the timeout, it fails for lack of the out-of-memory line.
    timeoutMillis: 240_000,
  });
}

const snapshots = (directory: string) => readdirSync(directory).filter((name) => name.endsWith('.heapsnapshot')).sort();
const totalBytes = (directory: string) => readdirSync(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);

function head(file: string, bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The process died of its leak (V8 aborts), rather than finishing or being killed by the timeout. */
function expectOutOfMemory(result: ChildResult): void {
  expect(result.stderr).toMatch(/JavaScript heap out of memory/);
  expect(result.signal === 'SIGABRT' || result.code === 134).toBe(true);
}

describe('a heap snapshot near the heap limit, in the configured directory, within the caps', () => {
  const directory = freshDirectory();
  const caps = { maxCaptures: 2, maxBytes: 200 * MiB };

  it('a leaking process leaves one .heapsnapshot there, a JSON snapshot, and says it was armed', async () => {
    const result = await leak(directory, { ...caps, minIntervalSeconds: 0 });
    expectOutOfMemory(result);
    expect(result.stdout).toMatch(new RegExp(`heap-snapshot armed: V8 writes one into ${directory} when the heap nears its limit`));
    const files = snapshots(directory);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^Heap\.\d{8}\.\d{6}\.\d+\.0\.001\.heapsnapshot$/);
    expect(head(join(directory, files[0]), 12)).toBe('{"snapshot":');
  }, 300_000);

  it('a second process within the rate limit does not arm, says so once, and adds no file', async () => {
    const result = await leak(directory, { ...caps, minIntervalSeconds: 3600 });
    expectOutOfMemory(result);
    expect(result.stderr.match(/heap-snapshot skipped by rate limit/g)).toHaveLength(1);
    expect(snapshots(directory)).toHaveLength(1);
  }, 300_000);

  it('past the rate limit a second snapshot is written; a third process finds the count cap and adds none', async () => {
    expectOutOfMemory(await leak(directory, { ...caps, minIntervalSeconds: 0 }));
    expect(snapshots(directory)).toHaveLength(2);
    const third = await leak(directory, { ...caps, minIntervalSeconds: 0 });
    expectOutOfMemory(third);
    expect(third.stderr).toMatch(/heap-snapshot skipped by maxCaptures \(2 of at most 2 captures already there\)/);
    expect(snapshots(directory)).toHaveLength(2);
    expect(totalBytes(directory)).toBeLessThanOrEqual(caps.maxBytes);
  }, 500_000);
});

describe('the byte cap holds a snapshot at twice the heap limit before it is armed', () => {
  it('a second process whose snapshot could pass maxBytes does not arm, and the directory stays under it', async () => {
    const directory = freshDirectory();
    const caps = { maxCaptures: 10, maxBytes: 150 * MiB, minIntervalSeconds: 0 };
    expectOutOfMemory(await leak(directory, caps));
    expect(snapshots(directory)).toHaveLength(1);
    const second = await leak(directory, caps);
    expectOutOfMemory(second);
    expect(second.stderr).toMatch(/heap-snapshot skipped by maxBytes \(\d+ bytes there and about \d+ more needed, at most 157286400\)/);
    expect(snapshots(directory)).toHaveLength(1);
    expect(totalBytes(directory)).toBeLessThanOrEqual(caps.maxBytes);
  }, 500_000);
});

describe('V8 writes near-limit files only to --diagnostic-dir or the working directory', () => {
  it('with --diagnostic-dir elsewhere, nothing is armed, one line says how to fix it, and no file appears anywhere', async () => {
    const directory = freshDirectory();
    const elsewhere = freshDirectory();
    const result = await leak(directory, { maxCaptures: 5, maxBytes: 1024 * MiB, minIntervalSeconds: 0, diagnosticDir: elsewhere });
    expectOutOfMemory(result);
    expect(result.stderr.match(/heap-snapshot not armed: V8 writes it to --diagnostic-dir/g)).toHaveLength(1);
    expect(result.stderr).toContain(`start node with --diagnostic-dir=${directory}`);
    expect(readdirSync(directory)).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual([]);
  }, 300_000);
});

describe('a sampling heap profile near the heap limit (v8.setHeapProfileNearHeapLimit, Node 26+)', () => {
  const supported = typeof (v8 as { setHeapProfileNearHeapLimit?: unknown }).setHeapProfileNearHeapLimit === 'function';

  it(supported ? 'is written beside the heap snapshot, as a JSON heap profile' : 'is skipped with one line naming the missing API, and the heap snapshot still works', async () => {
    const directory = freshDirectory();
    const result = await leak(directory, { maxCaptures: 5, maxBytes: 1024 * MiB, minIntervalSeconds: 0, captures: 'heap-snapshot,heap-profile' });
    expectOutOfMemory(result);
    expect(snapshots(directory)).toHaveLength(1);
    const profiles = readdirSync(directory).filter((name) => name.endsWith('.heapprofile'));
    if (supported) {
      expect(profiles).toHaveLength(1);
      expect(profiles[0]).toMatch(/^Heap\.\d{8}\.\d{6}\.\d+\.0\.\d{3}\.heapprofile$/);
      expect(JSON.parse(readFileSync(join(directory, profiles[0]), 'utf8'))).toHaveProperty('head');
      expect(result.stdout).toMatch(/heap-profile armed/);
    } else {
      expect(profiles).toEqual([]);
      expect(result.stderr.match(/heap-profile skipped: this Node\.js \(v\d+[.\d]*\) has no v8\.setHeapProfileNearHeapLimit \(Node 26\+\)/g)).toHaveLength(1);
    }
  }, 300_000);
});
