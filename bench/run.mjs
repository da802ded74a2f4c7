// nodevitals benchmark: cost, overhead, memory and accuracy of
// @nodevitals/instrumentation next to @opentelemetry/instrumentation-runtime-node
// and prom-client's collectDefaultMetrics(), each in fresh child processes,
// measured by the same code in one run.
//
//   pnpm bench          full run; writes docs/benchmarks.md and docs/benchmarks-collect.svg
//   pnpm bench:quick    small sample sizes (CI); prints the tables, writes bench/results/quick.json only
//   node bench/run.mjs --report-only   re-renders the docs from bench/results/full.json, measuring nothing
//   --note "..."                        a sentence about the run's conditions, printed in the doc
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './lib/build.mjs';
import { runWorker, startWorker } from './lib/child.mjs';
import { CONTENDERS, FAMILIES, SDK_ALONE } from './lib/contenders.mjs';
import { IDLE_FLAGS, idleRunsOnLine, nodeLines } from './lib/nodeLines.mjs';
import { commit, machine, versions } from './lib/machine.mjs';
import { renderChart, renderMarkdown, renderTables } from './lib/report.mjs';
import { parseTraceGc } from './lib/traceGc.mjs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const QUICK = process.argv.includes('--quick');
const ROOT = fileURLToPath(new URL('../', import.meta.url));
// Sized so that quick stays under ~2 minutes and full under ~12 on a 2-core machine.
const SETTINGS = QUICK
  ? {
      costSamples: 100, costCopies: 1, costWarmup: 10, familySamples: 40, gapMillis: 25,
      longGapMillis: 2000, longGapCopies: 2, longGapRounds: 6, longGapWarmup: 30,
      alwaysOnServers: 1, alwaysOnRounds: 2, alwaysOnRequests: 3000,
      scrapes: 50, loadRepetitions: 2, loadRequests: 3000, loadWarmup: 500, concurrency: 8, collectEveryMillis: 100,
      heapFirst: 500, heapSecond: 2000, eventLoopTrials: 4, blockMillis: 50, gcRounds: 100,
      lineIdleSeconds: 1, lineIdleWarmSeconds: 1, lineIdleRounds: 1, lineLoadSeconds: 1, lineLoadRepetitions: 1, lineConnections: 16, lineCollectEveryMillis: 1000,
      lineIterationRounds: 3, lineIterationTrips: 3000, lineRotationBlocks: 2, lineRotationRounds: 200,
    }
  : {
      costSamples: 150, costCopies: 2, costWarmup: 30, familySamples: 120, gapMillis: 25,
      longGapMillis: 10000, longGapCopies: 3, longGapRounds: 18, longGapWarmup: 100,
      alwaysOnServers: 3, alwaysOnRounds: 6, alwaysOnRequests: 20000,
      scrapes: 400, loadRepetitions: 12, loadRequests: 25000, loadWarmup: 2000, concurrency: 8, collectEveryMillis: 100,
      heapFirst: 10000, heapSecond: 40000, eventLoopTrials: 20, blockMillis: 50, gcRounds: 300,
      lineIdleSeconds: 10, lineIdleWarmSeconds: 92, lineIdleRounds: 3, lineLoadSeconds: 10, lineLoadRepetitions: 3, lineConnections: 16, lineCollectEveryMillis: 1000,
      lineIterationRounds: 30, lineIterationTrips: 20000, lineRotationBlocks: 9, lineRotationRounds: 2000,
    };

if (process.argv.includes('--report-only')) {
  const saved = JSON.parse(readFileSync(new URL('./results/full.json', import.meta.url), 'utf8'));
  writeFileSync(`${ROOT}docs/benchmarks.md`, renderMarkdown(saved));
  writeFileSync(`${ROOT}docs/benchmarks-collect.svg`, renderChart(saved));
  console.log(renderTables(saved));
  process.exit(0);
}

/**
 * Starts `copies` cost workers per run in turns mode, then hands out turns
 * round-robin, evenly spaced, so every process is idle for at least
 * `gapMillis` between its calls while never two calls overlap. The copies of
 * one run are interleaved with the others so drift hits all runs alike.
 */
