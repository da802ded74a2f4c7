// Writes docs/metrics.md from the catalog; with --check, exits 1 if it is stale.
require('./ts-register.cjs');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderMetricsDoc } = require('./metrics-doc.ts');

const target = join(__dirname, '..', 'docs', 'metrics.md');
const rendered = renderMetricsDoc();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== rendered) {
    console.error('docs/metrics.md is stale: run `node scripts/gen-metrics-doc.cjs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, rendered);
  console.log(`wrote ${target}`);
}
