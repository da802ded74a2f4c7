// What the event-loop sampler costs a busy loop, per loop iteration, on each
// Node line: one process per line ping-pongs one byte over a loopback TCP
// connection with itself (two loop iterations per round trip), and counts its
// CPU time and libuv's iterations in blocks, each block with one part below
// switched on, parts in random order each round. Inside one process, because
// two processes of the same build differ here by +-30 % for their whole lives.
//
//   node bench/iterationCost.mjs [rounds] [round-trips per block]
//
// Parts: nothing; nodevitals' event-loop family (the measured build in
// bench/.snapshot: Node's per-iteration histogram on 24.21+/26.5+, the
// check-phase callback elsewhere); Node's per-iteration histogram alone
// (where it exists); the peers' sampler, Node's 10 ms `monitorEventLoopDelay`
// timer; a bare 10 ms `setInterval`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, SNAPSHOT_ENTRY } from './lib/build.mjs';
import { nodeLines } from './lib/nodeLines.mjs';

const PARTS = ['none', 'nodevitals', 'native per-iteration', 'monitorEventLoopDelay 10 ms', 'setInterval 10 ms'];

if (process.argv[2] === '--child') {
  const [, , , roundsArg, tripsArg] = process.argv;
  const { createServer, connect } = await import('node:net');
  const { monitorEventLoopDelay, performance } = await import('node:perf_hooks');
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
  console.log(JSON.stringify(rows));
} else {
  const rounds = Number(process.argv[2] ?? 30);
  const trips = Number(process.argv[3] ?? 20_000);
  console.log(`measured build: sha256 ${ensureBuilt(() => {})} (bench/.snapshot); one process per line, ${rounds} rounds of ${trips} round trips per part`);
  const self = fileURLToPath(import.meta.url);
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const { line, execPath } of nodeLines()) {
    const out = execFileSync(execPath, [self, '--child', String(rounds), String(trips)], { encoding: 'utf8' });
    const rows = JSON.parse(out.trim().split('\n').pop());
    const none = median(rows.none);
    console.log(`\nNode ${line}: CPU per loop iteration (median of ${rounds} blocks; p25-p75), and what a part adds to it`);
    for (const [part, values] of Object.entries(rows)) {
      const sorted = [...values].sort((a, b) => a - b);
      const cost = median(values);
      const added = part === 'none' ? '' : `${cost - none >= 0 ? '+' : ''}${(cost - none).toFixed(2)} µs`;
      const quartiles = `${sorted[Math.floor(sorted.length / 4)].toFixed(2)}-${sorted[Math.floor((3 * sorted.length) / 4)].toFixed(2)}`;
      console.log(`  ${part.padEnd(28)} ${cost.toFixed(2)} µs  ${added.padEnd(10)} (${quartiles})`);
    }
  }
}
