import { readdirSync, readlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { PROMETHEUS_CONNECTION_LIMITS as LIMITS } from '../src/PrometheusReader';
import { FIXTURES, startNode, TS_REGISTER, type RunningChild } from './helpers/childProcess';
import { linesOtherThanHealth } from './helpers/healthLines';
import { httpRequest } from './helpers/http';

/**
 * What a scraper, or anything else that reaches the metrics port, can do to
 * the host process: real application processes, real sockets.
 */

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The kinds of descriptors `pid` holds, counted: "socket 70, anon_inode 6, ...". */
function describeFds(pid: number): string {
  const kinds = new Map<string, number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let kind = 'gone';
    try {
      kind = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/[:[].*$/, '');
    } catch {
      // closed while listed
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ');
}

/** Resolves once the socket is connected; errors afterwards are the server dropping it, which is expected. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function startApp(fixture: string, env: Record<string, string> = {}): Promise<{ app: RunningChild; url: string; pid: number; port: number }> {
  const app = startNode([join(FIXTURES, fixture)], env, ['-r', TS_REGISTER], 120_000);
  await app.waitForOutput('"url"', 60_000);
  const { url, pid } = JSON.parse(app.output().stdout.trim().split('\n')[0]);
  return { app, url, pid, port: Number(new URL(url).port) };
}

describe('the metrics endpoint never keeps the process alive', () => {
  it('an app whose work ends exits right then while a keep-alive scraper polls every second', async () => {
    const { app, url, pid } = await startApp('finishingApp.ts');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const scrapes: Array<{ status: number; reused: boolean }> = [];
    let exited = false;
    // The premise, however slow the machine: the work ends only once scrapes have succeeded over a connection
    // kept alive between them, so that connection is open when the app has nothing else to do.
    const premiseHolds = () => scrapes.filter((scrape) => scrape.status === 200).length >= 2 && scrapes.some((scrape) => scrape.reused);
    // Long enough to tell the two apart: before the fix the app lived as long as the scraper polled.
    const scraperStopsAt = Date.now() + 60_000;
    const scraper = (async () => {
      let signalled = false;
      while (!exited && Date.now() < scraperStopsAt) {
        await new Promise<void>((resolve) => {
          const req = request(url, { agent }, (response) => {
            response.resume();
            response.on('end', () => {
              scrapes.push({ status: response.statusCode ?? 0, reused: req.reusedSocket });
              resolve();
            });
          });
          // The app going away mid-scrape is what this test waits for.
          req.on('error', () => resolve());
          req.end();
        });
        if (!signalled && premiseHolds()) {
          signalled = true;
          process.kill(pid, 'SIGUSR2');
        }
        await sleep(1000);
      }
    })();
    await app.waitForOutput('work done', 60_000);
    const workDoneAt = Date.now();
    const result = await app.exited;
    const exitMillis = Date.now() - workDoneAt;
    exited = true;
    await scraper;
    agent.destroy();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(premiseHolds()).toBe(true);
    // At once (slack for a loaded machine); before the fix the open connection kept it alive for as long as
    // the scraper polled.
    expect(exitMillis).toBeLessThan(6000);
  }, 120_000);
});

describe('slow or silent clients are dropped within bounds, and the host\'s descriptors stay flat', () => {
  let app: RunningChild;
  let url: string;
  let pid: number;
  let port: number;

  beforeAll(async () => {
    ({ app, url, pid, port } = await startApp('prometheusApp.ts'));
  }, 90_000);

  afterAll(async () => {
    app?.child.kill('SIGTERM');
    const result = await app?.exited;
    // Health's transition lines are the health monitor doing its job on a machine these faults load; anything else is not.
    expect(linesOtherThanHealth(result?.stderr ?? 'no result')).toEqual([]);
  }, 30_000);

  // Node checks header and request timeouts every timeoutCheckIntervalMillis; generous slack for a loaded
  // machine, still far below what Node's defaults hold a connection (60 s and more).
  const dropBoundMillis = LIMITS.headersTimeoutMillis + LIMITS.timeoutCheckIntervalMillis + 10_000;

  it('drops a client that connects and never sends a request', async () => {
    const socket = await openSocket(port);
    // Read whatever the server answers (Node may send a 408 before it closes): an unread answer keeps the
    // socket from ever reaching 'close', and the test would time out on its own client, not the server.
    socket.resume();
    const openedAt = Date.now();
    const closed = await new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
    expect(closed).toBeLessThan(dropBoundMillis);
    // Not dropped at once either: a real request gets its time.
    expect(closed).toBeGreaterThan(LIMITS.headersTimeoutMillis - 1000);
  }, 60_000);

  it('drops a client that sends half a request and stalls', async () => {
    const socket = await openSocket(port);
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    // Read what the server answers: when Node's header timeout fires first it sends a 408 before closing,
    // and a socket whose data nobody reads never reaches 'close'.
    socket.resume();
    const openedAt = Date.now();
    const closed = await new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
    expect(closed).toBeLessThan(dropBoundMillis);
  }, 60_000);

  it('drops a client that keeps asking for pages and never reads them', async () => {
    const socket = await openSocket(port);
    socket.pause();
    const startedAt = Date.now();
    const scrape = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    // Pages pile up in the kernel's buffers until they are full; then a response stalls and its bound runs.
    const asking = setInterval(() => socket.write(scrape), 20);
    const droppedAfter = await new Promise<number>((resolve) => {
      const done = (): void => resolve(Date.now() - startedAt);
      socket.once('close', done);
      socket.once('error', done);
    });
    clearInterval(asking);
    socket.destroy();
    // Filling the loopback buffers (megabytes, at ~1 MB/s of pages) takes seconds, then the unread-response
    // bound runs; slack for a loaded machine. Before the bound the connection stayed for as long as the client.
    expect(droppedAfter).toBeLessThan(LIMITS.unreadResponseTimeoutMillis + 25_000);
  }, 60_000);

  it('keeps open fds flat under 300 clients that never send, never read, or pipeline without reading', async () => {
    await httpRequest(url);
    await sleep(300);
    const baseline = openFds(pid);
    const sockets: Socket[] = [];
    const scrape = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    for (let index = 0; index < 300; index++) {
      const socket = await openSocket(port);
      sockets.push(socket);
      if (index % 3 === 1) {
        // Asks for pages and never reads them.
        socket.pause();
        socket.write(scrape.repeat(2));
      } else if (index % 3 === 2) {
        // Pipelines a burst of scrapes (each a page of ~25 KB) and never reads. One such client sends enough to
        // fill the loopback buffers (500 pages), the others 4; had all 100 sent 500, the app would render some
        // 600 MB of pages first, and even ten such (125 MB) or three (40 MB beside 50 MB of 20-page bursts) kept
        // its loop saturated (utilization 1) past the bound on a loaded 2-core CI machine: a test of the machine,
        // not of the descriptors. The single full burst has its own test above.
        socket.pause();
        socket.write(scrape.repeat(index === 2 ? 500 : 4));
      }
    }
    let most = openFds(pid);
    const startedAt = Date.now();
    let now = baseline;
    while (Date.now() - startedAt < dropBoundMillis + LIMITS.idleTimeoutMillis + 10_000) {
      await sleep(200);
      now = openFds(pid);
      most = Math.max(most, now);
      if (now <= baseline + 2 && Date.now() - startedAt > 1000) break;
    }
    const settledMillis = Date.now() - startedAt;
    // What a failure needs to tell a leak from a starved app: what the extra descriptors are, and how the
    // app's own health monitor saw its loop meanwhile (its timers are what drop the connections).
    const unsettled = now > baseline + 2 ? `held: ${describeFds(pid)}; the app's /health: ${(await httpRequest(url.replace(/\/metrics$/, '/health'))).body}` : '';
    for (const socket of sockets) socket.destroy();
    expect(unsettled).toBe('');
    // At most maxConnections held at once, whatever arrives; all of them released within the bound.
    expect(most).toBeLessThanOrEqual(baseline + LIMITS.maxConnections + 4);
    expect(now).toBeLessThanOrEqual(baseline + 2);
    // The drop bound plus one more idle period, and slack for a loaded 2-core machine.
    expect(settledMillis).toBeLessThan(dropBoundMillis + LIMITS.idleTimeoutMillis + 10_000);
    // And the endpoint still serves.
    expect((await httpRequest(url)).status).toBe(200);
  }, 90_000);
});