async function turnsCost({ gapMillis, copies, rounds, warmup }) {
  const workers = [];
  for (let copy = 0; copy < copies; copy++) {
    for (const name of COST_RUNS) {
      const worker = startWorker('cost', [name, 'turns', 0, warmup, gapMillis, SETTINGS.gapMillis]);
      workers.push({ name, worker, ready: worker.next('ready') });
    }
  }
  for (const { ready } of workers) await ready;
  const slotMillis = gapMillis / workers.length;
  // A turn is one call; a process cycles through its kinds of call (collect,
  // collect + text, and in the floor process the single APIs).
  for (let round = 0; round < rounds; round++) {
    for (const { worker } of workers) {
      const slotStart = Date.now();
      const done = worker.next('done');
      worker.send({ type: 'turn' });
      await done;
      await sleep(Math.max(0, slotMillis - (Date.now() - slotStart)));
    }
  }
  const merged = {};
  for (const { name, worker } of workers) {
    worker.send({ type: 'stop' });
    const { data } = await worker.result;
    const into = (merged[name] ??= { ...data, collectMicros: [], scrapeMicros: [], apiMicros: data.apiMicros && {} });
    into.collectMicros.push(...data.collectMicros);
    into.scrapeMicros.push(...data.scrapeMicros);
    for (const [api, values] of Object.entries(data.apiMicros ?? {})) (into.apiMicros[api] ??= []).push(...values);
  }
  return merged;
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
  // --note "..." adds a sentence about the conditions of the run to the doc.
  note: process.argv.includes('--note') ? process.argv[process.argv.indexOf('--note') + 1] : undefined,
  load: [loadavg()[0]],
};
// The load average says whether other work shared the machine during the run.
const loadTimer = setInterval(() => results.load.push(loadavg()[0]), 15_000).unref();

// 1, 2, 7: size and cost per collection after a short gap, raw floor, the
// SDK alone with each contender's points, OTLP bytes; every row's processes
// taking turns, so that drift in the machine's speed hits all rows alike.
const COST_RUNS = ['floor', 'none', ...SDK_ALONE, ...CONTENDERS];
log(`cost, ${SETTINGS.gapMillis} ms gap: ${SETTINGS.costCopies} processes each of ${COST_RUNS.join(', ')}`);
results.cost = await turnsCost({
  gapMillis: SETTINGS.gapMillis,
  copies: SETTINGS.costCopies,
  rounds: SETTINGS.costSamples * 2,
  warmup: SETTINGS.costWarmup,
});
// The per-family rows: one process each, after the same gap.
results.families = {};
for (const family of FAMILIES) {
  log(`cost, ${SETTINGS.gapMillis} ms gap: nodevitals ${family} family alone`);
  const name = `nodevitals:${family}`;
  results.families[family] = await runWorker('cost', [name, 'gap', SETTINGS.familySamples, SETTINGS.costWarmup, SETTINGS.gapMillis]);
}

// 2 again with a scrape-interval gap: many idle processes, one turn at a time.
log(`cost, ${SETTINGS.longGapMillis / 1000} s gap: ${SETTINGS.longGapCopies} processes each of ${COST_RUNS.join(', ')}`);
results.longGap = await turnsCost({
  gapMillis: SETTINGS.longGapMillis,
  copies: SETTINGS.longGapCopies,
  rounds: SETTINGS.longGapRounds,
  warmup: SETTINGS.longGapWarmup,
});

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

// 4: application overhead, alternating rows so drift hits all of them. The
// second uninstrumented server is measured exactly like a contender: its
// ratios to the first are what this machine can resolve. nodevitals also runs
// without any collection, to separate what its samplers cost from what a
// collection every 100 ms costs, and so does an empty SDK MeterProvider: what
// loading OpenTelemetry alone does to the server.
results.overhead = [];
const APP_ROWS = [
  { row: 'baseline', contender: 'baseline', every: 0 },
  { row: 'baseline:2', contender: 'baseline', every: 0 },
  { row: 'none', contender: 'none', every: 0 },
  { row: 'nodevitals', contender: 'nodevitals', every: SETTINGS.collectEveryMillis },
  { row: 'nodevitals:sampling', contender: 'nodevitals', every: 0 },
  ...CONTENDERS.slice(1).map((name) => ({ row: name, contender: name, every: SETTINGS.collectEveryMillis })),
];
for (let repetition = 0; repetition < SETTINGS.loadRepetitions; repetition++) {
  const order = APP_ROWS.map((_, i) => APP_ROWS[(i + repetition) % APP_ROWS.length]);
  for (const { row, contender, every } of order) {
    log(`app overhead: repetition ${repetition + 1}, ${row}`);
    const server = startWorker('server', [contender, 'app', every]);
    const { port } = await server.next('ready');
    await runWorker('client', ['load', port, SETTINGS.loadWarmup, SETTINGS.concurrency]);
    server.send({ type: 'start' });
    const client = await runWorker('client', ['load', port, SETTINGS.loadRequests, SETTINGS.concurrency]);
    server.send({ type: 'stop' });
    const { data } = await server.result;
    results.overhead.push({ repetition, ...data, name: row, clientWallMillis: client.wallMillis });
  }
}

