// A real load generator against a server on 127.0.0.1: autocannon, keep-alive
// connections, for a bounded time. Replies with its latency percentiles and
// throughput. autocannon's own latency histogram keeps whole milliseconds, so
// on loopback every p50 read 0; each 2xx response's time (autocannon's own
// measurement, fractional ms) goes into a histogram of microseconds here.
// argv: port seconds connections
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { reply } from '../lib/child.mjs';

const [port, seconds, connections] = process.argv.slice(2).map(Number);
const latencyMicros = createHistogram();
const run = autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, pipelining: 1 });
run.on('response', (_client, statusCode, _bytes, responseMillis) => {
  if (statusCode >= 200 && statusCode < 300) latencyMicros.record(Math.max(1, Math.round(responseMillis * 1000)));
});
const result = await run;
reply({
  requests: result.requests.total,
  requestsPerSecond: result.requests.average,
  p50Millis: latencyMicros.count > 0 ? latencyMicros.percentile(50) / 1000 : NaN,
  p99Millis: latencyMicros.count > 0 ? latencyMicros.percentile(99) / 1000 : NaN,
  errors: result.errors + result.timeouts + (result.non2xx ?? 0),
});
