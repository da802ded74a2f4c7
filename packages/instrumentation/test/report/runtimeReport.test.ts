// runtimeReport() inside a real process: what an app logs at start or on a signal.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runtimeReport, THRESHOLDS, type Finding } from '../../src/index';

const TS_REGISTER = join(__dirname, '..', '..', '..', '..', 'scripts', 'ts-register.cjs');
const INDEX = join(__dirname, '..', '..', 'src', 'index.ts');

/** Runs `script` in a real Node process with the sources; stdout and stderr together. */
async function runScript(script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-r', TS_REGISTER, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('runtimeReport()', () => {
  it('finds a loop stalled during the period, with the same thresholds and advice as the CLI', async () => {
    // In a process of its own, as an app would call it: the loop blocked 150 ms of every 200.
    const script = `
      const { runtimeReport } = require(${JSON.stringify(INDEX)});
      const stalls = setInterval(() => { const end = Date.now() + 150; while (Date.now() < end); }, 200);
      runtimeReport({ durationMillis: 1500 }).then((report) => {
        clearInterval(stalls);
        console.log(JSON.stringify({ findings: report.findings, text: report.format(), colored: report.format({ color: true }) }));
      });`;
    const { code, output } = await runScript(script);
    expect(code).toBe(0);
    const report = JSON.parse(output) as { findings: Finding[]; text: string; colored: string };
    const delay = report.findings.find((entry) => entry.check === 'eventLoopDelay')!;
    // Stalls of 150 ms: the p99 is past the 100 ms warning.
    expect(delay.value).toBeGreaterThanOrEqual(0.1);
    expect(delay.verdict).not.toBe('ok');
    expect(delay.threshold).toMatchObject({ warning: THRESHOLDS.eventLoopDelay.warning, critical: THRESHOLDS.eventLoopDelay.critical });
    expect(delay.recommendation).toContain('--cpu-prof');
    // The period it measured: never shorter than asked; longer by what a loaded machine makes the timer late
    // (seconds at most), so not read from a fixed '1.x'.
    const period = Number(/^nodevitals runtime report: pid \d+ over (\d+\.\d) s\n/.exec(report.text)?.[1]);
    expect(period).toBeGreaterThanOrEqual(1.5);
    expect(period).toBeLessThan(1.5 + 5);
    expect(report.text).toContain('event-loop delay p99:');
    expect(report.text).not.toContain('\u001b');
    expect(report.colored).toContain('\u001b[');
  });

  it('measures this process: heap against its limit, GC, loop, descriptors', async () => {
    const garbage: number[][] = [];
    const churn = setInterval(() => {
      garbage.push(Array.from({ length: 50_000 }, (_, index) => index));
      if (garbage.length > 10) garbage.splice(0, 5);
    }, 10);
    const reporting = runtimeReport({ durationMillis: 3_000 });
    // A GC inside the period whatever the machine's load: 200 MB of short-lived objects outgrow any young
    // generation, so at least one scavenge runs now. Its entry arrives only after this loop (50-200 ms idle,
    // several times that on a starved machine), so the period is long enough to still be open then.
    let sink: { index: number } | undefined;
    for (let index = 0; index < 8_000_000; index++) sink = { index };
    expect(sink?.index).toBe(7_999_999);
    const report = await reporting;
    clearInterval(churn);
    const { measurements } = report;
    expect(measurements.periodSeconds).toBeGreaterThanOrEqual(2.9);
    expect(measurements.heapUsedBytes).toBeGreaterThan(1_000_000);
    expect(measurements.heapLimitBytes).toBeGreaterThan(measurements.heapUsedBytes!);
    expect(Object.values(measurements.gc!.byKind).reduce((total, kind) => total + kind.count, 0)).toBeGreaterThan(0);
    expect(measurements.eventLoopUtilization).toBeGreaterThan(0);
    expect(measurements.openFileDescriptors).toBeGreaterThan(3);
    expect(report.findings.find((entry) => entry.area === 'workers')?.verdict).toBe('unknown');
  });

  it('throws a RangeError naming a wrong durationMillis', () => {
    expect(() => runtimeReport({ durationMillis: 5 })).toThrow(new RangeError('durationMillis must be an integer from 100 to 600000, got 5'));
    expect(() => runtimeReport({ durationMillis: 1.5 })).toThrow(/durationMillis must be an integer/);
  });

  it('does not keep the host alive: a process whose only work is a pending 60 s report exits at once', async () => {
    const script = `require(${JSON.stringify(INDEX)}).runtimeReport({ durationMillis: 60000 }).then(() => console.log('REPORTED'))`;
    const started = Date.now();
    const { code, output } = await runScript(script);
    expect(code).toBe(0);
    expect(output).toBe('');
    // Far below the 60 s period: the report's wait never held the process.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
