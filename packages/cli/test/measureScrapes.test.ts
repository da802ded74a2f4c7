// The figures the report takes from pages it cannot get from a short real run:
// a restart mid-period, an hour of handle growth, the Collector's and prom-client's
// spellings side by side, and the (opt-in) workers family. Pages in the text format
// as those servers write it.
import { measureScrapes, namingOf, type Scrape } from '../src/measureScrapes';
import { parsePrometheusText } from '../src/parsePrometheusText';

const scrape = (text: string, atMillis: number): Scrape => ({ page: parsePrometheusText(text), atMillis });

/** A prom-client GC histogram (label `kind`, prom-client's buckets) with `fast` pauses under 1 ms and `slow` ones between 0.1 and 1 s. */
function promClientGc(fast: number, slow: number, sum: number): string {
  const bucket = (le: string, count: number) => `nodejs_gc_duration_seconds_bucket{le="${le}",kind="minor"} ${count}`;
  return [
    '# TYPE nodejs_gc_duration_seconds histogram',
    bucket('0.001', fast),
    bucket('0.01', fast),
    bucket('0.1', fast),
    bucket('1', fast + slow),
    bucket('+Inf', fast + slow),
    `nodejs_gc_duration_seconds_sum{kind="minor"} ${sum}`,
    `nodejs_gc_duration_seconds_count{kind="minor"} ${fast + slow}`,
    'nodejs_heap_size_used_bytes 50000000',
    'process_open_fds 40',
    'process_max_fds 1024',
  ].join('\n');
}

describe('measureScrapes', () => {
  it("rates prom-client's GC histogram over the period, and its p99 from the buckets", () => {
    // 10 s apart: 200 fast pauses and 5 slow ones, 1.5 s of pauses in all.
    const measured = measureScrapes([scrape(promClientGc(100, 0, 0.05), 0), scrape(promClientGc(300, 5, 1.55), 10_000)]);
    expect(namingOf(scrape(promClientGc(1, 0, 0), 0).page)).toBe('prom-client');
    expect(measured.gc!.timeShare).toBeCloseTo(0.15, 5);
    expect(measured.gc!.byKind.minor.count).toBe(205);
    // Rank 0.99 * 205 = 202.95 falls in (0.1, 1]: 2.95 of its 5 pauses, interpolated.
    expect(measured.gc!.byKind.minor.p99Seconds).toBeCloseTo(0.1 + 0.9 * (2.95 / 5), 5);
    expect(measured.openFileDescriptors).toBe(40);
    expect(measured.fileDescriptorLimit).toBe(1024);
  });

  it('gives no GC rate across a restart (the sum went back)', () => {
    const measured = measureScrapes([scrape(promClientGc(300, 5, 1.55), 0), scrape(promClientGc(10, 0, 0.01), 10_000)]);
    expect(measured.gc).toBeUndefined();
    expect(measured.heapUsedBytes).toBe(50_000_000);
  });

  it("reads the Collector exporter's descriptor count (no _value) and grades an hour of handle growth", () => {
    const page = (handles: number): string =>
      [
        'v8js_memory_heap_total_used_bytes{job="api",instance="a"} 1e8',
        'process_unix_file_descriptor_count{job="api",instance="a"} 77',
        'process_unix_file_descriptor_limit{job="api",instance="a"} 1024',
        `v8js_resource_active{v8js_resource_type="TCPSocketWrap",job="api",instance="a"} ${handles}`,
        'v8js_resource_active{v8js_resource_type="Timeout",job="api",instance="a"} 2',
      ].join('\n');
    // A scrape a minute for an hour; the count swings with load, its floor doubles from 10 to 20 sockets.
    const scrapes = Array.from({ length: 61 }, (_, minute) => scrape(page((minute < 30 ? 10 : 20) + (minute % 3) * 7), minute * 60_000));
    expect(namingOf(scrapes[0].page)).toBe('collector');
    const measured = measureScrapes(scrapes);
    expect(measured.openFileDescriptors).toBe(77);
    expect(measured.activeHandlesGrowth).toBeCloseTo(22 / 12, 5);
    expect(measureScrapes(scrapes.slice(0, 30)).activeHandlesGrowth).toBeUndefined();
  });

  it('reads the workers family: count, the busiest worker loop over the period, the fullest worker heap', () => {
    const page = (busyA: number, idleA: number, busyB: number, idleB: number): string =>
      [
        'nodejs_worker_count_value 2',
        `nodejs_worker_eventloop_time_seconds_total{nodejs_eventloop_state="active",thread_id="1"} ${busyA}`,
        `nodejs_worker_eventloop_time_seconds_total{nodejs_eventloop_state="idle",thread_id="1"} ${idleA}`,
        `nodejs_worker_eventloop_time_seconds_total{nodejs_eventloop_state="active",thread_id="2"} ${busyB}`,
        `nodejs_worker_eventloop_time_seconds_total{nodejs_eventloop_state="idle",thread_id="2"} ${idleB}`,
        'nodejs_worker_heap_used_bytes{thread_id="1"} 30',
        'nodejs_worker_heap_limit_bytes{thread_id="1"} 100',
        'nodejs_worker_heap_used_bytes{thread_id="2"} 90',
        'nodejs_worker_heap_limit_bytes{thread_id="2"} 100',
        'v8js_memory_heap_total_used_bytes 1e8',
      ].join('\n');
    // Over 10 s: worker 1 busy 1 s, worker 2 busy 9.5 s.
    const measured = measureScrapes([scrape(page(5, 50, 5, 50), 0), scrape(page(6, 59, 14.5, 50.5), 10_000)]);
    expect(measured.workers).toEqual({ count: 2, busiestUtilization: 0.95, fullestHeapShare: 0.9 });
  });
});
