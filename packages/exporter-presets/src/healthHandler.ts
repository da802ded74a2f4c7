import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEALTH_FLAVOURS, type HealthFlavour } from '@nodevitals/instrumentation';
import { healthResponse, type HealthSource } from './internal/healthResponse.js';
import { checkOptionsObject, optionalChoice } from './internal/validate.js';

/** Options of `healthHandler()`. */
export interface HealthHandlerOptions {
  /**
   * `readiness`: 503 on any critical check (a readiness probe, load balancer health check).
   * `liveness`: 503 only on a critical check a restart fixes (a liveness probe). Default `readiness`.
   */
  flavour?: HealthFlavour;
}

/**
 * A node:http request handler answering a health probe from `monitor`, for
 * apps that serve their own port: `http.createServer`, express
 * (`app.get('/health', handler)`), fastify (`reply.hijack()` then
 * `handler(request.raw, reply.raw)`), koa (`ctx.respond = false` then
 * `handler(ctx.req, ctx.res)`). It answers whatever path it is mounted on;
 * GET and HEAD only (405 otherwise). The monitor must be started; the
 * handler only reads its last evaluation, so a probe costs no measurement.
 * A wrong option throws here, naming the field and value.
 */
export function healthHandler(
  monitor: HealthSource,
  options?: HealthHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  if (typeof (monitor as { report?: unknown })?.report !== 'function') {
    throw new TypeError(`monitor must be a HealthMonitor, got ${String(monitor)}`);
  }
  const checked = checkOptionsObject(options, ['flavour']);
  const flavour = optionalChoice('flavour', checked.flavour, HEALTH_FLAVOURS) ?? 'readiness';
  return (request, response) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('Method Not Allowed\n');
        return;
      }
      const { statusCode, headers, body } = healthResponse(monitor, flavour);
      response.writeHead(statusCode, { ...headers, 'Content-Length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      // A framework's response already half-written, a socket gone: the host's server must not see a throw.
      if (!response.headersSent) response.writeHead(500).end();
    }
  };
}
