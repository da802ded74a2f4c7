// Prints what nodejs.cpu.count reports next to what the process may run on
// (os.availableParallelism() and the kernel's Cpus_allowed_list). With
// `--narrow`, it then pins itself to CPU 0 (`taskset -p -c 0`, a real
// affinity change under a running process) and collects again.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { startRuntimeMetrics } from '../../src/index';
import { TestReader, valueOf } from '../helpers/collect';

const allowedCpus = (): string => /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';

async function reading(reader: TestReader) {
  const reported = valueOf(await reader.metrics(), METRICS.availableParallelism.name);
  return { reported, api: availableParallelism(), allowed: allowedCpus() };
}

async function main(): Promise<void> {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = startRuntimeMetrics({ meterProvider: provider, heap: false, gc: false, eventLoop: false, resources: false });
  const readings = [await reading(reader)];
  if (process.argv.includes('--narrow')) {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    readings.push(await reading(reader));
  }
  handle.stop();
  await provider.shutdown();
  console.log(JSON.stringify(readings));
}

void main();
