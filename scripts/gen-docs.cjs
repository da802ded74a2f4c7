// Writes the generated pages, docs/metrics.md (from the catalog) and
// docs/configure.md (from the options and the variables the code reads).
// With --check, writes nothing and exits 1 if either is stale.
require('./ts-register.cjs');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderMetricsDoc } = require('./metrics-doc.ts');
const { renderConfigureDoc } = require('./configure-doc.ts');

const pages = [
  ['metrics.md', renderMetricsDoc],
  ['configure.md', renderConfigureDoc],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, render] of pages) {
  const target = join(__dirname, '..', 'docs', name);
  const rendered = render();
  if (!check) {
    writeFileSync(target, rendered);
    console.log(`wrote ${target}`);
    continue;
  }
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== rendered) {
    console.error(`docs/${name} is stale: run \`node scripts/gen-docs.cjs\``);
    stale++;
  }
}
process.exit(stale ? 1 : 0);
