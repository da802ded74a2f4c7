import { createServer } from 'node:net';
import { GrpcReceiver } from '../helpers/grpcReceiver';
import { freePort } from '../helpers/ports';
import { LOADERS, startApp } from '../helpers/zeroCodeApp';
import { startNode, FIXTURES } from '../helpers/childProcess';
import { join } from 'node:path';

async function delay(endpoint: string | undefined): Promise<number> {
  const env = { APP_MODE: 'exit', APP_RUN_MILLIS: '300', OTEL_METRIC_EXPORT_INTERVAL: '600000', ...(endpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } : {}) };
  const app = endpoint ? startApp(LOADERS[1], env) : startNode([join(FIXTURES, 'register', 'app.cjs')], env, []);
  let exitedAt = 0;
  app.child.on('exit', () => (exitedAt = Date.now()));
  const result = await app.exited;
  return exitedAt - Number(result.stdout.match(/app: done at (\d+)/)![1]);
}

(async () => {
  const up = await new GrpcReceiver().start();
  const hole = await new GrpcReceiver().start();
  hole.defaultAnswer = 'black-hole';
  const tcp = createServer(() => undefined);
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const closed = `http://127.0.0.1:${await freePort()}`;
  const cases: Array<[string, string | undefined]> = [
    ['without nodevitals', undefined],
    ['collector up', up.endpoint],
    ['closed port', closed],
    ['gRPC black hole', hole.endpoint],
    ['TCP black hole', `http://127.0.0.1:${(tcp.address() as any).port}`],
  ];
  for (const [name, endpoint] of cases) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await delay(endpoint));
    runs.sort((a, b) => a - b);
    console.log(`${name}: median ${runs[2]} ms, max ${runs[4]} ms (${runs.join(', ')})`);
  }
  process.exit(0);
})();
