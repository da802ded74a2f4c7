import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { flattenRequest, type ReceivedExport } from './otlpData';
import { encodeRetryInfoStatus, METRICS_SERVICE_PROTO, PROTO_ROOT } from './protos';

/** How the receiver answers one Export call. */
export type Answer =
  | 'ok'
  | 'unavailable'
  | 'invalid-argument'
  | 'black-hole'
  /** `retryAfterMillis: 'absent'` sends a RetryInfo that has no delay in it. */
  | { code: grpc.status; retryAfterMillis?: number | 'absent' };

let serviceDefinition: grpc.ServiceDefinition | undefined;

function metricsService(): grpc.ServiceDefinition {
  if (!serviceDefinition) {
    const definition = protoLoader.loadSync(METRICS_SERVICE_PROTO, {
      includeDirs: [PROTO_ROOT],
      keepCase: false,
      longs: Number,
      enums: Number,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as any;
    serviceDefinition = loaded.opentelemetry.proto.collector.metrics.v1.MetricsService.service;
  }
  return serviceDefinition!;
}

/**
 * A real OTLP/gRPC receiver on 127.0.0.1, decoding with the official protos.
 * Scripted answers are used in order, then `defaultAnswer`. It can be stopped
 * and started again on the same port, as a collector restart would.
 */
export class GrpcReceiver {
  /** Every request answered OK, decoded. */
  readonly received: ReceivedExport[][] = [];
  /** Every call that arrived, whatever the answer: [time, answer]. */
  readonly calls: Array<{ at: number; answer: Answer; metadata: grpc.Metadata }> = [];
  script: Answer[] = [];
  defaultAnswer: Answer = 'ok';
  private server: grpc.Server | undefined;
  private waiters: Array<() => void> = [];
  port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const server = new grpc.Server();
    server.addService(metricsService(), {
      Export: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
        const answer = this.script.shift() ?? this.defaultAnswer;
        this.calls.push({ at: Date.now(), answer, metadata: call.metadata });
        if (answer === 'black-hole') return;
        if (answer === 'ok') {
          this.received.push(flattenRequest(call.request));
          callback(null, {});
        } else if (answer === 'unavailable') {
          callback({ code: grpc.status.UNAVAILABLE, details: 'scripted: unavailable' });
        } else if (answer === 'invalid-argument') {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'scripted: invalid argument' });
        } else {
          const metadata = new grpc.Metadata();
          if (answer.retryAfterMillis !== undefined) {
            metadata.set('grpc-status-details-bin', encodeRetryInfoStatus(answer.code, answer.retryAfterMillis));
          }
          callback({ code: answer.code, details: 'scripted', metadata });
        }
        for (const wake of this.waiters.splice(0)) wake();
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    this.server = server;
    return this;
  }

  /** Kills the receiver: open calls are cut, the port stops answering. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** Resolves once `predicate` holds, checked after every call; rejects after `timeoutMillis`. */
  waitFor(predicate: () => boolean, timeoutMillis = 10_000, what = 'the receiver'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMillis);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      };
      const poll = setInterval(check, 20);
      check();
    });
  }

  /** The most recent OK export's metrics. */
  latest(): ReceivedExport {
    const last = this.received[this.received.length - 1];
    if (!last) throw new Error('nothing received yet');
    return last[0];
  }
}
