import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('../', import.meta.url));

export function machine() {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
  };
}

const PACKAGES = [
  '@nodevitals/instrumentation',
  '@opentelemetry/instrumentation-runtime-node',
  'prom-client',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/otlp-transformer',
];

export function versions() {
  const found = {};
  for (const name of PACKAGES) {
    const path = name === '@nodevitals/instrumentation' ? '../packages/instrumentation' : `node_modules/${name}`;
    found[name] = JSON.parse(readFileSync(`${BENCH}${path}/package.json`, 'utf8')).version;
  }
  return found;
}

export function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages/instrumentation/src'], { cwd: BENCH, encoding: 'utf8' }).trim();
    return dirty ? `${head} (instrumentation src modified)` : head;
  } catch {
    return 'unknown';
  }
}
