// The other process: a keep-alive node:http client on 127.0.0.1.
//   mode scrape: `count` sequential GET /metrics, `gapMillis` apart; latencies.
//   mode load:   GET / with `concurrency` requests in flight until `count` are done.
// argv: mode port count gapMillis|concurrency
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { reply } from '../lib/child.mjs';

const [mode, port, countArg, fourth] = process.argv.slice(2);
const count = Number(countArg);
const agent = new Agent({ keepAlive: true, maxSockets: mode === 'load' ? Number(fourth) : 1 });

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

if (mode === 'scrape') {
  const latencyMicros = [];
  let bytes = 0;
  for (let i = 0; i < count + 10; i++) {
    await sleep(Number(fourth));
    const start = process.hrtime.bigint();
    bytes = await get('/metrics');
    if (i >= 10) latencyMicros.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  reply({ latencyMicros, bytes });
} else {
  const concurrency = Number(fourth);
  let started = 0;
  const start = process.hrtime.bigint();
  async function loop() {
    while (started < count) {
      started++;
      await get('/');
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const wallMillis = Number(process.hrtime.bigint() - start) / 1e6;
  reply({ requests: count, wallMillis });
}
