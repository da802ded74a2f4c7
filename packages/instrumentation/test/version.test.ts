import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

it('the version the instrumentation scope reports is the package version', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  expect(PACKAGE_NAME).toBe(manifest.name);
  expect(PACKAGE_VERSION).toBe(manifest.version);
});
