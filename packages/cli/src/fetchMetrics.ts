import { NotMetricsError, parsePrometheusText, type MetricsPage } from './parsePrometheusText.js';
import { redactUrl } from './redactUrl.js';

/** An endpoint that cannot be read as metrics: one line for the user, already free of secrets. */
export class EndpointError extends Error {}

/** Bigger than any runtime-metrics page by far; a bound so a wrong URL streaming a large file cannot fill memory. */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;

export interface Endpoint {
  /** The URL fetched, without userinfo (fetch refuses it; it goes in a header). */
  readonly url: URL;
  /** For messages. */
  readonly printable: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Splits userinfo off into a Basic authorization header, once, where the URL is parsed. */
export function endpointOf(url: URL): Endpoint {
  const headers: Record<string, string> = { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' };
  const clean = new URL(url.href);
  if (clean.username !== '' || clean.password !== '') {
    const user = decodeURIComponent(clean.username);
    const password = decodeURIComponent(clean.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    clean.username = '';
    clean.password = '';
  }
  return { url: clean, printable: redactUrl(url), headers };
}

function networkReason(error: unknown, timeoutMillis: number): string {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMillis / 1000} s`;
  const cause = (error as { cause?: { code?: string } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed before an answer';
    case undefined:
      return 'the request failed';
    default:
      return `the request failed (${String(cause?.code)})`;
  }
}

async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_PAGE_BYTES) {
      await reader.cancel();
      throw new EndpointError(`more than ${MAX_PAGE_BYTES / 1024 / 1024} MiB: not a metrics page`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One scrape: the page parsed, or an EndpointError saying in one line why not. */
export async function fetchMetrics(endpoint: Endpoint, timeoutMillis: number): Promise<MetricsPage> {
  const where = endpoint.printable;
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint.url, { headers: endpoint.headers, signal: AbortSignal.timeout(timeoutMillis), redirect: 'follow' });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new EndpointError(`${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    text = await readCapped(response);
  } catch (error) {
    if (error instanceof EndpointError) throw new EndpointError(error.message.startsWith(where) ? error.message : `${where}: ${error.message}`);
    throw new EndpointError(`cannot read ${where}: ${networkReason(error, timeoutMillis)}`);
  }
  if (/html/i.test(response.headers.get('content-type') ?? '')) throw new EndpointError(`${where} is not a Prometheus metrics page (it serves HTML)`);
  try {
    return parsePrometheusText(text);
  } catch (error) {
    if (error instanceof NotMetricsError) throw new EndpointError(`${where} is not a Prometheus metrics page (${error.message})`);
    throw error;
  }
}
