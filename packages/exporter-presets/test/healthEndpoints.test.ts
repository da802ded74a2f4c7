import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthMonitor } from '@nodevitals/instrumentation';
import { healthHandler } from '../src/healthHandler';
import { prometheusMetricReader } from '../src/prometheusMetricReader';
import { httpRequest } from './helpers/http';

// The framework-agnostic handler on a node:http server of the app's own, and
// the Prometheus reader's health option, with real monitors on real sockets.
// Health is made critical for real: a heap threshold below what any process uses.

const servers: Server[] = [];
const monitors: HealthMonitor[] = [];
afterEach(async () => {
  for (const monitor of monitors.splice(0)) monitor.stop();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function started(options: ConstructorParameters<typeof HealthMonitor>[0]): HealthMonitor {
  const monitor = new HealthMonitor(options);
  monitor.start();
  monitors.push(monitor);
  return monitor;
}

/** A critical heap check in any process: its thresholds sit below the heap every process uses. */
const CRITICAL_HEAP = { heapUsedWarning: 0.00001, heapUsedCritical: 0.00002 };

async function serve(handler: ReturnType<typeof healthHandler>): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/anything`;
}

describe('healthHandler()', () => {
  it('answers 200 with every check while nothing is critical', async () => {
    const url = await serve(healthHandler(started({})));
    const answer = await httpRequest(url);
    expect(answer.status).toBe(200);
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(answer.body);
    expect(body.status).toMatch(/^(ok|warning)$/);
    expect(Object.keys(body.checks)).toContain('eventLoopDelay');
  });

  it('answers 503 with Retry-After (the evaluation interval) on a critical check, in both flavours for a heap near its limit', async () => {
    const monitor = started({ ...CRITICAL_HEAP, intervalMillis: 2_000, windowMillis: 4_000 });
    for (const flavour of ['readiness', 'liveness'] as const) {
      const answer = await httpRequest(await serve(healthHandler(monitor, { flavour })));
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 'critical', checks: { heapUsed: { status: 'critical', critical: 0.00002, unit: '1' } } });
    }
  });

  it('HEAD has the headers and no body; other methods are 405 with Allow', async () => {
    const url = await serve(healthHandler(started(CRITICAL_HEAP)));
    const head = await httpRequest(url, 'HEAD');
    expect(head.status).toBe(503);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    const post = await httpRequest(url, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('a wrong argument throws naming it', () => {
    expect(() => healthHandler({} as never)).toThrow(TypeError);
    expect(() => healthHandler(new HealthMonitor(), { flavour: 'startup' as never })).toThrow(
      new RangeError('flavour must be one of "readiness", "liveness", got "startup"'),
    );
  });
});

/** The monitor a reader built for itself (private: only its lifecycle is checked here). */
const monitorOf = (reader: object) => (reader as { health: HealthMonitor }).health;

describe('prometheusMetricReader({ health })', () => {
  it('serves a monitor it is given on /health, /health/ready and /health/live beside /metrics', async () => {
    const monitor = started(CRITICAL_HEAP);
    const reader = prometheusMetricReader({ host: '127.0.0.1', port: 0, health: monitor });
    try {
      const { port } = await reader.ready;
      for (const path of ['/health', '/health/ready', '/health/live']) {
        const answer = await httpRequest(`http://127.0.0.1:${port}${path}`);
        expect([path, answer.status]).toEqual([path, 503]);
        expect(answer.headers['retry-after']).toBe('5');
      }
      expect((await httpRequest(`http://127.0.0.1:${port}/health/other`)).status).toBe(404);
    } finally {
      await reader.shutdown();
    }
    // The caller's monitor is the caller's: the reader's shutdown leaves it running.
    expect(monitor.running).toBe(true);
  });

  it('health: false serves 404 on the health paths; a reader of its own starts its monitor once listening and stops it at shutdown', async () => {
    const without = prometheusMetricReader({ host: '127.0.0.1', port: 0, health: false });
    const own = prometheusMetricReader({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = await without.ready;
      expect((await httpRequest(`http://127.0.0.1:${port}/health`)).status).toBe(404);
      const { port: ownPort } = await own.ready;
      const answer = await httpRequest(`http://127.0.0.1:${ownPort}/health/live`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).checks.heapUsed.value).toBeGreaterThan(0);
      expect(monitorOf(own).running).toBe(true);
    } finally {
      await without.shutdown();
      await own.shutdown();
    }
    expect(monitorOf(own).running).toBe(false);
  });

  it('a wrong health option throws naming it', () => {
    expect(() => prometheusMetricReader({ health: 'yes' as never })).toThrow(new TypeError('health must be a boolean or a HealthMonitor, got "yes"'));
  });
});
