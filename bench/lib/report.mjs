// Turns the raw results into tables (console and docs/benchmarks.md) and the
// SVG chart of cost per collection. Everything here is derived from
// bench/results/<mode>.json; nothing is typed in by hand.
import { median, medianRun, summarize } from './stats.mjs';

const NAMES = {
  floor: 'raw-API floor (one read of each API)',
  none: 'empty SDK MeterProvider (no instruments)',
  'sdk:nodevitals': "SDK alone, nodevitals' points as constants",
  'sdk:runtime-node': "SDK alone, runtime-node's points as constants",
  nodevitals: 'nodevitals',
  'runtime-node': 'runtime-node 0.37.0',
  'prom-client': 'prom-client collectDefaultMetrics',
  baseline: 'no instrumentation',
  'baseline:2': 'no instrumentation, second copy (the resolution)',
  'nodevitals:sampling': 'nodevitals, never collected (samplers and observers only)',
};
const ALWAYS_ON_PARTS = ['nodevitals', 'nodevitals:eventLoop', 'nodevitals:gc', 'setInterval', 'monitorEventLoopDelay'];
const ALWAYS_ON_NAMES = {
  nodevitals: 'nodevitals, all five families',
  'nodevitals:eventLoop': 'nodevitals, event-loop family alone (its 10 ms sampler)',
  'nodevitals:gc': 'nodevitals, gc family alone (its gc observer)',
  setInterval: 'a bare `setInterval(() => {}, 10)`, unref\'d',
  monitorEventLoopDelay: "`monitorEventLoopDelay({ resolution: 10 })`: Node's native timer, what both peers sample with",
};
const APP_ROWS = ['baseline', 'baseline:2', 'none', 'nodevitals', 'nodevitals:sampling', 'runtime-node', 'prom-client'];
const APP_NAMES = { none: 'empty SDK MeterProvider, never collected (OpenTelemetry loaded, nothing registered)' };
const CONTENDERS = ['nodevitals', 'runtime-node', 'prom-client'];
const COST_RUNS = ['floor', 'none', 'sdk:nodevitals', 'sdk:runtime-node', ...CONTENDERS];
const labelOf = (name) => (name === 'prom-client' ? `${NAMES[name]} (getMetricsAsJSON / metrics())` : NAMES[name]);
const us = (value) => (Number.isFinite(value) ? `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} µs` : 'n/a');
const ms = (value, digits = 2) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a');
const kb = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(bytes < 10240 ? 2 : 1)} KiB` : 'n/a');
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const pct = (ratio) => (Number.isFinite(ratio) ? `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %` : 'n/a');
const x = (ratio) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
/** (max - min) / median: how far apart a row's figures lie. */
const spreadOf = (values) => (Math.max(...values) - Math.min(...values)) / median(values);
const seconds = (millis) => (millis >= 1000 ? `${millis / 1000} s` : `${millis} ms`);

/** The line under a heading that says which command and worker produced the table. */
function by(results, worker, note, nodeFlags, processes = 'in a fresh process per row') {
  const command = nodeFlags ? `node ${nodeFlags} bench/workers/${worker}` : `bench/workers/${worker}`;
  return `Produced by \`${results.command}\`: \`${command}\` ${processes}${note ? `; ${note}` : ''}.\n\n`;
}

/** A line's idle rows, each the median of its runs (results saved before the runs were kept hold the rows alone). */
function lineIdle(row) {
  return row.idleRuns ? Object.fromEntries(Object.entries(row.idleRuns).map(([name, runs]) => [name, medianRun(runs)])) : row.idle;
}

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** Every derived figure the tables and the target check use. */
export function derive(results) {
  const cost = {};
  for (const [name, run] of Object.entries(results.cost)) {
    cost[name] = { ...run, collect: summarize(run.collectMicros), scrape: summarize(run.scrapeMicros) };
  }
  const families = {};
  for (const [name, run] of Object.entries(results.families)) {
    families[name] = { ...run, collect: summarize(run.collectMicros), scrape: summarize(run.scrapeMicros) };
  }
  const longGap = {};
  for (const [name, run] of Object.entries(results.longGap ?? {})) {
    longGap[name] = { ...run, collect: summarize(run.collectMicros), scrape: summarize(run.scrapeMicros) };
  }
  const apis = Object.entries(results.cost.floor.apiMicros).map(([api, values]) => [
    api,
    summarize(values),
    summarize(results.longGap?.floor?.apiMicros?.[api] ?? []),
  ]);

  const overhead = {};
  const reps = [...new Set(results.overhead.map((run) => run.repetition))];
  for (const run of results.overhead) {
    (overhead[run.name] ??= { perRequest: [], ratios: [], collections: [] }).perRequest.push(run.cpuMicros / run.requests);
    overhead[run.name].collections.push(run.collections);
  }
  for (const rep of reps) {
    const base = results.overhead.find((run) => run.repetition === rep && run.name === 'baseline');
    for (const run of results.overhead.filter((r) => r.repetition === rep)) {
      overhead[run.name].ratios.push(run.cpuMicros / run.requests / (base.cpuMicros / base.requests));
    }
  }
  // What the machine can resolve: the ratios of a second uninstrumented
  // server, measured exactly like a contender's (runs before it had one fall
  // back to the first server's spread across repetitions).
  const second = overhead['baseline:2']?.ratios;
  const basePerRequest = overhead.baseline.perRequest;
  const spread = spreadOf(basePerRequest);
  const noise = second
    ? { low: Math.min(...second), high: Math.max(...second), label: `second uninstrumented copy ${x(Math.min(...second))} .. ${x(Math.max(...second))}` }
    : { low: 1 - spread, high: 1 + spread, label: `baseline run-to-run spread ${pct(spread)}` };
  noise.within = (ratio) => ratio >= noise.low && ratio <= noise.high;

  const eventLoop = {};
  for (const name of CONTENDERS) {
    const errors = results.eventLoop[name].trials.map((trial) => {
      // nodevitals reports a window (max so far); the peers reset on every read.
      const truth = name === 'nodevitals' ? trial.largestMillis : trial.blockMillis;
      return { truth, reported: trial.reportedMillis, error: trial.reportedMillis / truth - 1 };
    });
    const abs = errors.map((e) => Math.abs(e.error));
    eventLoop[name] = {
      truth: median(errors.map((e) => e.truth)),
      reported: median(errors.map((e) => e.reported)),
      medianError: median(errors.map((e) => e.error)),
      worstError: errors[abs.indexOf(Math.max(...abs))].error,
      trials: errors.length,
    };
  }

  const gc = {};
  for (const name of CONTENDERS) {
    const run = results.gc[name];
    const total = (byType) =>
      Object.values(byType).reduce((sum, v) => ({ count: sum.count + v.count, sumMillis: sum.sumMillis + v.sumMillis }), { count: 0, sumMillis: 0 });
    const reported = total(run.reported);
    const pause = (byType) => (byType.minor?.sumMillis ?? 0) + (byType.major?.sumMillis ?? 0);
    const pauseCount = (byType) => (byType.minor?.count ?? 0) + (byType.major?.count ?? 0);
    gc[name] = {
      observedCount: run.observed.count,
      observedSum: run.observed.sumMillis,
      reportedCount: reported.count,
      reportedSum: reported.sumMillis,
      countEqual: reported.count === run.observed.count,
      sumError: reported.sumMillis / run.observed.sumMillis - 1,
      reportedPause: pause(run.reported),
      reportedPauseCount: pauseCount(run.reported),
      tracePause: pause(run.trace),
      traceCount: pauseCount(run.trace),
      traceError: pause(run.reported) / pause(run.trace) - 1,
    };
  }
  // Per server: each part's median CPU per request over the same server's "off".
  let alwaysOn;
  if (results.alwaysOn?.length) {
    alwaysOn = {};
    for (const part of ALWAYS_ON_PARTS) alwaysOn[part] = results.alwaysOn.map((server) => median(server[part]) / median(server.off));
  }
  return { cost, longGap, families, apis, overhead, noise, alwaysOn, eventLoop, gc };
}

