import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, startNode, TS_REGISTER, type RunningChild } from './helpers/childProcess';
import { linesOtherThanHealth } from './helpers/healthLines';
import { PrometheusServer } from './helpers/prometheusServer';

/**
 * The end-to-end proof for Prometheus users: a real Prometheus server (Debian's
 * package) scrapes the preset's endpoint in another process, and what it
 * stored, read back through its HTTP API, is what that process's runtime says.
 */
describe('a real Prometheus server scraping the preset', () => {
  let app: RunningChild;
  let prometheus: PrometheusServer;
  let scraped: { url: string; pid: number; hostname: string; heapSizeLimit: number };
  let spawnedAt: number;

  beforeAll(async () => {
    spawnedAt = Date.now();
    // A heap limit of our choosing, so the series cannot match by accident.
    // Killed only if it outlives the whole file (afterAll ends it): its start, Prometheus's, then tests of up to 70 s each.
    app = startNode([join(FIXTURES, 'prometheusApp.ts')], {}, ['--max-old-space-size=96', '-r', TS_REGISTER], 600_000);
    // A cold start through the TypeScript hook takes 5-15 s on a loaded machine.
    await app.waitForOutput('"url"', 60_000);
    scraped = JSON.parse(app.output().stdout.trim().split('\n')[0]);
    prometheus = await new PrometheusServer().start([new URL(scraped.url).host]);
  }, 120_000);

  afterAll(async () => {
    // Always: a leftover Prometheus would hold its port and TSDB.
    await prometheus?.stop();
    app?.child.kill('SIGTERM');
    const result = await app?.exited;
    // No unhandled rejection, and nothing the preset had to warn about while being scraped (a health
    // transition is the monitor reporting the loaded test machine's loop or GC, not a scrape problem).
    expect(linesOtherThanHealth(result?.stderr ?? 'no result')).toEqual([]);
  }, 30_000);

  it('scrapes the target successfully', async () => {
    const [up] = await prometheus.waitForSeries('up{job="nodevitals"} == 1', 30_000);
    expect(up.metric.instance).toBe(new URL(scraped.url).host);
  }, 40_000);

  it('stores the heap limit of the scraped process, exactly as V8 reports it', async () => {
    const [series] = await prometheus.waitForSeries('v8js_memory_heap_total_limit_bytes', 30_000);
    expect(Number(series.value[1])).toBe(scraped.heapSizeLimit);
    // --max-old-space-size=96 took effect: 96 MiB of old space plus the young generation (which Node 24
    // sizes at ~190 MiB), far below the default limit of several GiB on this machine.
    expect(scraped.heapSizeLimit).toBeGreaterThan(96 * 1024 * 1024);
    expect(scraped.heapSizeLimit).toBeLessThan(512 * 1024 * 1024);
  }, 40_000);

  it('sees process uptime increase between scrapes, within the life of the process', async () => {
    const [first] = await prometheus.waitForSeries('process_uptime_seconds', 30_000);
    const firstValue = Number(first.value[1]);
    const [later] = await prometheus.waitForSeries(`process_uptime_seconds > ${firstValue}`, 30_000);
    const laterValue = Number(later.value[1]);
    expect(laterValue).toBeGreaterThan(firstValue);
    expect(laterValue).toBeLessThanOrEqual((Date.now() - spawnedAt) / 1000 + 1);
  }, 70_000);

  it('has GC pauses counted by kind, with a matching +Inf bucket', async () => {
    const [count] = await prometheus.waitForSeries('sum(v8js_gc_duration_seconds_count) > 0', 30_000);
    expect(Number(count.value[1])).toBeGreaterThan(0);
    const byKind = await prometheus.waitForSeries('v8js_gc_duration_seconds_count{v8js_gc_type="minor"} > 0', 30_000);
    expect(byKind).toHaveLength(1);
    // Buckets in seconds from runtimeViews(): a sub-millisecond bound exists.
    const buckets = await prometheus.query('v8js_gc_duration_seconds_bucket{v8js_gc_type="minor"}');
    expect(buckets.some((bucket) => Number(bucket.metric.le) < 0.001)).toBe(true);
    expect(buckets.some((bucket) => bucket.metric.le === '+Inf')).toBe(true);
  }, 70_000);

  it('carries the resource in target_info, detector attributes that settle late included', async () => {
    const [info] = await prometheus.waitForSeries('target_info', 30_000);
    expect(info.metric).toMatchObject({
      service_name: 'scraped-by-prometheus',
      service_version: '9.8.7',
      host_name: scraped.hostname,
    });
    const machineId = ['/etc/machine-id', '/var/lib/dbus/machine-id'].filter(existsSync).map((file) => readFileSync(file, 'utf8').trim())[0];
    if (machineId) expect(info.metric.host_id).toBe(machineId);
  }, 40_000);

  it('computes the event-loop delay p99 from the mergeable histogram', async () => {
    const [p99] = await prometheus.waitForSeries(
      'histogram_quantile(0.99, sum by (le) (nodejs_eventloop_delay_distribution_seconds_bucket))',
      30_000,
    );
    const seconds = Number(p99.value[1]);
    expect(Number.isFinite(seconds)).toBe(true);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(5);
  }, 40_000);
});
