// The per-iteration cost rows of `pnpm bench` alone (bench/workers/iterationCost.mjs),
// once per installed Node line, for a quick re-measure:
//
//   node bench/iterationCost.mjs [rounds] [round-trips per block]
import { ensureBuilt } from './lib/build.mjs';
import { runWorker } from './lib/child.mjs';
import { nodeLines } from './lib/nodeLines.mjs';
import { iterationCostRows } from './lib/report.mjs';

const rounds = Number(process.argv[2] ?? 30);
const trips = Number(process.argv[3] ?? 20_000);
console.log(`measured build: sha256 ${ensureBuilt(() => {})} (bench/.snapshot); one process per line, ${rounds} rounds of ${trips} round trips per part`);
for (const { line, execPath } of nodeLines()) {
  const blocks = await runWorker('iterationCost', [rounds, trips], { execPath });
  for (const row of iterationCostRows(line, blocks)) console.log(row.join('  '));
}