function targets(results, d) {
  const s = results.settings;
  const ours = d.cost.nodevitals;
  const official = d.cost['runtime-node'];
  const prom = d.cost['prom-client'];
  const long = d.longGap;
  const heapRetained = results.heap.nodevitals.retainedFirst;
  const elWorst = d.eventLoop.nodevitals.worstError;
  const gcOurs = d.gc.nodevitals;
  const overheadRatio = median(d.overhead.nodevitals.ratios);
  const enoughPoints = ours.points >= official.points;
  // The collection-cost target (issue 11): per data point at most 0.6x
  // runtime-node's, and in total never above runtime-node's, at every gap.
  const perPoint = (c) => c.collect.median / c.points;
  const costRows = (label, mine, theirs) => {
    const pointRatio = perPoint(mine) / perPoint(theirs);
    const totalRatio = mine.collect.median / theirs.collect.median;
    return [
      [
        `collect cost per data point <= 0.6x runtime-node's (${label})`,
        `${x(pointRatio)} (${us(perPoint(mine))} vs ${us(perPoint(theirs))} a point; ${mine.points} vs ${theirs.points} points)`,
        pointRatio <= 0.6 ? 'met' : `missed: ${x(pointRatio / 0.6)} the target`,
      ],
      [
        `collect cost in total <= runtime-node's reader.collect() (${label})`,
        `${x(totalRatio)} (${us(mine.collect.median)} vs ${us(theirs.collect.median)})`,
        totalRatio <= 1 ? 'met' : `missed by ${pct(totalRatio - 1)}`,
      ],
    ];
  };
  const scrapeRow = (label, mine, theirs) => {
    const ratio = mine.scrape.median / theirs.scrape.median;
    return [
      `collect + serialisation < prom-client's register.metrics() (${label})`,
      `${x(ratio)} (${us(mine.scrape.median)} vs ${us(theirs.scrape.median)})`,
      ratio < 1 ? 'met' : `missed by ${pct(ratio - 1)}`,
    ];
  };
  const hasLong = long.nodevitals && long['runtime-node'] && long['prom-client'];
  // What the SDK alone costs for runtime-node's own points: no instrumentation
  // that reports through the SDK can collect for less.
  const boundRow = (label, sdkAlone, theirs) => {
    const ratio = perPoint(sdkAlone) / perPoint(theirs);
    return [
      `bound beside the per-point row: the SDK alone, fed runtime-node's own points as constants (${label})`,
      `${x(ratio)} a point (${us(sdkAlone.collect.median)} for ${sdkAlone.points} points, nothing read)`,
      ratio > 0.6 ? 'the 0.6x per-point target is out of reach through the SDK' : 'reachable through the SDK',
    ];
  };
  const sdkAlone = d.cost['sdk:runtime-node'];
  const longSdkAlone = long['sdk:runtime-node'];
  const rows = [
    ...(hasLong ? costRows(`${seconds(s.longGapMillis)} gap`, long.nodevitals, long['runtime-node']) : []),
    ...(hasLong && longSdkAlone ? [boundRow(`${seconds(s.longGapMillis)} gap`, longSdkAlone, long['runtime-node'])] : []),
    ...costRows(`${s.gapMillis} ms gap`, ours, official),
    ...(sdkAlone ? [boundRow(`${s.gapMillis} ms gap`, sdkAlone, official)] : []),
    ...(hasLong ? [scrapeRow(`${seconds(s.longGapMillis)} gap`, long.nodevitals, long['prom-client'])] : []),
    scrapeRow(`${s.gapMillis} ms gap`, ours, prom),
    [
      `heap retained < 1 MB (after ${results.settings.heapFirst} collections)`,
      `${mib(heapRetained)}; growth ${results.settings.heapFirst}->${results.settings.heapSecond}: ${mib(results.heap.nodevitals.growth)}`,
      heapRetained < 1e6 ? 'met' : `missed by ${mib(heapRetained - 1e6)}`,
    ],
    [
      'event-loop max within 5 % of the injected block',
      `worst ${pct(elWorst)}, median ${pct(d.eventLoop.nodevitals.medianError)} over ${d.eventLoop.nodevitals.trials} blocks`,
      Math.abs(elWorst) <= 0.05 ? 'met' : 'missed',
    ],
    [
      'GC count and sum equal to the gc performance entries',
      `${gcOurs.reportedCount} vs ${gcOurs.observedCount} entries; sum ${pct(gcOurs.sumError)}`,
      gcOurs.countEqual && Math.abs(gcOurs.sumError) < 1e-9 ? 'met' : 'missed',
    ],
    [
      'minor+major pause within 3 % of --trace-gc',
      `${ms(gcOurs.reportedPause)} vs ${ms(gcOurs.tracePause)} (${pct(gcOurs.traceError)})`,
      Math.abs(gcOurs.traceError) <= 0.03 ? 'met' : `missed by ${pct(Math.abs(gcOurs.traceError) - 0.03)}`,
    ],
    [
      'app overhead indistinguishable from none',
      `median ratio ${x(overheadRatio)}; ${d.noise.label}`,
      d.noise.within(overheadRatio) ? 'met' : overheadRatio > d.noise.high ? `missed by ${pct(overheadRatio - d.noise.high)}` : 'below the range: re-run',
    ],
  ];
  rows.push(...lineTargets(results));
  return table(['target (issues 5 and 11)', 'measured', 'result'], rows);
}

/** A rotation's cost (rotationCost.mjs) as rates at one rotation per default 10 s slot. */
function rotationRates(cost) {
  return { kibPerSecond: cost.bytesPerRotation / 10 / 1024, msPerSecond: cost.microsPerRotation / 10 / 1000 };
}

/** The slot rotation's cost once compiled, per line (bench/workers/rotationCost.mjs). */
function rotationSentence(results) {
  const s = results.settings;
  const costs = Object.entries(results.lines).filter(([, row]) => row.rotationCost);
  if (costs.length === 0) return '';
  const rows = costs.map(([line, { rotationCost: r }]) => `Node ${line} ${r.bytesPerRotation.toFixed(0)} B and ${r.microsPerRotation.toFixed(1)} µs`);
  const rates = costs.map(([, row]) => rotationRates(row.rotationCost));
  return (
    `Once compiled (\`rotationCost.mjs ${s.lineRotationBlocks} ${s.lineRotationRounds}\`: the rotation run by hand ` +
    `${s.lineRotationRounds} times in a block, against the same loop without it, median of ${s.lineRotationBlocks} blocks), ` +
    `one rotation allocates and takes: ${rows.join('; ')}; at one per 10 s that is at most ` +
    `${Math.max(...rates.map((r) => r.kibPerSecond)).toFixed(2)} KiB/s and ${Math.max(...rates.map((r) => r.msPerSecond)).toFixed(4)} ms/s.`
  );
}

/**
 * A sentence on what each line allocates between collections, from the
 * per-line idle rows, with the reason the early windows read higher.
 */
function betweenCollections(results) {
  if (!results.lines) return '';
  const s = results.settings;
  const kib = (run) => `${(run.bytesPerSecond / 1024).toFixed(1)}`;
  const perLine = Object.entries(results.lines)
    .map(([line, row]) => [line, lineIdle(row)])
    .filter(([, idle]) => idle.nodevitals && idle.none)
    .map(([line, idle]) => {
      const peers = CONTENDERS.filter((name) => name !== 'nodevitals' && idle[name]).map((name) => `${name} ${kib(idle[name])}`);
      return `Node ${line}: nodevitals ${kib(idle.nodevitals)} KiB/s, none ${kib(idle.none)}, ${peers.join(', ')}`;
    });
  return (
    ` Between collections, ${s.lineIdleWarmSeconds ?? 1} s into an idle life (${perLine.join('; ')}), nodevitals runs ` +
    `one piece of JavaScript: the slot rotation every 10 s, which moves the per-iteration histogram into the window ` +
    `(on Node 22 the check-phase callback also runs once per loop iteration, and an idle loop has almost none). ` +
    `V8 compiles that code tier by tier over its first runs (baseline code for the rotation's functions and Node's ` +
    `timer internals showed up through the ninth rotation under \`--trace-baseline-batch-compilation\`), so a window ` +
    `opened early reads that one-off code as a rate` +
    ((s.lineIdleWarmSeconds ?? 1) > 60 ? '; the per-line window opens late for that reason.' : ' (this run opened its window early: read its garbage figures as an upper bound).')
  );
}

/**
 * Issue 11's idle targets, per Node line, from the per-line idle rows (each a
 * median of its runs): the wake-ups nodevitals adds; its idle CPU next to the
 * cheapest peer's and, where Node samples per iteration natively, next to
 * the spread of the uninstrumented runs (the machine's noise for doing
 * nothing); its garbage next to the peers'.
 */
