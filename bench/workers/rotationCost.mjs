// What nodevitals' one timer costs once V8 has compiled its code: the slot
// rotation (every 10 s by default) run by hand in one process, against the
// same loop without it, after the loop has turned a couple of times (so the
// per-iteration histogram holds a few samples, as an idle process's does).
// The idle rows read a window early in a process's life, where the
// rotation's code is still being compiled tier by tier; this reads it hot.
// Run with --expose-gc and a young generation no round fills.
// Replies { bytesPerRotation, microsPerRotation, rounds }: medians of the
// differences over `blocks` blocks of `rounds` rotations.
// argv: blocks rounds
import { getHeapStatistics } from 'node:v8';
import { SNAPSHOT_ENTRY } from '../lib/build.mjs';
import { reply } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';

const [blocksArg, roundsArg] = process.argv.slice(2);
const { startRuntimeMetrics } = await import(SNAPSHOT_ENTRY);
const { MeterProvider } = await import('@opentelemetry/sdk-metrics');

// The rotation is the one repeating timer nodevitals arms: take its callback,
// hand nodevitals a timer that never fires.
let rotate;
const setInterval = globalThis.setInterval;
globalThis.setInterval = (callback) => {
  rotate = callback;
  return setInterval(() => {}, 2 ** 30).unref();
};
const handle = startRuntimeMetrics({ meterProvider: new MeterProvider() });
globalThis.setInterval = setInterval;
if (typeof rotate !== 'function') throw new Error('nodevitals armed no repeating timer');

const used = () => getHeapStatistics().used_heap_size;
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
async function block(withRotation, rounds) {
  globalThis.gc();
  await turn();
  const heap = used();
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    await turn();
    await turn();
    if (withRotation) rotate();
  }
  const spent = process.cpuUsage(cpu);
  return { bytes: (used() - heap) / rounds, micros: (spent.user + spent.system) / rounds };
}

const rounds = Number(roundsArg);
await block(true, rounds); // compiles and warms the rotation's code
const bytes = [];
const micros = [];
for (let i = 0; i < Number(blocksArg); i++) {
  const without = await block(false, rounds);
  const withRotation = await block(true, rounds);
  bytes.push(withRotation.bytes - without.bytes);
  micros.push(withRotation.micros - without.micros);
}
handle.stop();
reply({ bytesPerRotation: median(bytes), microsPerRotation: median(micros), rounds });
