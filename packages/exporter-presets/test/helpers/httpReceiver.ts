import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { flattenRequest, type ReceivedExport } from './otlpData';
import { otlpTypes } from './protos';

/** An OTLP/HTTP receiver on 127.0.0.1 accepting protobuf and JSON on /v1/metrics. */
export class HttpReceiver {
  readonly received: Array<{ contentType: string; headers: IncomingHttpHeaders; exports: ReceivedExport[] }> = [];
  /** Status codes to answer, in order, before answering 200. */
  script: number[] = [];
  private server: Server | undefined;
  port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** On `port` (a restart on the same port, as a collector restart would), else on any free one. */
  async start(port = this.port): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.script.shift();
        if (status !== undefined) {
          response.writeHead(status).end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const contentType = String(request.headers['content-type']);
        const { request: requestType, response: responseType } = otlpTypes();
        if (request.url !== '/v1/metrics') {
          response.writeHead(404).end();
          return;
        }
        const decoded = contentType.includes('json')
          ? requestType.toObject(requestType.fromObject(JSON.parse(body.toString('utf8'))), { longs: Number, enums: Number })
          : requestType.toObject(requestType.decode(body), { longs: Number, enums: Number, oneofs: true });
        this.received.push({ contentType, headers: request.headers, exports: flattenRequest(decoded) });
        response.writeHead(200, { 'Content-Type': contentType });
        response.end(
          contentType.includes('json') ? '{}' : Buffer.from(responseType.encode(responseType.create({})).finish()),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
