// What the captures of docs/diagnostics.md cost, measured in this process:
//   node --expose-gc bench/diagnosticsCost.mjs [heap MB, default 50]
// 1. A heap snapshot of a heap of many small objects: how long the loop is
//    blocked, the peak RSS it adds, and the file size.
// 2. A CPU profile: the slowdown of busy JavaScript while it records, and how
//    long stopping a 1 s profile and serializing it block the loop.
import { Session } from 'node:inspector';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';

const MiB = 2 ** 20;
const mb = (bytes) => +(bytes / MiB).toFixed(1);
const heapMegabytes = Number(process.argv[2] ?? 50);

// 1. Heap snapshot.
const retained = (globalThis.retained = []);
// Grow until the live heap, after a full GC, is the size asked for.
for (let n = 0; process.memoryUsage().heapUsed < heapMegabytes * MiB; ) {
  for (let i = 0; i < 10_000; i++, n++) retained.push({ id: n, name: `item-${n}`, tags: [n % 7, n % 13] });
  if (process.memoryUsage().heapUsed >= heapMegabytes * MiB) globalThis.gc?.();
}
const heapUsed = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage().rss;
const peakBefore = process.resourceUsage().maxRSS * 1024;
const file = join(tmpdir(), `nodevitals-cost-${process.pid}.heapsnapshot`);
let started = process.hrtime.bigint();
v8.writeHeapSnapshot(file);
const snapshotMillis = Number(process.hrtime.bigint() - started) / 1e6;
const snapshot = {
  objects: retained.length,
  heapUsedMB: mb(heapUsed),
  rssBeforeMB: mb(rssBefore),
  peakRssBeforeMB: mb(peakBefore),
  peakRssAfterMB: mb(process.resourceUsage().maxRSS * 1024),
  loopBlockedMillis: Math.round(snapshotMillis),
  fileMB: mb(statSync(file).size),
};
rmSync(file);
retained.length = 0;
globalThis.gc?.();

// 2. CPU profile.
function work(millis) {
  const end = performance.now() + millis;
  let rounds = 0;
  while (performance.now() < end) {
    const values = [];
    for (let i = 0; i < 1000; i++) values.push(Math.sqrt(i) * rounds);
    JSON.stringify(values.slice(0, 10));
    rounds++;
  }
  return rounds;
}
const session = new Session();
session.connect();
const post = (method) => new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
// Rounds of one second without and with the profiler, alternated, so a
// neighbour's load falls on both; the median ratio is the slowdown.
await post('Profiler.enable');
const ratios = [];
let profile;
for (let round = 0; round < 5; round++) {
  const without = work(1000);
  await post('Profiler.start');
  const withProfiler = work(1000);
  started = process.hrtime.bigint();
  ({ profile } = await post('Profiler.stop'));
  ratios.push(withProfiler / without);
}
const json = JSON.stringify(profile);
const stopMillis = Number(process.hrtime.bigint() - started) / 1e6;
session.disconnect();
const cpuProfile = {
  profiledSeconds: 1,
  slowdownPercent: +((1 - ratios.sort((a, b) => a - b)[2]) * 100).toFixed(1),
  stopAndSerializeMillis: Math.round(stopMillis),
  fileKB: Math.round(Buffer.byteLength(json) / 1024),
};
console.log(JSON.stringify({ node: process.version, heapSnapshot: snapshot, cpuProfile }, null, 2));
