// A real load generator against a server on 127.0.0.1: autocannon, keep-alive
// connections, for a bounded time. Replies with its latency percentiles and
// throughput.
// argv: port seconds connections
import autocannon from 'autocannon';
import { reply } from '../lib/child.mjs';

const [port, seconds, connections] = process.argv.slice(2).map(Number);
const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, pipelining: 1 });
reply({
  requests: result.requests.total,
  requestsPerSecond: result.requests.average,
  p50Millis: result.latency.p50,
  p99Millis: result.latency.p99,
  errors: result.errors + result.timeouts + (result.non2xx ?? 0),
});
