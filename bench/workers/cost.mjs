// Cost per collection. Before every timed call the loop sleeps `gapMillis`,
// as a real scrape or export interval leaves the process idle between
// collections (caches cool, the event-loop sampler ticks): back-to-back calls
// would flatter everyone.
// argv: contender samples warmup gapMillis
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { countSamples, RAW_APIS, setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, samplesArg, warmupArg, gapArg] = process.argv.slice(2);
const samples = Number(samplesArg);
const warmup = Number(warmupArg);
const gapMillis = Number(gapArg);
const contender = await setup(name);
await sleep(200); // let samplers take a few samples and a GC or two happen

const collectMicros = [];
const scrapeMicros = [];
const apiMicros = Object.fromEntries(Object.keys(RAW_APIS).map((api) => [api, []]));
for (let i = 0; i < warmup + samples; i++) {
  await sleep(gapMillis);
  let start = process.hrtime.bigint();
  await contender.collect();
  const collect = Number(process.hrtime.bigint() - start) / 1e3;
  await sleep(gapMillis);
  start = process.hrtime.bigint();
  await contender.scrape();
  const scrape = Number(process.hrtime.bigint() - start) / 1e3;
  if (name === 'floor') {
    await sleep(gapMillis);
    for (const [api, read] of Object.entries(RAW_APIS)) {
      const t = process.hrtime.bigint();
      read();
      if (i >= warmup) apiMicros[api].push(Number(process.hrtime.bigint() - t) / 1e3);
    }
  }
  if (i >= warmup) {
    collectMicros.push(collect);
    scrapeMicros.push(scrape);
  }
}

const exposition = await contender.scrape();
const otlp = contender.otlp ? await contender.otlp() : undefined;
reply({
  name,
  gapMillis,
  collectMicros,
  scrapeMicros,
  apiMicros: name === 'floor' ? apiMicros : undefined,
  points: await contender.points(),
  samples: typeof exposition === 'string' ? countSamples(exposition) : 0,
  expositionBytes: typeof exposition === 'string' ? Buffer.byteLength(exposition) : 0,
  otlpBytes: otlp?.length,
  otlpGzipBytes: otlp ? gzipSync(otlp).length : undefined,
});
