// Cost per collection. Every timed call comes after an idle gap, as a real
// scrape or export interval leaves the process idle between collections
// (caches cool, samplers tick, the peers' delay histograms fill up):
// back-to-back calls would flatter everyone.
//
//   mode gap:   this process sleeps `gapMillis` before each call by itself
//               (short gaps, many samples);
//   mode turns: the parent hands out turns over IPC, round-robin over many
//               idle processes, so each one sees a scrape-interval gap while
//               only one of them works at a time (long gaps, few samples).
//               The warm-up calls run first, `warmupGapMillis` apart, before the process
//               says it is ready: a service scraped every 10 s for hours has
//               long since compiled its collection code, and without them
//               the few timed calls of a fresh process mostly measure
//               unoptimised code (2.3-2.7x the warm cost for the
//               OpenTelemetry contenders in a trial with 5 s gaps).
//
// Calls alternate between collect and collect + Prometheus text, so each has
// the full gap before it. In the floor process a third kind of turn times
// each runtime API on its own, and the peers' event-loop histogram read.
// argv: contender mode samples warmup gapMillis [warmupGapMillis]
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { countSamples, peerReads, RAW_APIS, setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, mode, samplesArg, warmupArg, gapArg, warmupGapArg] = process.argv.slice(2);
const samples = Number(samplesArg);
const warmup = Number(warmupArg);
const gapMillis = Number(gapArg);
// turns mode: the warm-up calls' spacing (the short gap); gap mode spaces them like the timed ones.
const warmupGapMillis = Number(warmupGapArg ?? gapArg);
const contender = await setup(name);
const singles = name === 'floor' ? { ...RAW_APIS, ...peerReads() } : undefined;
const KINDS = singles ? ['collect', 'scrape', 'apis'] : ['collect', 'scrape'];

const micros = (start) => Number(process.hrtime.bigint() - start) / 1e3;
const collectMicros = [];
const scrapeMicros = [];
const apiMicros = singles ? Object.fromEntries(Object.keys(singles).map((api) => [api, []])) : undefined;

/** Call number `turn` (counting from 0 over all kinds); `keep` false for warm-up calls. */
async function call(turn, keep) {
  const kind = KINDS[turn % KINDS.length];
  if (kind === 'apis') {
    for (const [api, read] of Object.entries(singles)) {
      const start = process.hrtime.bigint();
      read();
      if (keep) apiMicros[api].push(micros(start));
    }
    return;
  }
  const start = process.hrtime.bigint();
  await (kind === 'collect' ? contender.collect() : contender.scrape());
  if (keep) (kind === 'collect' ? collectMicros : scrapeMicros).push(micros(start));
}

async function summary() {
  const exposition = await contender.scrape();
  const otlp = contender.otlp ? await contender.otlp() : undefined;
  return {
    name,
    mode,
    gapMillis,
    collectMicros,
    scrapeMicros,
    apiMicros,
    points: await contender.points(),
    samples: typeof exposition === 'string' ? countSamples(exposition) : 0,
    expositionBytes: typeof exposition === 'string' ? Buffer.byteLength(exposition) : 0,
    otlpBytes: otlp?.length,
    otlpGzipBytes: otlp ? gzipSync(otlp).length : undefined,
  };
}

await sleep(200); // let samplers take a few samples and a GC or two happen
if (mode === 'turns') {
  for (let turn = 0; turn < warmup * KINDS.length; turn++) {
    await sleep(warmupGapMillis);
    await call(turn, false);
  }
  let turn = 0;
  process.on('message', async (message) => {
    if (message.type === 'turn') {
      await call(turn++, true);
      process.send({ type: 'done' });
    } else if (message.type === 'stop') {
      reply(await summary());
    }
  });
  process.send({ type: 'ready' });
} else {
  for (let turn = 0; turn < (warmup + samples) * KINDS.length; turn++) {
    await sleep(gapMillis);
    await call(turn, turn >= warmup * KINDS.length);
  }
  reply(await summary());
}
