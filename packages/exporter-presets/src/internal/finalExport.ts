import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { envInteger } from './environment.js';

/**
 * The longest the final export may hold up the end of the process. Kubernetes
 * gives a pod 30 s to stop and the application needs them; a collector that is
 * down or never answers costs at most this.
 */
export const FINAL_EXPORT_DEADLINE_MILLIS = 2000;

/** The variable that moves that bound, for a pod with a longer grace period or a very slow machine. */
export const FINAL_EXPORT_DEADLINE_VARIABLE = 'NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS';
/** Valid range of the variable: long enough to start a worker, short of Kubernetes' 30 s grace period. */
export const FINAL_EXPORT_DEADLINE_RANGE = Object.freeze([100, 25_000] as const);

/** The bound in force: the variable when it is set and valid (a wrong one warns once), else the default. */
export function finalExportDeadlineMillis(): number {
  const [least, most] = FINAL_EXPORT_DEADLINE_RANGE;
  return envInteger([FINAL_EXPORT_DEADLINE_VARIABLE], least, most, FINAL_EXPORT_DEADLINE_MILLIS)?.value ?? FINAL_EXPORT_DEADLINE_MILLIS;
}

/** One OTLP request, already serialized, and where to send it. */
export interface FinalExportRequest {
  readonly protocol: 'grpc' | 'http';
  /** gRPC: the origin to dial (`http://host:port` plaintext, `https://host:port` TLS). HTTP: the full URL. */
  readonly url: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly gzip: boolean;
  readonly ca?: Buffer;
  readonly key?: Buffer;
  readonly cert?: Buffer;
}

export type FinalExportOutcome = 'sent' | 'failed' | 'timed out' | 'not started';

// States of the shared flag. sendInWorker writes 1 and 2 as literals: it runs from its source text.
const PENDING = 0;
const SENT = 1;

/**
 * Runs inside the worker, from its source text: it may use nothing but its
 * arguments and Node's built-in modules. gRPC is one HTTP/2 POST of a
 * length-prefixed message, read back as the grpc-status trailer; HTTP is one
 * POST. The worker exits once the answer (or an error) is in.
 */
function sendInWorker(require: NodeJS.Require, data: FinalExportRequest & { flag: Int32Array; timeoutMillis: number }): void {
  const report = (code: number): void => {
    if (Atomics.compareExchange(data.flag, 0, 0, code) === 0) Atomics.notify(data.flag, 0);
  };
  try {
    const body = Buffer.from(data.body);
    if (data.protocol === 'grpc') {
      const http2 = require('node:http2') as typeof import('node:http2');
      const session = http2.connect(data.url, { ca: data.ca, key: data.key, cert: data.cert });
      session.on('error', () => report(2));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      const request = session.request({
        ':method': 'POST',
        ':path': data.path,
        'content-type': data.contentType,
        te: 'trailers',
        'grpc-timeout': `${data.timeoutMillis}m`,
        ...data.headers,
      });
      let status: unknown;
      request.on('response', (headers) => (status = headers['grpc-status'] ?? status));
      request.on('trailers', (trailers) => (status = trailers['grpc-status'] ?? status));
      request.on('error', () => report(2));
      request.on('close', () => {
        report(String(status) === '0' ? 1 : 2);
        session.close();
      });
      request.resume();
      request.end(frame);
      return;
    }
    const url = new URL(data.url);
    const transport = (url.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:https');
    const payload = data.gzip ? (require('node:zlib') as typeof import('node:zlib')).gzipSync(body) : body;
    const request = transport.request(url, {
      method: 'POST',
      ca: data.ca,
      key: data.key,
      cert: data.cert,
      headers: {
        ...data.headers,
        'content-type': data.contentType,
        'content-length': payload.length,
        ...(data.gzip ? { 'content-encoding': 'gzip' } : {}),
      },
    });
    request.on('response', (response) => {
      response.resume();
      report(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 ? 1 : 2);
      request.destroy();
    });
    request.on('error', () => report(2));
    request.end(payload);
  } catch {
    report(2);
  }
}

const WORKER_SOURCE = `(${sendInWorker.toString()})(require, require('node:worker_threads').workerData);`;

/**
 * Sends `request` from a worker thread started now and blocks this thread
 * until the answer or `deadlineMillis`, whichever comes first. Made for a
 * process.on('exit') listener, where no I/O of the main thread can happen any
 * more: the worker has its own event loop. Never throws.
 */
export function sendBeforeExit(request: FinalExportRequest, deadlineMillis: number): FinalExportOutcome {
  let worker: Worker | undefined;
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // No --import/--require of ours (or the app's) inside the worker.
      execArgv: [],
      workerData: { ...request, flag, timeoutMillis: deadlineMillis },
      stdout: true,
      stderr: true,
    });
    worker.unref();
    const waited = Atomics.wait(flag, 0, PENDING, deadlineMillis);
    const state = Atomics.load(flag, 0);
    if (waited === 'timed-out' || state === PENDING) return 'timed out';
    return state === SENT ? 'sent' : 'failed';
  } catch (error) {
    diag.debug('nodevitals: the final export could not be started', error);
    return 'not started';
  } finally {
    void worker?.terminate().catch(() => undefined);
  }
}
