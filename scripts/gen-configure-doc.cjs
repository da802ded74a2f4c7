// Writes docs/configure.md from scripts/configure-doc.ts; with --check, exits 1 if it is stale.
require('./ts-register.cjs');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderConfigureDoc } = require('./configure-doc.ts');

const target = join(__dirname, '..', 'docs', 'configure.md');
const rendered = renderConfigureDoc();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== rendered) {
    console.error('docs/configure.md is stale: run `node scripts/gen-configure-doc.cjs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, rendered);
  console.log(`wrote ${target}`);
}