function lineTargets(results) {
  if (!results.lines) return [];
  const peers = CONTENDERS.filter((name) => name !== 'nodevitals');
  const rows = [];
  for (const [line, row] of Object.entries(results.lines)) {
    const idle = lineIdle(row);
    const idleRuns = row.idleRuns;
    const ours = idle.nodevitals;
    const none = idle.none;
    if (!ours || !none || peers.some((name) => !idle[name])) continue;
    const noneRuns = idleRuns?.none ?? [none];
    const spread = (field, scale, digits) => {
      const values = noneRuns.map((run) => run[field] / scale);
      return `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
    };
    const highestNone = (field) => Math.max(...noneRuns.map((run) => run[field]));
    // The rotation once compiled, at one per default 10 s slot: what the window's one-off compiling hides.
    const hot = row.rotationCost;
    const hotRates = hot && rotationRates(hot);
    const hotBytes = hot ? `; once compiled, a slot rotation allocates ${hot.bytesPerRotation.toFixed(0)} B (${hotRates.kibPerSecond.toFixed(2)} KiB/s at one per 10 s)` : '';
    const hotCpu = hot ? `; once compiled, a slot rotation takes ${hot.microsPerRotation.toFixed(1)} µs (${hotRates.msPerSecond.toFixed(4)} ms/s)` : '';
    const added = ours.wakeupsPerSecond - none.wakeupsPerSecond;
    rows.push([
      `Node ${line}: idle main-thread wake-ups nodevitals adds <= 1 / s`,
      `${added.toFixed(1)} / s (${ours.wakeupsPerSecond.toFixed(1)} vs ${none.wakeupsPerSecond.toFixed(1)} uninstrumented)`,
      added <= 1 ? 'met' : `missed by ${(added - 1).toFixed(1)} / s`,
    ]);
    const cpu = ours.cpuMicrosPerSecond;
    if (ours.nativePerIteration) {
      rows.push([
        `Node ${line}: idle CPU within the noise of no instrumentation (Node's own per-iteration histogram)`,
        `${(cpu / 1000).toFixed(2)} ms/s vs uninstrumented ${(none.cpuMicrosPerSecond / 1000).toFixed(2)} (its ${noneRuns.length} runs ${spread('cpuMicrosPerSecond', 1000, 2)})${hotCpu}`,
        cpu <= highestNone('cpuMicrosPerSecond') ? 'met' : `missed by ${((cpu - highestNone('cpuMicrosPerSecond')) / 1000).toFixed(2)} ms/s over the highest`,
      ]);
    }
    const cheapest = peers.reduce((best, name) => (idle[name].cpuMicrosPerSecond < idle[best].cpuMicrosPerSecond ? name : best));
    rows.push([
      `Node ${line}: idle CPU at or below the cheapest peer's`,
      `${(cpu / 1000).toFixed(2)} ms/s vs ${NAMES[cheapest]} ${(idle[cheapest].cpuMicrosPerSecond / 1000).toFixed(2)}; uninstrumented ${(none.cpuMicrosPerSecond / 1000).toFixed(2)}`,
      cpu <= idle[cheapest].cpuMicrosPerSecond ? 'met' : `missed by ${pct(cpu / idle[cheapest].cpuMicrosPerSecond - 1)}`,
    ]);
    const leanest = peers.reduce((best, name) => (idle[name].bytesPerSecond < idle[best].bytesPerSecond ? name : best));
    const valid = ours.gcs === 0 && idle[leanest].gcs === 0 && none.gcs === 0;
    const bytes = ours.bytesPerSecond;
    rows.push([
      `Node ${line}: garbage between collections at or below the peers'`,
      `${(bytes / 1024).toFixed(1)} KiB/s vs ${NAMES[leanest]} ${(idle[leanest].bytesPerSecond / 1024).toFixed(1)}; uninstrumented ${(none.bytesPerSecond / 1024).toFixed(1)} (runs ${spread('bytesPerSecond', 1024, 1)})${hotBytes}`,
      !valid
        ? 'a GC ran in the window: re-run'
        : bytes <= idle[leanest].bytesPerSecond
          ? 'met'
          : bytes <= highestNone('bytesPerSecond')
            ? 'met: tied, within the uninstrumented runs'
            : `missed by ${pct(bytes / idle[leanest].bytesPerSecond - 1)}`,
    ]);
  }
  return rows;
}

export function renderTables(results) {
  const d = derive(results);
  const s = results.settings;
  const out = [];
  out.push(`### Targets\n\n${targets(results, d)}`);
  out.push(
    `### Size of one collection (default settings)\n\n` +
      by(results, `cost.mjs <contender> turns 0 ${s.costWarmup} ${s.gapMillis} ${s.gapMillis}`, 'the same runs as the next table') +
      table(
        ['contender', 'data points', 'Prometheus samples', 'exposition bytes', 'OTLP protobuf bytes / export', 'same, gzip'],
        CONTENDERS.map((name) => {
          const c = d.cost[name];
          return [NAMES[name], c.points, c.samples, c.expositionBytes, c.otlpBytes ?? 'n/a (no OTLP)', c.otlpGzipBytes ?? 'n/a'];
        }),
      ),
  );
  out.push(
    `### Cost per collection (${s.gapMillis} ms idle before every call; ${s.costCopies} process${s.costCopies > 1 ? 'es' : ''} per row, ${s.costCopies * COST_RUNS.length} in all, taking turns)\n\n` +
      by(results, `cost.mjs <row> turns 0 ${s.costWarmup} ${s.gapMillis} ${s.gapMillis}`, `${s.costSamples * 2} rounds of turns handed out by run.mjs (turnsCost); ${s.costSamples * s.costCopies} calls of each kind per row (the floor ${Math.round((s.costSamples * 2 * s.costCopies) / 3)})`) +
      table(
        ['contender', 'data points', 'collect median', 'collect p99', 'collect + Prometheus text median', 'p99', 'collect vs runtime-node'],
        COST_RUNS.filter((name) => d.cost[name]).map((name) => {
          const c = d.cost[name];
          return [labelOf(name), c.points || '', us(c.collect.median), us(c.collect.p99), us(c.scrape.median), us(c.scrape.p99), x(c.collect.median / d.cost['runtime-node'].collect.median)];
        }),
      ),
  );
  if (Object.keys(d.longGap).length) {
    const official = d.longGap['runtime-node'];
    out.push(
      `### Cost per collection after a scrape-interval gap (${seconds(s.longGapMillis)} idle before every call; ${s.longGapCopies} processes per row, ${s.longGapCopies * COST_RUNS.length} in all, taking turns)\n\n` +
        by(results, `cost.mjs <row> turns 0 ${s.longGapWarmup} ${s.longGapMillis} ${s.gapMillis}`, `${s.longGapRounds} rounds of turns handed out by run.mjs (turnsCost)`) +
        table(
          ['contender', 'calls', 'collect median', 'collect p90', `vs ${s.gapMillis} ms gap`, 'collect + Prometheus text median', 'p90', `vs ${s.gapMillis} ms gap`, 'collect vs runtime-node'],
          COST_RUNS.filter((name) => d.longGap[name]).map((name) => {
            const c = d.longGap[name];
            const short = d.cost[name];
            return [
              labelOf(name),
              c.collect.n,
              us(c.collect.median),
              us(c.collect.p90),
              x(c.collect.median / short.collect.median),
              us(c.scrape.median),
              us(c.scrape.p90),
              x(c.scrape.median / short.scrape.median),
              official ? x(c.collect.median / official.collect.median) : 'n/a',
            ];
          }),
        ),
    );
  }
  out.push(
    `### nodevitals per family (one family enabled, ${s.familySamples} calls each)\n\n` +
      by(results, `cost.mjs nodevitals:<family> gap ${s.familySamples} ${s.costWarmup} ${s.gapMillis}`) +
      table(
        ['family', 'data points', 'collect median', 'minus empty SDK', 'collect + Prometheus text median'],
        Object.entries(d.families).map(([family, c]) => [
          family,
          c.points,
          us(c.collect.median),
          us(c.collect.median - d.cost.none.collect.median),
          us(c.scrape.median),
        ]),
      ),
  );
  if (results.callbacks) {
    out.push(
      `### Where one collect goes: the instrumentation's own callbacks vs the SDK around them (${s.familySamples} calls each)\n\n` +
        by(results, `callbacks.mjs <contender> ${s.familySamples} ${s.costWarmup} ${s.gapMillis}`) +
        table(
          ['contender', 'callback (first instrument, + others)', 'median', 'p99'],
          Object.entries(results.callbacks).flatMap(([name, run]) => {
            const rows = Object.entries(run.callbacks).map(([label, values]) => {
              const st = summarize(values);
              return [NAMES[name], `\`${label}\``, us(st.median), us(st.p99)];
            });
            const own = summarize(run.total.map((_, i) => Object.values(run.callbacks).reduce((sum, v) => sum + (v[i] ?? 0), 0)));
            const total = summarize(run.total);
            const sdk = summarize(run.total.map((t, i) => t - Object.values(run.callbacks).reduce((sum, v) => sum + (v[i] ?? 0), 0)));
            rows.push([NAMES[name], '**all callbacks**', us(own.median), us(own.p99)]);
            rows.push([NAMES[name], '**SDK outside the callbacks**', us(sdk.median), us(sdk.p99)]);
            rows.push([NAMES[name], '**whole reader.collect()**', us(total.median), us(total.p99)]);
            return rows;
          }),
        ),
    );
  }
  out.push(
    `### Raw-API floor, per API (one call each, after the same idle gaps)\n\n` +
      by(results, 'cost.mjs floor', 'the floor rows of the two cost tables') +
      table(
        ['API', `median, ${s.gapMillis} ms gap`, 'p99', `median, ${seconds(s.longGapMillis)} gap`, 'p90'],
        d.apis.map(([api, short, long]) => [`\`${api}\``, us(short.median), us(short.p99), us(long.median), us(long.p90)]),
      ) +
      '\n\nThe last two rows are not part of the floor: resolving `/proc/self/fd` by path on every collection, as ' +
      'nodevitals counted descriptors before it kept a descriptor open, and what both peers read and nodevitals does not.',
  );
  out.push(
    `### Prometheus scrape latency from another process (${s.scrapes} sequential GETs, ${s.gapMillis} ms apart, keep-alive)\n\n` +
      by(results, `server.mjs <contender> scrape 0\` and \`client.mjs scrape <port> ${s.scrapes} ${s.gapMillis}`) +
      table(
        ['contender', 'median', 'p99', 'body bytes'],
        CONTENDERS.map((name) => {
          const st = summarize(results.scrape[name].latencyMicros);
          return [NAMES[name], us(st.median), us(st.p99), results.scrape[name].bytes];
        }),
      ),
  );
  out.push(
    `### Application overhead (server CPU per request; ${s.loadRequests} requests x ${s.loadRepetitions} alternating repetitions, ${s.concurrency} in flight, collect + serialise every ${s.collectEveryMillis} ms)\n\n` +
      by(results, `server.mjs <contender> app ${s.collectEveryMillis}\` (\`app 0\`: never collected) and \`client.mjs load <port> ${s.loadRequests} ${s.concurrency}`) +
      table(
        ['contender', 'CPU µs / request, per repetition', 'median ratio to none', 'range of ratios'],
        APP_ROWS.filter((name) => d.overhead[name]).map((name) => {
          const o = d.overhead[name];
          return [
            APP_NAMES[name] ?? NAMES[name],
            o.perRequest.map((v) => v.toFixed(1)).join(', '),
            x(median(o.ratios)),
            `${x(Math.min(...o.ratios))} .. ${x(Math.max(...o.ratios))}`,
          ];
        }),
      ) +
      `\n\nWhat this machine resolves: ${d.noise.label}. A ratio inside that range cannot be told apart from no instrumentation.`,
  );
  if (d.alwaysOn) {
    out.push(
      `### What runs between collections, under the same load (inside one server process; ${s.alwaysOnServers} server${s.alwaysOnServers > 1 ? 's' : ''} x ${s.alwaysOnRounds} rounds x ${s.alwaysOnRequests} requests, parts switched in random order)\n\n` +
        `Produced by \`${results.command}\`: \`bench/workers/alwayson.mjs\` and \`client.mjs load <port> ${s.alwaysOnRequests} ${s.concurrency}\`; ` +
        `every part measured in each server process.\n\n` +
        table(
          ['part', 'CPU per request vs off, per server', 'median'],
          ALWAYS_ON_PARTS.map((part) => [ALWAYS_ON_NAMES[part], d.alwaysOn[part].map(x).join(', '), x(median(d.alwaysOn[part]))]),
        ) +
        `\n\nThe server switches parts on and off itself, so every part meets the same process: the differences between ` +
        `processes that limit the table above do not enter here. Nothing collects; this is what a part costs a busy loop by existing.`,
    );
  }
  out.push(
    `### Heap retained (used heap after forced GC, minus before setup)\n\n` +
      by(results, `heap.mjs <contender> ${s.heapFirst} ${s.heapSecond}`, 'each figure the median of three readings 100 collections apart', '--expose-gc') +
      table(
        ['contender', `after ${s.heapFirst} collections`, `after ${s.heapSecond}`, `growth ${s.heapFirst} -> ${s.heapSecond}`, `of which compiled code (code space), after ${s.heapFirst} / ${s.heapSecond}`],
        ['none', ...CONTENDERS].map((name) => {
          const h = results.heap[name];
          const code = Number.isFinite(h.codeFirst) ? `${mib(h.codeFirst)} / ${mib(h.codeSecond)}` : 'n/a';
          return [NAMES[name], mib(h.retainedFirst), mib(h.retainedSecond), mib(h.growth), code];
        }),
      ),
  );
  out.push(
    `### Event-loop delay max vs injected ${s.blockMillis} ms blocks (${s.eventLoopTrials} blocks)\n\n` +
      by(results, `eventloop.mjs <contender> ${s.eventLoopTrials} ${s.blockMillis}`) +
      table(
        ['contender', 'block (median)', 'reported max (median)', 'median error', 'worst error'],
        CONTENDERS.map((name) => {
          const e = d.eventLoop[name];
          return [NAMES[name], ms(e.truth), ms(e.reported), pct(e.medianError), pct(e.worstError)];
        }),
      ),
  );
  out.push(
    `### GC: reported vs an independent observer of \`gc\` entries, and vs \`--trace-gc\`\n\n` +
      by(results, `gc.mjs <contender> ${s.gcRounds}`, undefined, '--expose-gc --trace-gc') +
      table(
        ['contender', 'entries', 'reported count', 'entries sum', 'reported sum', 'sum error', 'minor+major reported', '--trace-gc minor+major', 'error'],
        CONTENDERS.map((name) => {
          const g = d.gc[name];
          return [
            NAMES[name],
            g.observedCount,
            g.reportedCount,
            ms(g.observedSum, 3),
            ms(g.reportedSum, 3),
            pct(g.sumError),
            `${ms(g.reportedPause)} (${g.reportedPauseCount})`,
            `${ms(g.tracePause)} (${g.traceCount})`,
            pct(g.traceError),
          ];
        }),
      ),
  );
  if (results.lines) out.push(...lineTables(results));
  return out.join('\n\n');
}

