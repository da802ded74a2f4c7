// Run with V8's young-generation mark-sweep (--minor-ms, --minor-mc on Node 20):
// every minor GC then arrives as GCType 2, which peers drop.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PerformanceObserver } from 'node:perf_hooks';
import { startRuntimeMetrics } from '../../src/index';
import { histogramTotals, TestReader } from '../helpers/collect';

async function main() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const kinds: Record<number, number> = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail: { kind: number } }).detail.kind;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const handle = startRuntimeMetrics({ meterProvider: provider, eventLoop: false, heap: false, process: false, resources: false });
  let keep: object[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    keep.push({ i });
    if (keep.length > 1000) keep = [];
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  handle.stop();
  observer.disconnect();
  const metrics = await reader.metrics();
  console.log(
    JSON.stringify({
      kinds,
      minor: histogramTotals(metrics, 'v8js.gc.duration', { 'v8js.gc.type': 'minor' }).count,
      all: histogramTotals(metrics, 'v8js.gc.duration').count,
    }),
  );
}
void main();
