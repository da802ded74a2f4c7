// A node:http server with one contender installed, on 127.0.0.1.
//   mode scrape: GET /metrics answers a collection + Prometheus serialisation.
//   mode app:    GET / answers "ok"; a collection + serialisation runs every
//                `intervalMillis`, as a Prometheus scrape or OTLP export would
//                (0: never, the contender's samplers and observers only).
// Sends {type:'ready', port}; on {type:'start'} resets its counters; on
// {type:'stop'} replies with its CPU time and request count.
// argv: contender mode intervalMillis
import { createServer } from 'node:http';
import { setup } from '../lib/contenders.mjs';
import { reply } from '../lib/child.mjs';

const [name, mode, intervalArg] = process.argv.slice(2);
const contender = name === 'baseline' ? undefined : await setup(name);
let requests = 0;
const server = createServer((request, response) => {
  requests++;
  if (mode === 'scrape') {
    contender.scrape().then((body) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(body);
    });
  } else {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  }
});
server.keepAliveTimeout = 60_000;
let collections = 0;
if (mode === 'app' && contender && Number(intervalArg) > 0) {
  setInterval(() => {
    contender.scrape().then(() => collections++);
  }, Number(intervalArg)).unref();
}
let cpuStart = process.cpuUsage();
let wallStart = process.hrtime.bigint();
process.on('message', (message) => {
  if (message.type === 'start') {
    requests = 0;
    collections = 0;
    cpuStart = process.cpuUsage();
    wallStart = process.hrtime.bigint();
  } else if (message.type === 'stop') {
    const cpu = process.cpuUsage(cpuStart);
    const wallMillis = Number(process.hrtime.bigint() - wallStart) / 1e6;
    server.close();
    server.closeAllConnections?.();
    reply({ name, requests, collections, cpuMicros: cpu.user + cpu.system, wallMillis });
  }
});
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