/**
 * One Node line's per-iteration cost rows (bench/workers/iterationCost.mjs):
 * [line, part, median CPU per iteration, what the part adds to none, p25-p75].
 */
export function iterationCostRows(line, blocks) {
  const none = median(blocks.none);
  return Object.entries(blocks).map(([part, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const cost = median(values);
    const quartiles = `${sorted[Math.floor(sorted.length / 4)].toFixed(2)}-${sorted[Math.floor((3 * sorted.length) / 4)].toFixed(2)} µs`;
    return [line, part, `${cost.toFixed(2)} µs`, part === 'none' ? '' : `${cost - none >= 0 ? '+' : ''}${(cost - none).toFixed(2)} µs`, quartiles];
  });
}

/** The per-Node-line tables: idle cost, the sampler's cost per loop iteration, and the request path under autocannon as ratios to no instrumentation. */
function lineTables(results) {
  const s = results.settings;
  const lines = Object.keys(results.lines);
  const idleRows = [];
  const loadRows = [];
  /** Lines whose uninstrumented repetitions alone spread too far for the ratios to mean anything. */
  const unresolved = [];
  const iterationRows = [];
  for (const line of lines) {
    const { load, iterationCost } = results.lines[line];
    const idle = lineIdle(results.lines[line]);
    if (iterationCost) iterationRows.push(...iterationCostRows(line, iterationCost));
    for (const name of ['none', ...CONTENDERS]) {
      const r = idle[name];
      if (!r) continue;
      const runs = results.lines[line].idleRuns?.[name] ?? [r];
      const range = (field, scale, digits) => {
        if (runs.length < 2) return '';
        const values = runs.map((run) => run[field] / scale);
        return ` (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
      };
      idleRows.push([
        line,
        NAMES[name],
        Number.isFinite(r.wakeupsPerSecond) ? r.wakeupsPerSecond.toFixed(1) : 'n/a',
        `${(r.cpuMicrosPerSecond / 1000).toFixed(2)}${range('cpuMicrosPerSecond', 1000, 2)}`,
        `${(r.bytesPerSecond / 1024).toFixed(1)}${range('bytesPerSecond', 1024, 1)}`,
        r.gcs,
      ]);
    }
    const of = (name, field) => median(load.filter((row) => row.name === name).map((row) => row[field]));
    const baselineRates = load.filter((row) => row.name === 'baseline').map((row) => row.requestsPerSecond);
    if (baselineRates.length > 1 && Math.max(...baselineRates) > 1.15 * Math.min(...baselineRates)) {
      unresolved.push(`Node ${line} (${Math.min(...baselineRates).toFixed(0)}-${Math.max(...baselineRates).toFixed(0)} requests/s)`);
    }
    const base = { rps: of('baseline', 'requestsPerSecond'), p50: of('baseline', 'p50Millis'), p99: of('baseline', 'p99Millis'), cpu: of('baseline', 'serverCpuMicrosPerRequest') };
    for (const name of ['baseline', ...CONTENDERS]) {
      if (!load.some((row) => row.name === name)) continue;
      const rps = of(name, 'requestsPerSecond');
      const p50 = of(name, 'p50Millis');
      const p99 = of(name, 'p99Millis');
      const cpu = of(name, 'serverCpuMicrosPerRequest');
      const errors = load.filter((row) => row.name === name).reduce((sum, row) => sum + row.errors, 0);
      loadRows.push([
        line,
        NAMES[name],
        `${rps.toFixed(0)} (${x(rps / base.rps)})`,
        `${ms(p50)} (${x(p50 / base.p50)})`,
        `${ms(p99)} (${x(p99 / base.p99)})`,
        `${us(cpu)} (${x(cpu / base.cpu)})`,
        errors,
      ]);
    }
  }
  return [
    `### Per Node line: between collections, idle (a ${s.lineIdleSeconds} s window opening ${s.lineIdleWarmSeconds ?? 1} s after one collection; medians of ${s.lineIdleRounds ?? 1} run${(s.lineIdleRounds ?? 1) > 1 ? 's' : ''}, range in brackets)\n\n` +
      by(
        results,
        `idle.mjs <contender> ${s.lineIdleSeconds} ${s.lineIdleWarmSeconds ?? 1}`,
        `per installed Node line, the runs of every line at once, no instrumentation twice as often as each contender; also \`node bench/idleLines.mjs\``,
        (results.lineIdleFlags ?? ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64']).join(' '),
        'each row the median of its runs, each run a fresh process',
      ) +
      table(['Node', 'contender', 'main-thread wake-ups / s', 'CPU ms / s (all threads)', 'heap KiB / s', 'GCs in any run (0: heap figure valid)'], idleRows) +
      `\n\nWake-ups are the main thread's voluntary context switches in the window (/proc): each is one sleep in epoll that ` +
      `something ended. nodevitals arms no sampling timer on any line: it samples each loop iteration, natively on 24.21+ ` +
      `and 26.5+, from an unref'd check-phase callback elsewhere. CPU is the scheduler's own count of nanoseconds on a CPU, ` +
      `all threads (/proc/self/task/*/schedstat): getrusage counts in 10 ms ticks on this kernel, as much as a whole ` +
      `idle window's CPU. Between collections nodevitals runs one timer, the slot rotation every 10 s, and this window ` +
      `holds one; early in a process's life V8 is still compiling the rotation's code tier by tier, a one-off. ` +
      rotationSentence(results),
    ...(iterationRows.length === 0
      ? []
      : [
          `### Per Node line: the event-loop sampler's cost per loop iteration (one process per line, ${s.lineIterationRounds} rounds of ${s.lineIterationTrips} loopback round trips per part)\n\n` +
            by(results, `iterationCost.mjs ${s.lineIterationRounds} ${s.lineIterationTrips}`, 'once per installed Node line; also `node bench/iterationCost.mjs`') +
            table(['Node', 'part', 'CPU / iteration (median block)', 'added to none', 'p25-p75 of blocks'], iterationRows) +
            `\n\nA loop that does almost nothing per iteration (one byte echoed over loopback, two iterations per round trip) ` +
            `is the worst case for a per-iteration cost: a real server does far more per iteration, and the 10 ms timers ` +
            `cost such a loop nothing extra because it never sleeps. On Node 22 "nodevitals" is the check-phase callback ` +
            `(one JavaScript call and one immediate per iteration); on 24 and 26 it is Node's own histogram plus the window's slot timer. ` +
            `Blocks of the same part spread by more than the differences between parts on this machine: read the medians as an upper bound.`,
        ]),
    `### Per Node line: request path under a real load generator (autocannon, ${s.lineConnections} keep-alive connections, ${s.lineLoadSeconds} s per row after 1 s of warm-up, ${s.lineLoadRepetitions} repetition${s.lineLoadRepetitions > 1 ? 's' : ''}; medians)\n\n` +
      by(results, `server.mjs <contender> app ${s.lineCollectEveryMillis}\` against \`loadgen.mjs <port> ${s.lineLoadSeconds} ${s.lineConnections}`, `the server collects every ${seconds(s.lineCollectEveryMillis)} as a scrape would; ratios to no instrumentation on the same line in the same run`) +
      table(['Node', 'contender', 'requests / s (ratio)', 'latency p50 (ratio)', 'latency p99 (ratio)', 'server CPU / request (ratio)', 'errors'], loadRows) +
      `\n\nLatency is each successful response's time as autocannon measures it, kept to the microsecond (autocannon's own ` +
      `summary rounds to whole milliseconds). The load generator and the server share this machine's ${results.machine.nproc} cores, and other work may share them too ` +
      `(see the load average of the run): ratios within a few percent of 1.00x are below what such a run can resolve.` +
      (unresolved.length > 0
        ? ` **In this run, the repetitions of no instrumentation alone spread by more than 15 % on ${unresolved.join(', ')}: ` +
          `the ratios on ${unresolved.length > 1 ? 'those lines' : 'that line'} measure the machine, not the contenders.**`
        : ''),
  ];
}

export function renderMarkdown(results) {
  const m = results.machine;
  const s = results.settings;
  const v = results.versions;
  return `# Benchmarks

<!-- Generated by \`${results.command}\` (bench/run.mjs) on ${results.date}. Do not edit by hand: re-run it. -->

nodevitals next to the official \`@opentelemetry/instrumentation-runtime-node\` and \`prom-client\`'s
\`collectDefaultMetrics()\`, measured by the same code in one run, each contender in fresh child
processes. Every figure on this page comes from one command, run from the repository root:

\`\`\`sh
pnpm install && pnpm bench      # about ${Math.ceil(results.durationSeconds / 60)} minutes; writes this page and benchmarks-collect.svg
pnpm bench:quick                # smaller samples, prints the same tables, writes bench/results/quick.json only (CI runs this)
\`\`\`

The raw numbers of this run are in \`bench/results/full.json\` on the machine that ran it (not
committed); \`node bench/run.mjs --report-only\` re-renders this page from them. Read the **ratios**
between contenders measured in this same run, not the absolute times: ${loadNote(results)}

## Machine and versions

| | |
|---|---|
| CPU | ${m.cpu}, ${m.nproc} cores available (nproc) |
| memory | ${m.memoryGiB} GiB |
| Node.js | ${m.node} (V8 ${m.v8}), ${m.platform} |
| commit | ${results.commit}; measured builds of @nodevitals/instrumentation and @nodevitals/exporter-presets: sha256 ${results.instrumentationBuild} (bench/.snapshot) |
${Object.entries(v).map(([name, version]) => `| \`${name}\` | ${version} |`).join('\n')}

Each contender runs with its defaults: nodevitals \`startRuntimeMetrics({ meterProvider })\` (all five
families), runtime-node \`new RuntimeNodeInstrumentation()\` with \`setMeterProvider()\`, and prom-client
\`collectDefaultMetrics()\` on its global registry. The two OpenTelemetry contenders use an SDK
\`MeterProvider\` whose only reader is \`PrometheusExporter({ preventServerStart: true })\`: its
\`collect()\` is the reader's collection (the SDK's \`MetricReader.collect()\`, the same in every SDK reader).
Prometheus text is what each contender's users get on \`GET /metrics\`, without the HTTP server:
nodevitals the serializer of the \`@nodevitals/exporter-presets\` Prometheus reader
(\`PrometheusTextSerializer\`, default unit suffixes, imported from the snapshot of its build); runtime-node
\`PrometheusSerializer.serialize()\` of \`@opentelemetry/exporter-prometheus\` ${v['@opentelemetry/exporter-prometheus']},
which its \`PrometheusExporter\` runs; prom-client \`register.metrics()\`.

## Results

![Cost per collection after both gaps: median bars, p99 / p90 whiskers](./benchmarks-collect.svg)

${renderTables(results)}

## Method

- **Size** (\`bench/workers/cost.mjs\`): after warm-up, data points of one \`reader.collect()\` (a
  histogram is one point; prom-client: one per series, from \`getMetricsAsJSON()\`), non-comment lines
  and bytes of the Prometheus exposition, and OTLP bytes per export: the collection encoded by
  \`ProtobufMetricsSerializer\` from \`@opentelemetry/otlp-transformer\` ${v['@opentelemetry/otlp-transformer']} (the
  exact bytes an OTLP/HTTP protobuf or gRPC exporter sends as the request message), also gzipped.
  Cumulative temporality (the SDK default).
- **Cost per collection** (\`cost.mjs\`, mode \`turns\`), twice, the same way. The processes of every row
  (${s.costCopies} per row after a **${s.gapMillis} ms** gap, ${s.longGapCopies} per row after a **${seconds(s.longGapMillis)}** gap, as a
  Prometheus scrape interval of 10-60 s leaves) sit idle while \`run.mjs\` hands out turns over IPC,
  round-robin, one process at a time, evenly spaced, so that every process gets one call per gap at
  most and no two calls overlap: drift in the machine's speed hits every row alike, which running the
  rows one after another does not (an earlier sequential version of the short-gap table moved the
  SDK-alone row from 0.82x to 0.31x of runtime-node between two runs). A process's calls alternate
  between \`reader.collect()\` and collect + Prometheus text (each contender's serializer, as above);
  ${s.costSamples * 2} rounds after the short gap, ${s.longGapRounds} after the long one. Before its first turn every process makes ${s.costWarmup} (short gap) or ${s.longGapWarmup} (long gap) untimed calls of each
  kind, ${s.gapMillis} ms apart: a service scraped for hours has compiled its collection code long ago, and the
  first calls of a fresh process run mostly unoptimised code (a trial with 5 s gaps and 1 warm-up call
  instead of 60 read 2.3-2.7x higher for the OpenTelemetry rows, 1.4x for prom-client). A real interval leaves the
  process idle between collections: caches and branch predictors go cold, the event-loop samplers
  tick, and the peers' \`monitorEventLoopDelay\` histograms accumulate samples until their next
  \`reset()\`; back-to-back calls would flatter everyone. prom-client's like-for-like of collect + serialise is \`register.metrics()\`;
  its "collect" column is \`register.getMetricsAsJSON()\`. Wall time (\`process.hrtime.bigint()\`) around the
  awaited call. The **raw-API floor** times, in the same way, one call of each runtime API the
  nodevitals families read in a default collection (and, on a third kind of turn, each API alone and
  the peers' \`monitorEventLoopDelay\` statistics + \`reset()\`); the per-family rows run nodevitals with only that family enabled (mode \`gap\`: one process each, one after another, timing its own gap); the
  "empty SDK" row is the reader collecting a MeterProvider with nothing registered, the part of every
  OpenTelemetry collection no instrumentation can remove. The **SDK-alone** rows collect the contender
  once (after its samplers have ticked and a few scavenges have run), then give a fresh MeterProvider the
  same instruments (name, kind, unit, bucket boundaries) and the same points (attribute sets), observed as
  constants by one batch callback and, for histograms, recorded once: what the SDK costs to collect that
  contender's output when the instrumentation itself reads nothing and runs no code of its own.
- **Where one collect goes** (\`callbacks.mjs\`): the same short-gap loop, with the contender's
  \`addBatchObservableCallback\` and \`addCallback\` callbacks wrapped to time their synchronous run
  (the peers' async callbacks do all their work before they return); the rest of \`reader.collect()\`
  is the SDK's (storage, attribute hashing, aggregation, the reader's own work).
- **Scrape latency** (\`server.mjs\`, \`client.mjs\`): a node:http server on 127.0.0.1 serving
  collect + serialise on \`/metrics\`; a client in another process does ${s.scrapes} sequential keep-alive
  GETs, ${s.gapMillis} ms apart, after 10 untimed ones.
- **Application overhead** (\`server.mjs\`, \`client.mjs\`): a trivial node:http server ("ok") with the
  contender installed and collect + Prometheus serialisation every ${s.collectEveryMillis} ms (prom-client:
  \`register.metrics()\`), loaded by a keep-alive client process on 127.0.0.1 with ${s.concurrency} requests
  in flight: ${s.loadWarmup} warm-up requests, then ${s.loadRequests} measured. The figure is the server's
  \`process.cpuUsage()\` (user + system) over the measured requests divided by their number, as a ratio
  to the uninstrumented server in the same repetition. ${s.loadRepetitions} repetitions, the order of
  rows rotating each time, every row a fresh server process. A second uninstrumented server is one
  more row, measured exactly like a contender: the range of its ratios to the first is the machine's
  resolution, and a contender whose median ratio falls inside it cannot be told apart from none.
  nodevitals also runs once per repetition with no collection at all (\`app 0\`), so its samplers and
  observers are measured apart from the collections, and so does an empty SDK MeterProvider: loading
  OpenTelemetry with nothing registered. Read the medians, not single repetitions: on this VM
  two server processes of the same row differ in CPU per request for their whole lives (compare the
  two uninstrumented rows), so a row's figures move with which processes it drew.
- **What runs between collections** (\`alwayson.mjs\`): the same server and client, but one server process
  switches between parts on request (nodevitals with all families, with one family, a bare \`setInterval\`,
  Node's \`monitorEventLoopDelay\`, or nothing), ${s.alwaysOnRounds} rounds in random order, ${s.loadWarmup} unmeasured
  requests after each switch, then ${s.alwaysOnRequests} measured; ${s.alwaysOnServers} server processes. Each part's figure is its
  median CPU per request over the same process's median with nothing on.
- **Heap** (\`heap.mjs\`, \`node --expose-gc\`): every module imported first; used heap after four
  forced GCs before setup, after ${s.heapFirst} collections and after ${s.heapSecond} (each the median of three
  readings 100 collections apart, as one reading moves by ~0.1-0.2 MB; \`reader.collect()\`;
  prom-client \`getMetricsAsJSON()\`; yielding to timers every 100 so samplers and observers run).
  The "empty SDK" row is the MeterProvider and reader alone. Used heap counts compiled code,
  bytecode and type feedback too, which grow as V8 optimises the code that runs; the code-space
  column is the compiled part of that (bytecode and feedback live in old space).
- **Event-loop accuracy** (\`eventloop.mjs\`): after 300-320 ms idle (random phase against the 10 ms
  sampling timers), a block of ${s.blockMillis} ms (\`Atomics.wait\`, which allocates and compiles nothing; its
  actual length timed with \`performance.now()\` is the truth), 60 ms idle,
  then the reported \`max\`. ${s.eventLoopTrials} blocks. runtime-node and prom-client report Node's
  \`monitorEventLoopDelay()\` as is and reset it on every read, so each read is compared with its own
  block; nodevitals reports a sliding window, so its max is compared with the largest block so far.
- **GC accuracy** (\`gc.mjs\`, \`node --expose-gc --trace-gc\`): an allocation workload of ${s.gcRounds}
  rounds (scavenges, promotion, a forced full GC every 50 rounds). An independent
  \`PerformanceObserver\` counts and sums every \`gc\` entry; the contender's reported count and sum
  (all kinds) over the same stretch are compared with it. V8's own trace of the same stretch (between
  two markers the worker writes to stdout) is parsed for Scavenge, Minor Mark-Sweep and Mark-Compact
  pauses (the first figure after "MB,") and compared with the contender's minor + major sum.

## Reading the results

${discussion(results)}
`;
}

/** What the load average says about the machine during the run, and the operator's note if any. */
function loadNote(results) {
  const loads = results.load ?? [];
  const parts = [];
  if (loads.length) {
    const low = Math.min(...loads).toFixed(1);
    const high = Math.max(...loads).toFixed(1);
    parts.push(
      `the 1-minute load average on these ${results.machine.nproc} cores ranged ${low}-${high} during the run ` +
        `(the benchmark alone keeps it near 1, except just after the per-line idle processes, dozens of them, all start ` +
        `together; more than that means other work shared the cores).`,
    );
  }
  if (results.note) parts.push(results.note);
  return parts.join(' ');
}

function discussion(results) {
  const s = results.settings;
  const d = derive(results);
  const ours = d.cost.nodevitals;
  const official = d.cost['runtime-node'];
  const prom = d.cost['prom-client'];
  const floor = d.cost.floor;
  const none = d.cost.none;
  const long = d.longGap;
  const shortGap = seconds(s.gapMillis);
  const longGap = seconds(s.longGapMillis);
  const histogramApi = d.apis.find(([api]) => api.startsWith('monitorEventLoopDelay'));
  const pathStat = d.apis.find(([api]) => api.endsWith('by path'));
  const keptStat = d.apis.find(([api]) => api.startsWith('fstatSync(kept'));
  const callbacks = results.callbacks ?? {};
  const split = (name) => {
    const run = callbacks[name];
    if (!run) return undefined;
    const own = run.total.map((_, i) => Object.values(run.callbacks).reduce((sum, v) => sum + (v[i] ?? 0), 0));
    return { own: median(own), sdk: median(run.total.map((t, i) => t - own[i])), total: median(run.total) };
  };
  const oursSplit = split('nodevitals');
  const officialSplit = split('runtime-node');
  const lines = [];

  // 1. the cost target
  const ratio = ours.collect.median / official.collect.median;
  const longRatio = long.nodevitals && long['runtime-node'] ? long.nodevitals.collect.median / long['runtime-node'].collect.median : NaN;
  const aloneTheirs = d.cost['sdk:runtime-node'];
  const aloneOurs = d.cost['sdk:nodevitals'];
  const longAloneTheirs = long['sdk:runtime-node'];
  const ownPart = aloneOurs ? ours.collect.median - aloneOurs.collect.median : NaN;
  const perPoint = (c) => c.collect.median / c.points;
  lines.push(
    `- **Collection cost (target: per data point at most 0.6x runtime-node's, and in total not above runtime-node's at any gap).** ` +
      `nodevitals emits ${ours.points} data points to runtime-node's ${official.points}; per data point its \`reader.collect()\` costs ` +
      `${x(perPoint(ours) / perPoint(official))} of runtime-node's after a ${shortGap} gap` +
      (Number.isFinite(longRatio) ? ` and ${x(perPoint(long.nodevitals) / perPoint(long['runtime-node']))} after a ${longGap} gap` : '') +
      `; in total ${x(ratio)} after ${shortGap} (${us(ours.collect.median)} vs ${us(official.collect.median)})` +
      (Number.isFinite(longRatio) ? ` and ${x(longRatio)} after ${longGap}` : '') +
      `. ${[
        perPoint(ours) / perPoint(official) <= 0.6 ? 'Per point: **met**' : `Per point: **missed** by ${x(perPoint(ours) / perPoint(official) / 0.6)} the target`,
        Math.max(ratio, Number.isFinite(longRatio) ? longRatio : 0) <= 1
          ? 'in total: **met**'
          : `in total: **missed** by ${pct(Math.max(ratio, Number.isFinite(longRatio) ? longRatio : 0) - 1)} at the worse gap`,
      ].join('; ')}.` +
      (aloneTheirs && aloneOurs
        ? ` The bound through the OpenTelemetry SDK: the SDK alone, fed runtime-node's own ${aloneTheirs.points} points as ` +
          `constants (no runtime read, no instrumentation code), costs ${x(perPoint(aloneTheirs) / perPoint(official))} of ` +
          `runtime-node's per point and ${x(aloneTheirs.collect.median / official.collect.median)} of its whole collection after ${shortGap}` +
          (longAloneTheirs && long['runtime-node'] ? ` and ${x(longAloneTheirs.collect.median / long['runtime-node'].collect.median)} after ${longGap}` : '') +
          `; fed nodevitals' ${aloneOurs.points} points it costs ${us(aloneOurs.collect.median)} (${x(aloneOurs.collect.median / official.collect.median)}). ` +
          `That is attribute hashing, delta/cumulative bookkeeping and one storage per instrument, the same code for every ` +
          `contender, and it grows with the points; an empty MeterProvider alone costs ${us(none.collect.median)}. ` +
          `What nodevitals adds on top of the SDK's share of its own points is ${us(ownPart)}: one read of each runtime API ` +
          `it reports (${us(floor.collect.median)} for the whole set, the largest ` +
          d.apis
            .filter(([api]) => !api.startsWith('monitorEventLoopDelay') && !api.endsWith('by path'))
            .sort((a, b) => b[1].median - a[1].median)
            .slice(0, 2)
            .map(([api, st]) => `\`${api}\` ${us(st.median)}`)
            .join(' and ') +
          `) and its callbacks' own code.`
        : '') +
      (oursSplit && officialSplit
        ? ` Split by \`callbacks.mjs\`: nodevitals' own callbacks take ${us(oursSplit.own)} of its ${us(oursSplit.total)} ` +
          `(mostly the API reads), the SDK the other ${us(oursSplit.sdk)}; runtime-node's callbacks take ${us(officialSplit.own)} ` +
          `of ${us(officialSplit.total)}, the SDK ${us(officialSplit.sdk)}.`
        : '') +
      (histogramApi
        ? ` Most of runtime-node's own time is Node's \`monitorEventLoopDelay\` histogram: its seven statistics and \`reset()\` ` +
          `cost ${us(histogramApi[1].median)} alone after a ${shortGap} gap (${us(histogramApi[2].median)} after ${longGap}); ` +
          `nodevitals keeps its own small delay histogram and spends a few microseconds there.`
        : '') +
      ` What nodevitals made faster for this target: one \`process.memoryUsage()\` per collection shared by the heap and ` +
      `process families (RSS from it, external memory from the heap statistics), open descriptors counted with one \`fstat\` ` +
      `of a \`/proc/self/fd\` descriptor it keeps open` +
      (pathStat && keptStat
        ? ` (${us(keptStat[1].median)} after ${shortGap} and ${us(keptStat[2].median)} after ${longGap}, where resolving the path ` +
          `on every collection cost ${us(pathStat[1].median)} and ${us(pathStat[2].median)} in this run; single calls this noisy can ` +
          `rank either way, the decision came from an interleaved A/B of the whole read set)`
        : '') +
      `, ` +
      `one batch callback for all families instead of one each, and frozen attribute sets made once. ` +
      `What is left is the SDK's share and the reads; cutting further means reporting fewer series.`,
  );

  // 2. what the gap does
  if (Object.keys(long).length) {
    lines.push(
      `- **What the idle gap does.** After ${longGap} idle instead of ${shortGap}, \`reader.collect()\` costs ` +
        ['floor', 'none', ...CONTENDERS]
          .filter((name) => long[name])
          .map((name) => `${x(long[name].collect.median / d.cost[name].collect.median)} as much for ${name === 'floor' ? 'the raw-API floor' : name === 'none' ? 'the empty SDK' : name}`)
          .join(', ') +
        `. Every contender slows down after a long idle stretch (cold caches and branch predictors, a CPU the host may ` +
        `have given to someone else), so a benchmark of back-to-back calls understates all of them. The peers' ` +
        `\`monitorEventLoopDelay\` read does not grow much with the samples it holds` +
        (histogramApi ? ` (${us(histogramApi[1].median)} with ~${Math.max(1, Math.round(s.gapMillis / 10))} samples, ${us(histogramApi[2].median)} with ~${Math.round(s.longGapMillis / 10)})` : '') +
        `: Node walks the whole histogram for each statistic whatever the count. The ratios between contenders are ` +
        `what to compare; with ${long.nodevitals?.collect.n ?? 0} calls per contender the ${longGap} figures are noisier than the ${shortGap} ones.` +
        betweenCollections(results),
    );
  }

  // 3. collect + serialise vs prom-client
  const ourText = ours.scrape.median - ours.collect.median;
  const scrapeRatio = ours.scrape.median / prom.scrape.median;
  const longScrape = long.nodevitals && long['prom-client'] ? long.nodevitals.scrape.median / long['prom-client'].scrape.median : NaN;
  const scrapeMet = scrapeRatio < 1 && !(longScrape >= 1);
  lines.push(
    `- **Collect + Prometheus text vs prom-client's \`register.metrics()\`.** ${x(scrapeRatio)} after ${shortGap}` +
      (Number.isFinite(longScrape) ? `, ${x(longScrape)} after ${longGap}` : '') +
      `: ${scrapeMet ? '**met**.' : `**missed** by ${pct(Math.max(scrapeRatio, Number.isFinite(longScrape) ? longScrape : 0) - 1)} at the worse gap.`} ` +
      `nodevitals' serializer (the exporter-presets Prometheus reader's own, not \`@opentelemetry/exporter-prometheus\`'s) adds about ${us(ourText)} ` +
      `to nodevitals' collection to write ${ours.samples} samples (${kb(ours.expositionBytes)}), while prom-client writes ` +
      `${prom.samples} samples (${kb(prom.expositionBytes)}) straight from its own objects` +
      (scrapeMet
        ? '. '
        : `: it exposes fewer series (no per-space available/physical sizes, no window statistics, no descriptor limit) and skips the SDK. `) +
      (Number.isFinite(longScrape) && longScrape > scrapeRatio
        ? `After ${longGap} nodevitals does relatively worse: its \`collect()\` alone takes ` +
          `${us(long.nodevitals.collect.median)} (prom-client's \`getMetricsAsJSON()\` ${us(long['prom-client'].collect.median)}) and the ` +
          `text adds about ${us(Math.max(0, long.nodevitals.scrape.median - long.nodevitals.collect.median))}; the collection runs cold, ` +
          `and a scavenge is more likely to land in it (see the allocation note above). `
        : '') +
      (scrapeMet ? '' : `A nodevitals user who only scrapes can drop families with the per-family options.`),
  );

  // 4. heap
  const heap = results.heap;
  lines.push(
    `- **Heap.** nodevitals retains ${mib(heap.nodevitals.retainedFirst)} after ${s.heapFirst} collections ` +
      `(${heap.nodevitals.retainedFirst < 1e6 ? '**met**' : `**missed** by ${mib(heap.nodevitals.retainedFirst - 1e6)}`}, target under 1 MB), ` +
      `runtime-node ${mib(heap['runtime-node'].retainedFirst)}, prom-client ${mib(heap['prom-client'].retainedFirst)}. ` +
      `Growth from ${s.heapFirst} to ${s.heapSecond}: ${mib(heap.nodevitals.growth)} (runtime-node ${mib(heap['runtime-node'].growth)}, ` +
      `prom-client ${mib(heap['prom-client'].growth)}). Most of what any contender "retains" is code: the compiled code, bytecode ` +
      `and type feedback of the paths a collection runs (the code-space column is the compiled part alone, ` +
      `${mib(heap.nodevitals.codeFirst)} for nodevitals); the objects nodevitals keeps (instruments, frozen attribute sets, ` +
      `six window slots of a 449-bucket histogram) are a small fixed part, and growth that appears between the two readings ` +
      `is V8 optimising more of that code, not collections piling up.`,
  );

  // 5. accuracy
  const el = d.eventLoop;
  lines.push(
    `- **Event-loop delay.** nodevitals' max is off by ${pct(el.nodevitals.medianError)} (median; worst ${pct(el.nodevitals.worstError)}) ` +
      `from the injected ${s.blockMillis} ms blocks: ${Math.abs(el.nodevitals.worstError) <= 0.05 ? '**met**' : '**missed**'} (target within 5 %). ` +
      (() => {
        const trials = results.eventLoop.nodevitals.trials;
        const jump = trials.findIndex((t) => t.reportedMillis > t.largestMillis * 1.05);
        if (jump < 0) return '';
        const t = trials[jump];
        return (
          `From block ${jump + 1} of ${trials.length} on, the window's max read ${ms(t.reportedMillis)} while no block had lasted longer ` +
          `than ${ms(t.largestMillis)}: the sampler saw one busy stretch ${ms(t.reportedMillis - t.largestMillis)} longer than any block, most ` +
          `likely a block plus something next to it that the block's own clock cannot see (a scavenge, the process descheduled). ` +
          `nodevitals reports the window's max, so ` +
          `that one sample is the figure for every later block. The peers reset on every read; each of their blocks stands alone. `
        );
      })() +
      `runtime-node is off by ${pct(el['runtime-node'].medianError)} and prom-client by ${pct(el['prom-client'].medianError)}: Node's ` +
      `histogram records the whole timer interval, so a block reads as itself plus up to one ${10} ms resolution.`,
  );
  const g = d.gc;
  lines.push(
    `- **GC.** nodevitals reports ${g.nodevitals.reportedCount} pauses for ${g.nodevitals.observedCount} \`gc\` entries, sum off by ` +
      `${pct(g.nodevitals.sumError)}: ${g.nodevitals.countEqual && Math.abs(g.nodevitals.sumError) < 1e-9 ? '**met**' : '**missed**'}. ` +
      `Against \`--trace-gc\`, its minor + major pause time is off by ${pct(g.nodevitals.traceError)} ` +
      `(${Math.abs(g.nodevitals.traceError) <= 0.03 ? '**met**' : `**missed** by ${pct(Math.abs(g.nodevitals.traceError) - 0.03)}`}, target 3 %; ` +
      `runtime-node ${pct(g['runtime-node'].traceError)}, prom-client ${pct(g['prom-client'].traceError)}). ` +
      `nodevitals reports the entries exactly, so any difference from V8's trace is Node's: an entry's duration is ` +
      `timed by Node around V8's GC callbacks, so it includes the work of every other GC callback ` +
      `and lands a little above V8's own pause figure, more so when the machine is busy. ` +
      `prom-client misses ${g['prom-client'].observedCount - g['prom-client'].reportedCount} of ${g['prom-client'].observedCount} entries ` +
      `in this run: it records only the first entry of each observer batch.`,
  );

  // 6. app overhead
  const overheadRatio = median(d.overhead.nodevitals.ratios);
  const sampling = d.overhead['nodevitals:sampling'];
  const baseRuns = results.overhead.filter((run) => run.name === 'baseline');
  const requestsPerSecond = median(baseRuns.map((run) => run.requests / (run.wallMillis / 1000)));
  lines.push(
    `- **Application overhead.** CPU per request with nodevitals collecting every ${s.collectEveryMillis} ms is ${x(overheadRatio)} ` +
      `of the uninstrumented server's (runtime-node ${x(median(d.overhead['runtime-node'].ratios))}, prom-client ` +
      `${x(median(d.overhead['prom-client'].ratios))}); ${d.noise.label}, so by the target's own test ` +
      (d.noise.within(overheadRatio)
        ? 'the difference is within what this machine can resolve: **met**.'
        : 'the difference is larger than what this machine can resolve: **missed**.') +
      ` That test is weak on this VM: the resolution spans ${pct(d.noise.low - 1)} to ${pct(d.noise.high - 1)}, and the ` +
      `uninstrumented server alone ranges over ${pct(spreadOf(d.overhead.baseline.perRequest))} of its median between its ` +
      `${d.overhead.baseline.perRequest.length} processes in this run.` +
      (sampling
        ? ` With no collection at all, nodevitals' samplers and observers read ${x(median(sampling.ratios))}` +
          (d.overhead.none ? ` and an empty SDK MeterProvider ${x(median(d.overhead.none.ratios))}` : '') +
          (median(sampling.ratios) - 1 >= (overheadRatio - 1) / 2
            ? `: if nodevitals costs this server anything, most of it is there without any collection (the 10 ms ` +
              `event-loop sampler and the GC observer share the loop with ~${Math.round(requestsPerSecond / 1000)}k requests a second), not in the collections.`
            : ': most of what nodevitals reads above none is the collections.')
        : '') +
      (d.alwaysOn
        ? (() => {
            const m = (part) => median(d.alwaysOn[part]);
            const timersCost = m('setInterval') > 1.02 && m('monitorEventLoopDelay') > 1.02;
            return (
              ` Inside one process, where that noise does not enter (next table), nodevitals' always-on parts cost ${x(m('nodevitals'))} ` +
              `per request: its event-loop sampler ${x(m('nodevitals:eventLoop'))}, its gc observer ${x(m('nodevitals:gc'))}. A bare 10 ms ` +
              `\`setInterval\` that does nothing costs ${x(m('setInterval'))} and Node's native \`monitorEventLoopDelay\` timer ` +
              `${x(m('monitorEventLoopDelay'))}` +
              (timersCost
                ? `: on this VM a busy loop pays for a 10 ms timer whoever arms it and whatever it runs, so the peers' samplers pay ` +
                  `it too. A service that does not want it raises \`eventLoopResolutionMillis\` (fewer wake-ups, shorter stalls missed) ` +
                  `or turns the event-loop family off.`
                : '.')
            );
          })()
        : ''),
  );
  return lines.join('\n');
}

/**
 * Horizontal bars: median cost per collection for collect and collect +
 * serialise, after the short gap (whisker to p99) and after the
 * scrape-interval gap (whisker to p90: fewer calls). Whiskers past the axis
 * are cut and marked, so one slow outlier cannot squash every bar.
 */
export function renderChart(results) {
  const d = derive(results);
  const s = results.settings;
  const rows = COST_RUNS;
  const labels = {
    floor: 'raw-API floor',
    none: 'empty SDK',
    'sdk:nodevitals': 'SDK alone, nodevitals pts',
    'sdk:runtime-node': 'SDK alone, runtime-node pts',
    nodevitals: 'nodevitals',
    'runtime-node': 'runtime-node 0.37.0',
    'prom-client': 'prom-client',
  };
  const series = [
    { source: d.cost, key: 'collect', whisker: 'p99', label: `collect, ${seconds(s.gapMillis)} gap`, color: '#4e79a7' },
    { source: d.cost, key: 'scrape', whisker: 'p99', label: `collect + text, ${seconds(s.gapMillis)} gap`, color: '#f28e2b' },
    { source: d.longGap, key: 'collect', whisker: 'p90', label: `collect, ${seconds(s.longGapMillis)} gap`, color: '#a0cbe8' },
    { source: d.longGap, key: 'scrape', whisker: 'p90', label: `collect + text, ${seconds(s.longGapMillis)} gap`, color: '#ffbe7d' },
  ].filter((se) => rows.every((name) => se.source[name]));
  const left = 150;
  const width = 860;
  const plot = width - left - 110; // room on the right for the label of a cut whisker
  const barHeight = 11;
  const rowHeight = series.length * (barHeight + 2) + 14;
  const top = 28 + series.length * 15 + 10;
  const height = top + rows.length * rowHeight + 50;
  const medians = rows.flatMap((name) => series.map((se) => se.source[name][se.key].median));
  const maxValue = Math.max(...medians) * 1.6;
  const step = niceStep(maxValue / 6);
  const axisMax = Math.ceil(maxValue / step) * step;
  const scale = (value) => left + (Math.min(value, axisMax) / axisMax) * plot;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">Cost per collection, µs (bar: median; whisker: p99 after ${seconds(s.gapMillis)}, p90 after ${seconds(s.longGapMillis)} idle)</text>`,
  ];
  series.forEach((se, i) => {
    const lx = left;
    const ly = 28 + i * 15;
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="11" fill="${se.color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly + 10}" font-size="11">${escapeXml(se.label)}${se.key === 'scrape' ? ' (prom-client: register.metrics)' : ' (prom-client: getMetricsAsJSON)'}</text>`);
  });
  for (let tick = 0; tick <= axisMax + 1e-9; tick += step) {
    const tx = scale(tick);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${top + rows.length * rowHeight}" stroke="#ddd"/>`);
    parts.push(`<text x="${tx}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555">${tick}</text>`);
  }
  rows.forEach((name, r) => {
    const y = top + r * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + rowHeight / 2 + 2}" text-anchor="end">${escapeXml(labels[name])}</text>`);
    series.forEach((se, i) => {
      const st = se.source[name][se.key];
      const by = y + 6 + i * (barHeight + 2);
      const end = scale(st[se.whisker]);
      const cut = st[se.whisker] > axisMax;
      parts.push(`<rect x="${left}" y="${by}" width="${(scale(st.median) - left).toFixed(1)}" height="${barHeight}" fill="${se.color}"/>`);
      parts.push(`<line x1="${scale(st.median).toFixed(1)}" y1="${by + barHeight / 2}" x2="${end.toFixed(1)}" y2="${by + barHeight / 2}" stroke="#333"${cut ? ' stroke-dasharray="3,2"' : ''}/>`);
      parts.push(`<line x1="${end.toFixed(1)}" y1="${by + 1}" x2="${end.toFixed(1)}" y2="${by + barHeight - 1}" stroke="#333"/>`);
      const note = cut ? `${Math.round(st.median)} (${se.whisker} ${Math.round(st[se.whisker])})` : `${Math.round(st.median)}`;
      parts.push(`<text x="${(end + 4).toFixed(1)}" y="${by + barHeight - 1.5}" font-size="10" fill="#333">${note}</text>`);
    });
  });
  parts.push(
    `<text x="${left}" y="${height - 10}" font-size="10" fill="#555">${escapeXml(`${results.machine.cpu}, ${results.machine.nproc} cores (shared), Node ${results.machine.node}; ${results.date.slice(0, 10)}; ${results.command}`)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function escapeXml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