// 4 again, inside one server process: what each always-on part costs a busy
// loop, switched on and off in random order so every part meets the same
// process and the same drift.
const ALWAYS_ON_PARTS = ['off', 'nodevitals', 'nodevitals:eventLoop', 'nodevitals:gc', 'setInterval', 'monitorEventLoopDelay'];
results.alwaysOn = [];
for (let copy = 0; copy < SETTINGS.alwaysOnServers; copy++) {
  log(`always-on parts under load: server ${copy + 1} of ${SETTINGS.alwaysOnServers}`);
  const server = startWorker('alwayson', []);
  const { port } = await server.next('ready');
  await runWorker('client', ['load', port, SETTINGS.loadWarmup, SETTINGS.concurrency]);
  const perRequest = Object.fromEntries(ALWAYS_ON_PARTS.map((part) => [part, []]));
  for (let round = 0; round < SETTINGS.alwaysOnRounds; round++) {
    const order = [...ALWAYS_ON_PARTS].sort(() => Math.random() - 0.5);
    for (const part of order) {
      const using = server.next('using');
      server.send({ type: 'use', part });
      await using;
      await runWorker('client', ['load', port, SETTINGS.loadWarmup, SETTINGS.concurrency]);
      const marked = server.next('marked');
      server.send({ type: 'mark' });
      await marked;
      await runWorker('client', ['load', port, SETTINGS.alwaysOnRequests, SETTINGS.concurrency]);
      const measured = server.next('cpu');
      server.send({ type: 'measure' });
      perRequest[part].push((await measured).micros / SETTINGS.alwaysOnRequests);
    }
  }
  server.send({ type: 'stop' });
  await server.result;
  results.alwaysOn.push(perRequest);
}

// 5: heap retained.
results.heap = {};
for (const name of ['none', ...CONTENDERS]) {
  log(`heap: ${name}`);
  results.heap[name] = await runWorker('heap', [name, SETTINGS.heapFirst, SETTINGS.heapSecond], { execArgv: ['--expose-gc'] });
}

// Per Node line (22, 24, 26 where installed): what each contender costs an
// idle process (main-thread wake-ups, CPU, heap filled between collections),
// and what it costs a small HTTP server's request path under autocannon on
// loopback, as ratios to the same server with no instrumentation, in the same
// run. Each server collects every lineCollectEveryMillis, as a scrape would.
results.lines = {};
results.lineIdleFlags = IDLE_FLAGS;
// Idle first, every line at once: idle processes barely run, and the window
// opens late (lineIdleWarmSeconds) to read the steady state.
log(`idle cost on every Node line, ${SETTINGS.lineIdleRounds} rounds, all at once (${SETTINGS.lineIdleWarmSeconds + SETTINGS.lineIdleSeconds} s)`);
const lines = nodeLines();
const idleByLine = await Promise.all(
  lines.map(({ execPath }) =>
    idleRunsOnLine(execPath, { seconds: SETTINGS.lineIdleSeconds, warm: SETTINGS.lineIdleWarmSeconds, rounds: SETTINGS.lineIdleRounds }),
  ),
);
for (const [index, { line, execPath }] of lines.entries()) {
  const row = (results.lines[line] = { idleRuns: idleByLine[index], load: [] });
  log(`Node ${line}: event-loop sampler cost per loop iteration`);
  row.iterationCost = await runWorker('iterationCost', [SETTINGS.lineIterationRounds, SETTINGS.lineIterationTrips], { execPath });
  log(`Node ${line}: the slot rotation's cost once compiled`);
  row.rotationCost = await runWorker('rotationCost', [SETTINGS.lineRotationBlocks, SETTINGS.lineRotationRounds], { execPath, execArgv: IDLE_FLAGS });
  const names = ['baseline', ...CONTENDERS];
  for (let repetition = 0; repetition < SETTINGS.lineLoadRepetitions; repetition++) {
    for (const name of names.map((_, i) => names[(i + repetition) % names.length])) {
      log(`Node ${line}: request path under autocannon, repetition ${repetition + 1}, ${name}`);
      const server = startWorker('server', [name, 'app', name === 'baseline' ? 0 : SETTINGS.lineCollectEveryMillis], { execPath });
      const { port } = await server.next('ready');
      await runWorker('loadgen', [port, 1, SETTINGS.lineConnections]);
      server.send({ type: 'start' });
      const load = await runWorker('loadgen', [port, SETTINGS.lineLoadSeconds, SETTINGS.lineConnections]);
      server.send({ type: 'stop' });
      const { data } = await server.result;
      row.load.push({ repetition, name, ...load, serverCpuMicrosPerRequest: data.cpuMicros / Math.max(1, data.requests) });
    }
  }
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

clearInterval(loadTimer);
results.load.push(loadavg()[0]);
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
