// The command as published: both packages packed, installed from the
// tarballs into a fresh project, and run through npx as a user runs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packAndInstall } from '../../../../scripts/pack-and-install';
import { THRESHOLDS } from '@nodevitals/instrumentation';
import { finding, ownLongestGapSeconds, startServedApp, type JsonReport, type ServedApp } from '../helpers/cli';

describe('the packed nodevitals command', () => {
  let project: string;
  let app: ServedApp;

  beforeAll(async () => {
    // The app first, then the packing: packAndInstall() is synchronous and holds this event loop for as long as
    // npm takes (over 30 s on a loaded machine), so a start-up wait running beside it would time out with the
    // app's URL still unread in the pipe.
    app = await startServedApp('idle');
    project = packAndInstall(['instrumentation', 'cli'], []);
  }, 240_000);

  afterAll(async () => {
    if (project) rmSync(project, { recursive: true, force: true });
    await app?.stop();
  });

  it('runs with npx from the installed bin: --help, and a report against a real process', async () => {
    const help = spawnSync('npx', ['--no-install', 'nodevitals', '--help'], { cwd: project, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: nodevitals report <url>');
    const report = spawnSync('npx', ['--no-install', 'nodevitals', 'report', app.url, '--seconds', '2', '--json'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(report.stderr).toBe('');
    const parsed = JSON.parse(report.stdout) as JsonReport;
    expect(parsed.naming).toBe('nodevitals');
    // An idle app: ok or warning, exit 0; critical (exit 1) only for a loop delay this machine really caused,
    // which the app's own timer then saw too (see ownLongestGapSeconds).
    const heldPastCritical = (await ownLongestGapSeconds(app)) >= THRESHOLDS.eventLoopDelay.critical;
    const starvedReading = heldPastCritical && finding(parsed, 'eventLoopDelay').verdict === 'critical';
    expect(parsed.verdict).toMatch(starvedReading ? /^critical$/ : /^(ok|warning)$/);
    expect(parsed.findings.filter((entry) => entry.verdict === 'critical' && entry.check !== 'eventLoopDelay')).toEqual([]);
    expect(report.status).toBe(starvedReading ? 1 : 0);
  }, 90_000);

  it('exports runtimeReport() from the installed instrumentation, to ES modules and CommonJS', () => {
    // Each script has work of its own (the timer): the report's wait never keeps a process alive by itself.
    writeFileSync(join(project, 'esm.mjs'), `import { runtimeReport } from '@nodevitals/instrumentation';
      const work = setTimeout(() => {}, 10000);
      const report = await runtimeReport({ durationMillis: 200 });
      clearTimeout(work);
      console.log(JSON.stringify({ verdict: report.verdict, areas: report.findings.length, text: report.format().split('\\n')[0] }));`);
    writeFileSync(join(project, 'cjs.cjs'), `const work = setTimeout(() => {}, 10000);
      require('@nodevitals/instrumentation').runtimeReport({ durationMillis: 200 })
      .then((report) => clearTimeout(work) ?? console.log(JSON.stringify({ verdict: report.verdict, areas: report.findings.length, text: report.format().split('\\n')[0] })));`);
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const result = JSON.parse(execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' })) as { areas: number; text: string };
      expect(result.areas).toBeGreaterThanOrEqual(10);
      // The 200 ms it measured, late by what a loaded machine makes a timer late (not read from a fixed '0.x').
      const period = Number(/^nodevitals runtime report: pid \d+ over (\d+\.\d) s$/.exec(result.text)?.[1]);
      expect(period).toBeGreaterThanOrEqual(0.2);
      expect(period).toBeLessThan(0.2 + 5);
    }
  });
});
