import { createServer, request, type Server } from 'node:http';

/**
 * A small service under a synthetic load: allocation churn (minor GCs, with
 * some of it surviving long enough for major ones), HTTP requests to itself,
 * timers, and now and then a synchronous stall of the event loop.
 */
export class Workload {
  private readonly timers: NodeJS.Timeout[] = [];
  private retained: unknown[][] = [];
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, at: Date.now() })) });
      res.end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.every(20, () => this.churn());
    this.every(25, () => this.call(port));
    this.every(2_700, () => this.stall(30 + Math.random() * 90));
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    this.retained = [];
    this.server?.close();
    this.server?.closeAllConnections?.();
  }

  private every(millis: number, job: () => void): void {
    this.timers.push(setInterval(job, millis));
  }

  private churn(): void {
    const batch = Array.from({ length: 5_000 }, (_, i) => ({ id: i, label: `item-${i}` }));
    this.retained.push(batch);
    if (this.retained.length > 150) this.retained.splice(0, 50);
  }

  private call(port: number): void {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => res.resume());
    req.on('error', () => {});
    req.end();
  }

  private stall(millis: number): void {
    const until = performance.now() + millis;
    while (performance.now() < until);
  }
}
