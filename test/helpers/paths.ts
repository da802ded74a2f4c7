import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const COLLECTOR_CONFIG = join(ROOT, 'collector-config');
export const PROMETHEUS_DIR = join(COLLECTOR_CONFIG, 'prometheus');
export const RULE_FILES = [
  join(PROMETHEUS_DIR, 'rules', 'nodevitals-recording.yml'),
  join(PROMETHEUS_DIR, 'rules', 'nodevitals-alerts.yml'),
];
export const DASHBOARD = join(COLLECTOR_CONFIG, 'grafana', 'nodevitals-runtime.json');
export const DOCS = join(ROOT, 'docs');
export const EXAMPLES = join(ROOT, 'examples');
export const TS_REGISTER = join(ROOT, 'scripts', 'ts-register.cjs');

/**
 * The repository root has no dependencies of its own beyond jest and
 * TypeScript; test-only tools (yaml, the gRPC receiver's packages) are
 * dependencies of examples/otlp-debug-receiver and resolved from there.
 */
export const requireTool = createRequire(join(EXAMPLES, 'otlp-debug-receiver', 'package.json'));
