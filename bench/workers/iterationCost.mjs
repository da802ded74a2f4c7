// What the event-loop sampler costs a busy loop, per loop iteration: this
// process ping-pongs one byte over a loopback TCP connection with itself (two
// loop iterations per round trip) and counts its CPU time and libuv's
// iterations in blocks, each block with one part switched on, parts in random
// order each round. Inside one process, because two processes of the same
// build differ here by +-30 % for their whole lives.
// Parts: nothing; nodevitals' event-loop family (Node's per-iteration
// histogram on 24.21+/26.5+, the check-phase callback elsewhere); Node's
// per-iteration histogram alone (where it exists); the peers' sampler, Node's
// 10 ms `monitorEventLoopDelay` timer; a bare 10 ms `setInterval`.
// Replies { part: [CPU microseconds per iteration, one per block] }.
// argv: rounds round-trips-per-block
import { connect, createServer } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SNAPSHOT_ENTRY } from '../lib/build.mjs';
import { reply } from '../lib/child.mjs';

const PARTS = ['none', 'nodevitals', 'native per-iteration', 'monitorEventLoopDelay 10 ms', 'setInterval 10 ms'];

const [roundsArg, tripsArg] = process.argv.slice(2);
const { startRuntimeMetrics } = await import(SNAPSHOT_ENTRY);
const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
const provider = new MeterProvider();
const histogram = (options) => () => {
  const histogram = monitorEventLoopDelay(options);
  histogram.enable();
  return () => histogram.disable();
};
/** Each part starts itself and returns its stop. */
const START = {
  none: () => () => {},
  nodevitals: () => {
    const only = { gc: false, heap: false, process: false, resources: false, workers: false };
    const handle = startRuntimeMetrics({ meterProvider: provider, ...only });
    return () => handle.stop();
  },
  'native per-iteration': histogram({ samplePerIteration: true }),
  'monitorEventLoopDelay 10 ms': histogram({ resolution: 10 }),
  'setInterval 10 ms': () => {
    const timer = setInterval(() => {}, 10);
    return () => clearInterval(timer);
  },
};
const perIteration = Number(process.versions.node.split('.')[0]) >= 24;
const parts = PARTS.filter((part) => part !== 'native per-iteration' || perIteration);
const server = createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const client = connect(server.address().port, '127.0.0.1');
client.setNoDelay(true);
await new Promise((resolve) => client.once('connect', resolve));
const loops = () => performance.nodeTiming.uvMetricsInfo?.loopCount ?? NaN;
const run = (count) =>
  new Promise((resolve) => {
    let left = count;
    const onData = () => {
      if (--left === 0) {
        client.off('data', onData);
        resolve();
      } else client.write('x');
    };
    client.on('data', onData);
    client.write('x');
  });
const rows = Object.fromEntries(parts.map((part) => [part, []]));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const part of [...parts].sort(() => Math.random() - 0.5)) {
    const stop = START[part]();
    await run(1000); // the part's own start-up, and its code warm
    const loopsBefore = loops();
    const cpuBefore = process.cpuUsage();
    await run(Number(tripsArg));
    const cpu = process.cpuUsage(cpuBefore);
    rows[part].push((cpu.user + cpu.system) / (loops() - loopsBefore));
    stop();
  }
}
client.destroy();
server.close();
reply(rows);
