// What the always-on parts cost a busy server, measured inside one process:
// a node:http server ("ok") switches between configurations on request, so
// the comparison is free of the differences between processes (on this VM
// two server processes of the same build can differ in CPU per request for
// their whole lives). Nothing here collects: this is what runs between
// collections.
//   {type:'use', part}  switch to a part (stopping the previous), then 'using'
//   {type:'mark'}       start counting CPU, then 'marked'
//   {type:'measure'}    reply {type:'cpu', micros} since the mark
//   {type:'stop'}       leave
// Sends {type:'ready', port}.
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SNAPSHOT_ENTRY } from '../lib/build.mjs';
import { reply } from '../lib/child.mjs';
import { familyOptions } from '../lib/contenders.mjs';

const { startRuntimeMetrics } = await import(SNAPSHOT_ENTRY);
const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
const provider = new MeterProvider();
const nodevitals = (only) => {
  const handle = startRuntimeMetrics({ meterProvider: provider, ...familyOptions(only) });
  return () => handle.stop();
};

/** Each part starts itself and returns its stop. */
const PARTS = {
  off: () => () => {},
  nodevitals: () => nodevitals(),
  'nodevitals:eventLoop': () => nodevitals('eventLoop'),
  'nodevitals:gc': () => nodevitals('gc'),
  // The bare mechanisms: a JavaScript interval that does nothing, and the
  // native timer of Node's histogram, which both peers sample with.
  setInterval: () => {
    const timer = setInterval(() => {}, 10).unref();
    return () => clearInterval(timer);
  },
  monitorEventLoopDelay: () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    return () => histogram.disable();
  },
};

const server = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('ok');
});
server.keepAliveTimeout = 60_000;
let stop = () => {};
let cpuStart = process.cpuUsage();
process.on('message', (message) => {
  if (message.type === 'use') {
    stop();
    stop = PARTS[message.part]();
    setTimeout(() => process.send({ type: 'using' }), 50);
  } else if (message.type === 'mark') {
    cpuStart = process.cpuUsage();
    process.send({ type: 'marked' });
  } else if (message.type === 'measure') {
    const cpu = process.cpuUsage(cpuStart);
    process.send({ type: 'cpu', micros: cpu.user + cpu.system });
  } else if (message.type === 'stop') {
    stop();
    server.close();
    server.closeAllConnections?.();
    reply({});
  }
});
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
