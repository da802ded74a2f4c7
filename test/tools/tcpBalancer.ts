/**
 * A connection-level load balancer on 127.0.0.1, standing in for the
 * `nodevitals-gateway` Kubernetes Service in front of the gateway replicas:
 * each new TCP connection goes to the next replica in turn, skipping one that
 * refuses (as a Service skips a pod that is not ready). Like kube-proxy it
 * balances connections, not requests: a gRPC client stays on one replica
 * until its connection breaks. It counts the bytes clients send through it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  /** Bytes received from clients (the requests' wire size: HTTP/2 frames, gzip bodies). */
  bytesFromClients = 0;
  port = 0;

  constructor(private readonly upstreams: () => string[]) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    this.connectUpstream(client, this.upstreams().length);
  }

  private connectUpstream(client: Socket, triesLeft: number): void {
    const targets = this.upstreams();
    if (triesLeft <= 0 || targets.length === 0 || client.destroyed) {
      client.destroy();
      return;
    }
    const target = targets[this.next++ % targets.length];
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = connect({ host, port });
    this.sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.on('error', () => client.destroy());
      client.on('data', (chunk: Buffer) => (this.bytesFromClients += chunk.length));
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.resume();
    });
    upstream.once('error', () => {
      this.sockets.delete(upstream);
      if (!connected) this.connectUpstream(client, triesLeft - 1);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
