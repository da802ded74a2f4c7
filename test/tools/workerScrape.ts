/**
 * A real scrape of the Prometheus preset from a process running the
 * instrumentation with `workers: true` and some worker threads: what the
 * default scrape of the example app cannot show (the workers family is
 * opt-in). Runs the built packages in this process.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT } from '../helpers/paths';
import { fetchText, parseExposition, type Scrape } from '../helpers/scrape';

const presetsDist = join(ROOT, 'packages', 'exporter-presets', 'dist', 'cjs');
const instrumentationDist = join(ROOT, 'packages', 'instrumentation', 'dist', 'cjs');

/** Scrapes until every worker has its heap used reported (it is answered asynchronously), at most 20 s. */
export async function measureWorkerScrape(workers: number): Promise<Scrape> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const presets = require(presetsDist) as typeof import('../../packages/exporter-presets/src/index');
  const { startRuntimeMetrics } = require(instrumentationDist) as typeof import('../../packages/instrumentation/src/index');
  const { MeterProvider } = require(require.resolve('@opentelemetry/sdk-metrics', { paths: [presetsDist] })) as typeof import('@opentelemetry/sdk-metrics');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const reader = presets.prometheusMetricReader({ host: '127.0.0.1', port: 0 });
  const meterProvider = new MeterProvider({ readers: [reader], views: presets.runtimeViews() });
  const runtime = startRuntimeMetrics({ meterProvider, workers: true });
  const threads = Array.from({ length: workers }, (_, index) => new Worker('setInterval(() => {}, 1000)', { eval: true, name: `pool-${index}` }));
  try {
    const { url } = await reader.ready;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const scrape = parseExposition(await fetchText(url));
      const reported = [...scrape.text.matchAll(/^nodejs_worker_heap_used_bytes\{/gm)].length;
      if (reported >= workers || Date.now() > deadline) return scrape;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await Promise.all(threads.map((thread) => thread.terminate()));
    runtime.stop();
    await meterProvider.shutdown();
  }
}
