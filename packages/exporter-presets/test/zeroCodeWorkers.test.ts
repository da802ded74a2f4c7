import { join } from 'node:path';
import { FIXTURES, startNode } from './helpers/childProcess';
import { linesOtherThanHealth } from './helpers/healthLines';
import { freePort } from './helpers/ports';
import { USER_PROJECT } from './helpers/zeroCodeApp';

/**
 * The zero-code entry in an app with worker threads: the workers inherit the
 * preload, which starts nothing in them (no second port, no error), and
 * NODEVITALS_WORKERS=true has the main thread report each worker.
 */
describe('node --import @nodevitals/exporter-presets/register in an app with worker threads', () => {
  it('serves one /metrics for the process, with every worker by thread id and name when NODEVITALS_WORKERS=true', async () => {
    const port = await freePort();
    const app = startNode(
      [join(FIXTURES, 'register', 'workersApp.mjs')],
      {
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        NODEVITALS_WORKERS: 'true',
      },
      ['--import', '@nodevitals/exporter-presets/register'],
      150_000,
      USER_PROJECT,
    );
    try {
      // The preload, then two workers started: seconds on a loaded machine.
      await app.waitForOutput('app ready', 60_000);
      const { threadIds } = JSON.parse(app.output().stdout.match(/app ready (\{.*\})/)![1]) as { threadIds: number[] };
      let text = '';
      const deadline = Date.now() + 30_000;
      // Heap used is answered by each worker asynchronously: it shows from the second scrape on.
      while (Date.now() < deadline) {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        if ([...text.matchAll(/^nodejs_worker_heap_used_bytes\{/gm)].length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const heapUsed = [...text.matchAll(/^nodejs_worker_heap_used_bytes\{([^}]*)\}/gm)].map((match) => match[1]);
      expect(heapUsed.map((labels) => [/thread_id="(\d+)"/.exec(labels)?.[1], /thread_name="([^"]*)"/.exec(labels)?.[1]]).sort()).toEqual(
        threadIds.map((id, index) => [String(id), `resize-${index}`]).sort(),
      );
      expect(text).toMatch(/^nodejs_worker_count_value(\{[^}]*\})? 2$/m);
    } finally {
      app.child.kill('SIGTERM');
    }
    const result = await app.exited;
    expect(result.signal).toBe('SIGTERM');
    // Nothing said by a preload that started again in a worker (EADDRINUSE on the same port, say); the health
    // monitor's transition lines are it reporting a loaded machine's loop, not a second start.
    expect(linesOtherThanHealth(result.stderr)).toEqual([]);
  }, 150_000);
});
