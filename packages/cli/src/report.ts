import { formatFindings, judgeRuntime } from '@nodevitals/instrumentation';
import { endpointOf, EndpointError, fetchMetrics } from './fetchMetrics.js';
import { hasRuntimeMetrics, measureScrapes, namingOf, type Scrape } from './measureScrapes.js';

export interface ReportOptions {
  readonly url: URL;
  readonly seconds: number;
  readonly json: boolean;
  readonly color: boolean;
}

/** Scrapes at most this often; a longer period spreads its scrapes to keep about 60 of them. */
const SCRAPE_EVERY_MILLIS = 1_000;
const MAX_SCRAPES = 60;
const SCRAPE_TIMEOUT_MILLIS = 5_000;

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/**
 * Scrapes over the period, judges, prints. Returns the exit code: 1 when a
 * finding is critical. Throws EndpointError when the endpoint cannot be read
 * as runtime metrics at the start, or not twice over the period.
 */
export async function runReport(options: ReportOptions, out: NodeJS.WritableStream): Promise<number> {
  const endpoint = endpointOf(options.url);
  const periodMillis = options.seconds * 1000;
  const every = Math.max(SCRAPE_EVERY_MILLIS, periodMillis / MAX_SCRAPES);
  const scrapes: Scrape[] = [];
  const first = await fetchMetrics(endpoint, SCRAPE_TIMEOUT_MILLIS);
  if (!hasRuntimeMetrics(first)) {
    throw new EndpointError(`${endpoint.printable} serves metrics, but none of the Node.js runtime metrics (nodevitals, Collector or prom-client names)`);
  }
  // The period runs from the first page, not from the request for it: a slow first answer must not
  // shorten the span the rates are measured over.
  const startedAt = performance.now();
  scrapes.push({ page: first, atMillis: startedAt });
  let lastFailure: EndpointError | undefined;
  for (let tick = 1; performance.now() - startedAt < periodMillis; tick++) {
    await sleep(Math.max(0, startedAt + tick * every - performance.now()));
    try {
      scrapes.push({ page: await fetchMetrics(endpoint, SCRAPE_TIMEOUT_MILLIS), atMillis: performance.now() });
    } catch (error) {
      // One failed scrape in a period does not spoil the rates between the others.
      if (!(error instanceof EndpointError)) throw error;
      lastFailure = error;
    }
  }
  if (scrapes.length < 2) throw lastFailure ?? new EndpointError(`${endpoint.printable} answered only once in ${options.seconds} s`);
  const measurements = measureScrapes(scrapes);
  const findings = judgeRuntime(measurements);
  const naming = namingOf(scrapes[scrapes.length - 1].page);
  if (options.json) {
    out.write(JSON.stringify({ endpoint: endpoint.printable, naming, scrapes: scrapes.length, ...findings, measurements }, null, 2) + '\n');
  } else {
    const title = `nodevitals report: ${endpoint.printable}\n${scrapes.length} scrapes over ${measurements.periodSeconds.toFixed(1)} s, ${naming} names`;
    out.write(formatFindings(findings, { title, color: options.color }));
  }
  return findings.verdict === 'critical' ? 1 : 0;
}
