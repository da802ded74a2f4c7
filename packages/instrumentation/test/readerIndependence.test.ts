import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { METRICS } from '../src/catalog';
import { histogramTotals, sleep, startHarness, valueOf } from './helpers/collect';

setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

const DELAY_GAUGES = Object.values(METRICS).filter(
  (metric) => metric.family === 'eventLoop' && metric.instrument === 'gauge',
);

function busy(millis: number) {
  const start = performance.now();
  while (performance.now() - start < millis);
}

describe('two readers collecting at different moments (a Prometheus scrape and an OTLP push)', () => {
  it('both get every gauge and the same window statistics: neither steals from the other', async () => {
    const harness = startHarness({}, undefined, 2);
    const [scrape, push] = harness.readers;
    await sleep(50);
    busy(40);
    forceGc();
    await sleep(50);
    const first = await scrape.metrics();
    const second = await push.metrics(); // right after: a peer would find an empty window here
    for (const gauge of DELAY_GAUGES) {
      expect(first.has(gauge.name)).toBe(true);
      expect(second.has(gauge.name)).toBe(true);
    }
    expect(valueOf(first, METRICS.eventLoopDelayMax.name)).toBeGreaterThan(0.035);
    expect(valueOf(second, METRICS.eventLoopDelayMax.name)).toBe(valueOf(first, METRICS.eventLoopDelayMax.name));
    await harness.stop();
  });

  it('both see every GC and every delay sample, however their collections interleave', async () => {
    const harness = startHarness({}, undefined, 2);
    const [scrape, push] = harness.readers;
    for (let round = 0; round < 6; round++) {
      forceGc();
      await sleep(20);
      await (round % 2 === 0 ? scrape : push).metrics();
    }
    await sleep(50);
    harness.runtimeMetrics.stop(); // nothing new arrives between the two final reads
    const a = await scrape.metrics();
    const b = await push.metrics();
    const gcA = histogramTotals(a, METRICS.gcDuration.name);
    expect(gcA.count).toBeGreaterThanOrEqual(6);
    const gcB = histogramTotals(b, METRICS.gcDuration.name);
    expect(gcB.count).toBe(gcA.count);
    expect(gcB.sum).toBeCloseTo(gcA.sum, 12);
    const delayA = histogramTotals(a, METRICS.eventLoopDelayDistribution.name);
    expect(delayA.count).toBeGreaterThan(5);
    const delayB = histogramTotals(b, METRICS.eventLoopDelayDistribution.name);
    expect(delayB.count).toBe(delayA.count);
    // Each reader merges its own deltas, so the float sums may differ in the last bit.
    expect(delayB.sum).toBeCloseTo(delayA.sum, 12);
    await harness.stop();
  });
});
