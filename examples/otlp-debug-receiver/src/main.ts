/**
 * Prints what arrives over OTLP/gRPC, one line per export:
 *
 *   node dist/main.js                  # listens on 127.0.0.1:4317
 *   node dist/main.js --port 14317 --host 0.0.0.0
 *
 * then run an app with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317.
 */
import { dataPointCount, metricNames, resourceAttributes, startReceiver } from './receiver.js';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const receiver = await startReceiver({
    host: argument('host', '127.0.0.1'),
    port: Number(argument('port', '4317')),
    onExport: ({ bytes, gzipBytes, request }) => {
      const names = metricNames(request);
      const service = resourceAttributes(request)['service.name'] ?? '(no service.name)';
      console.log(
        `${new Date().toISOString()} ${service}: ${names.length} metrics, ${dataPointCount(request)} data points, ` +
          `${bytes} bytes protobuf, ${gzipBytes} gzipped`,
      );
      console.log(`  ${names.join(' ')}`);
    },
  });
  console.log(`OTLP/gRPC metrics receiver on ${receiver.address}`);
  const stop = (): void => {
    receiver.close().finally(() => process.exit());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
