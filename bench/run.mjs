// nodevitals benchmark: cost, overhead, memory and accuracy of
// @nodevitals/instrumentation next to @opentelemetry/instrumentation-runtime-node
// and prom-client's collectDefaultMetrics(), each in fresh child processes,
// measured by the same code in one run.
//
//   pnpm bench          full run; writes docs/benchmarks.md and docs/benchmarks-collect.svg
//   pnpm bench:quick    small sample sizes (CI); prints the tables, writes bench/results/quick.json only
//   node bench/run.mjs --report-only   re-renders the docs from bench/results/full.json, measuring nothing
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './lib/build.mjs';
import { runWorker, startWorker } from './lib/child.mjs';
import { CONTENDERS, FAMILIES } from './lib/contenders.mjs';
import { commit, machine, versions } from './lib/machine.mjs';
import { renderChart, renderMarkdown, renderTables } from './lib/report.mjs';
import { parseTraceGc } from './lib/traceGc.mjs';

const QUICK = process.argv.includes('--quick');
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SETTINGS = QUICK
  ? {
      costSamples: 150, costWarmup: 20, familySamples: 80, gapMillis: 25,
      scrapes: 100, loadRepetitions: 2, loadRequests: 4000, loadWarmup: 1000, concurrency: 8, collectEveryMillis: 100,
      heapFirst: 1000, heapSecond: 4000, eventLoopTrials: 5, blockMillis: 50, gcRounds: 150,
    }
  : {
      costSamples: 1500, costWarmup: 100, familySamples: 600, gapMillis: 25,
      scrapes: 500, loadRepetitions: 5, loadRequests: 20000, loadWarmup: 2000, concurrency: 8, collectEveryMillis: 100,
      heapFirst: 10000, heapSecond: 40000, eventLoopTrials: 20, blockMillis: 50, gcRounds: 300,
    };

if (process.argv.includes('--report-only')) {
  const saved = JSON.parse(readFileSync(new URL('./results/full.json', import.meta.url), 'utf8'));
  writeFileSync(`${ROOT}docs/benchmarks.md`, renderMarkdown(saved));
  writeFileSync(`${ROOT}docs/benchmarks-collect.svg`, renderChart(saved));
  console.log(renderTables(saved));
  process.exit(0);
}

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

const snapshot = ensureBuilt(log);
const results = {
  mode: QUICK ? 'quick' : 'full',
  command: QUICK ? 'pnpm bench:quick' : 'pnpm bench',
  date: new Date().toISOString(),
  commit: commit(),
  instrumentationBuild: snapshot,
  machine: machine(),
  versions: versions(),
  settings: SETTINGS,
};

// 1, 2, 7: size and cost per collection, raw floor, per-family breakdown, OTLP bytes.
results.cost = {};
for (const name of ['floor', 'none', ...CONTENDERS]) {
  log(`cost: ${name}`);
  results.cost[name] = await runWorker('cost', [name, SETTINGS.costSamples, SETTINGS.costWarmup, SETTINGS.gapMillis]);
}
results.families = {};
for (const family of FAMILIES) {
  log(`cost: nodevitals ${family} family alone`);
  const name = `nodevitals:${family}`;
  results.families[family] = await runWorker('cost', [name, SETTINGS.familySamples, SETTINGS.costWarmup, SETTINGS.gapMillis]);
}

results.callbacks = {};
for (const name of ['nodevitals', 'runtime-node']) {
  log(`cost: time inside ${name}'s own callbacks vs the SDK`);
  results.callbacks[name] = await runWorker('callbacks', [name, SETTINGS.familySamples, SETTINGS.costWarmup, SETTINGS.gapMillis]);
}

// 3: Prometheus scrape latency, measured by a client in another process.
results.scrape = {};
for (const name of CONTENDERS) {
  log(`scrape latency: ${name}`);
  const server = startWorker('server', [name, 'scrape', 0]);
  const { port } = await server.next('ready');
  const client = await runWorker('client', ['scrape', port, SETTINGS.scrapes, SETTINGS.gapMillis]);
  server.send({ type: 'stop' });
  await server.result;
  results.scrape[name] = client;
}

// 4: application overhead, alternating contenders so drift hits all of them.
results.overhead = [];
const appContenders = ['baseline', ...CONTENDERS];
for (let repetition = 0; repetition < SETTINGS.loadRepetitions; repetition++) {
  const order = appContenders.map((_, i) => appContenders[(i + repetition) % appContenders.length]);
  for (const name of order) {
    log(`app overhead: repetition ${repetition + 1}, ${name}`);
    const server = startWorker('server', [name, 'app', SETTINGS.collectEveryMillis]);
    const { port } = await server.next('ready');
    await runWorker('client', ['load', port, SETTINGS.loadWarmup, SETTINGS.concurrency]);
    server.send({ type: 'start' });
    const client = await runWorker('client', ['load', port, SETTINGS.loadRequests, SETTINGS.concurrency]);
    server.send({ type: 'stop' });
    const { data } = await server.result;
    results.overhead.push({ repetition, ...data, clientWallMillis: client.wallMillis });
  }
}

// 5: heap retained.
results.heap = {};
for (const name of ['none', ...CONTENDERS]) {
  log(`heap: ${name}`);
  results.heap[name] = await runWorker('heap', [name, SETTINGS.heapFirst, SETTINGS.heapSecond], { execArgv: ['--expose-gc'] });
}

// 6: accuracy.
results.eventLoop = {};
results.gc = {};
for (const name of CONTENDERS) {
  log(`accuracy: event-loop delay, ${name}`);
  results.eventLoop[name] = await runWorker('eventloop', [name, SETTINGS.eventLoopTrials, SETTINGS.blockMillis]);
  log(`accuracy: gc, ${name}`);
  const { data, stdout } = await startWorker('gc', [name, SETTINGS.gcRounds], {
    execArgv: ['--expose-gc', '--trace-gc'],
    captureStdout: true,
  }).result;
  results.gc[name] = { ...data, trace: parseTraceGc(stdout) };
}

results.durationSeconds = Math.round((Date.now() - started) / 1000);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${results.mode}.json`, import.meta.url), JSON.stringify(results, null, 1) + '\n');
console.log('\n' + renderTables(results));
if (!QUICK) {
  writeFileSync(`${ROOT}docs/benchmarks.md`, renderMarkdown(results));
  writeFileSync(`${ROOT}docs/benchmarks-collect.svg`, renderChart(results));
  log('wrote docs/benchmarks.md and docs/benchmarks-collect.svg');
}
log(`done in ${results.durationSeconds} s; raw results in bench/results/${results.mode}.json`);
