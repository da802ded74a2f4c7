import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../src/catalog';
import { renderMetricsDoc } from '../../../scripts/metrics-doc';

describe('docs/metrics.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'metrics.md'), 'utf8');

  it('is exactly what the catalog renders (run `node scripts/gen-docs.cjs` after changing it)', () => {
    expect(doc).toBe(renderMetricsDoc());
  });

  it('lists every catalog metric with its unit', () => {
    for (const metric of Object.values(METRICS)) {
      expect(doc).toContain(`| \`${metric.name}\` |`);
      expect(doc).toContain(`| \`${metric.unit}\` |`);
    }
  });
});
