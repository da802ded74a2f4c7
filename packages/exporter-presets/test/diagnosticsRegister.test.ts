import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, startNode } from './helpers/childProcess';
import { USER_PROJECT } from './helpers/zeroCodeApp';

// Issue 13, item 6, in the zero-code entry: diagnostics are off unless
// NODEVITALS_DIAGNOSTICS names captures, and then a leaking app with no
// telemetry code leaves a heap snapshot in NODEVITALS_DIAGNOSTICS_DIR.

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** `--diagnostic-dir` on the command line, or in NODE_OPTIONS as docs/diagnostics.md shows. */
function runLeakingApp(directory: string, env: Record<string, string>, { viaNodeOptions = false } = {}) {
  const flag = `--diagnostic-dir=${directory}`;
  return startNode(
    [join(FIXTURES, 'register', 'leak.cjs')],
    { OTEL_METRICS_EXPORTER: 'none', OTEL_LOG_LEVEL: 'info', ...(viaNodeOptions ? { NODE_OPTIONS: flag } : {}), ...env },
    ['--max-old-space-size=48', '--max-semi-space-size=1', ...(viaNodeOptions ? [] : [flag]), '--require', '@nodevitals/exporter-presets/register'],
    90_000,
    USER_PROJECT,
  ).exited;
}

describe('diagnostics in the zero-code entry', () => {
  it('NODEVITALS_DIAGNOSTICS=heap-snapshot, --diagnostic-dir in NODE_OPTIONS: the app dies of its leak and leaves one heap snapshot in NODEVITALS_DIAGNOSTICS_DIR', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nodevitals-register-diag-'));
    directories.push(directory);
    const result = await runLeakingApp(directory, { NODEVITALS_DIAGNOSTICS: 'heap-snapshot', NODEVITALS_DIAGNOSTICS_DIR: directory }, { viaNodeOptions: true });
    expect(result.stderr).toMatch(/JavaScript heap out of memory/);
    expect(`${result.stdout}${result.stderr}`).toMatch(/heap-snapshot armed/);
    expect(readdirSync(directory).filter((name) => name.endsWith('.heapsnapshot'))).toHaveLength(1);
  }, 120_000);

  it('without NODEVITALS_DIAGNOSTICS nothing is armed: no file, no line', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nodevitals-register-diag-'));
    directories.push(directory);
    const result = await runLeakingApp(directory, { NODEVITALS_DIAGNOSTICS_DIR: directory });
    expect(result.stderr).toMatch(/JavaScript heap out of memory/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/nodevitals diagnostics/);
    expect(readdirSync(directory)).toEqual([]);
  }, 120_000);
});
