// Builds the package in the current directory twice from the same sources:
// CommonJS into dist/cjs and ES modules into dist/esm, each with its own
// package.json "type" so Node loads the right format whatever the root says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
const builds = [
  { dir: 'cjs', type: 'commonjs', args: ['--module', 'node16', '--moduleResolution', 'node16'] },
  { dir: 'esm', type: 'module', args: ['--module', 'es2022', '--moduleResolution', 'bundler'] },
];
for (const { dir, type, args } of builds) {
  const outDir = join('dist', dir);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, ...args], {
    cwd,
    stdio: 'inherit',
  });
  mkdirSync(join(cwd, outDir), { recursive: true });
  writeFileSync(join(cwd, outDir, 'package.json'), JSON.stringify({ type }) + '\n');
}
