// Starts every family and then has nothing left to do: the process must exit
// on its own. With `--stop`, it also stops them first.
import { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics, NodeRuntimeInstrumentation } from '../../src/index';

const provider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })],
});
const handle = startRuntimeMetrics({ meterProvider: provider });
const instrumentation = new NodeRuntimeInstrumentation();
instrumentation.setMeterProvider(provider);
let garbage: object[] = [];
for (let i = 0; i < 200_000; i++) garbage.push({ i });
garbage = [];
if (process.argv.includes('--stop')) {
  handle.stop();
  instrumentation.disable();
}
process.on('exit', () => process.stdout.write(`exited ${garbage.length}\n`));
