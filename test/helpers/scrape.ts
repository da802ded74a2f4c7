import { assertPackagesBuilt, runExample } from './children';

export interface Scrape {
  text: string;
  /** Names of the sample lines (`v8js_gc_duration_seconds_bucket`, ...), without `target_info`. */
  names: Set<string>;
  /** Value of the first sample of `name` (optionally with a label fragment such as `le="+Inf"`). */
  value(name: string, labelFragment?: string): number | undefined;
}

export function parseExposition(text: string): Scrape {
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
      if (!match) throw new Error(`not an exposition line: ${line}`);
      return { name: match[1], labels: match[2] ?? '', value: Number(match[3]) };
    });
  const names = new Set(samples.map((sample) => sample.name).filter((name) => name !== 'target_info'));
  return {
    text,
    names,
    value: (name, labelFragment) =>
      samples.find((sample) => sample.name === name && (!labelFragment || sample.labels.includes(labelFragment)))?.value,
  };
}

/**
 * Whether `name` is served by the preset, or is how the Collector's
 * Prometheus exporter spells a series the preset serves: the preset appends
 * `_value` to a non-histogram name ending in `_count`, `_sum` or `_bucket`
 * (packages/exporter-presets/src/internal/prometheusUnits.ts); the
 * Collector does not. Rules that accept both spellings work on both paths.
 */
export function servedOnEitherPath(scrape: Pick<Scrape, 'names'>, name: string): boolean {
  return scrape.names.has(name) || (/_(count|sum|bucket)$/.test(name) && scrape.names.has(`${name}_value`));
}

export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

/** The names the runtime metrics can be served under: runtimeViews({ naming }). */
export type Naming = 'semconv' | 'prom-client';
export const NAMINGS: readonly Naming[] = ['semconv', 'prom-client'];

/**
 * A real scrape of @nodevitals/exporter-presets' Prometheus endpoint, served
 * by examples/prometheus-scrape (runtime metrics + the preset's reader, in
 * the given naming) on a free port. Waits until a GC, a major GC and an
 * event-loop sample have been recorded, so the histogram, window and live-heap
 * series are present.
 */
export async function scrapePreset(env: Record<string, string> = {}, naming: Naming = 'semconv'): Promise<Scrape> {
  assertPackagesBuilt();
  const child = runExample(
    'prometheus-scrape',
    'src/main.ts',
    { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', ...env },
    [],
    ['--naming', naming],
  );
  try {
    // A cold start through the TypeScript hook takes 5-15 s on a loaded machine, with several scrapes started at once.
    const [, url] = await child.waitFor(/runtime metrics at (http:\/\/\S+)/, 60_000);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const scrape = parseExposition(await fetchText(url));
      const gc = naming === 'prom-client' ? 'nodejs_gc_duration_seconds_bucket' : 'v8js_gc_duration_seconds_bucket';
      // The live-heap gauge appears once the first major GC's entry reaches its observer
      // (start-up has one; on a loaded machine its entry may arrive after the first scrape).
      const complete = [gc, 'nodejs_eventloop_delay_distribution_seconds_bucket', 'v8js_memory_heap_live_bytes'].every((name) =>
        scrape.names.has(name),
      );
      if (complete || Date.now() > deadline) return scrape;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await child.stop();
  }
}

/** One scrape in each naming, read as one: a name is served if either naming serves it. */
export async function scrapePresetInEveryNaming(): Promise<Scrape> {
  const scrapes = await Promise.all(NAMINGS.map((naming) => scrapePreset({}, naming)));
  const names = new Set(scrapes.flatMap((scrape) => [...scrape.names]));
  const text = scrapes.map((scrape) => scrape.text).join('\n');
  return { text, names, value: (name, labels) => scrapes.map((scrape) => scrape.value(name, labels)).find((value) => value !== undefined) };
}
