// Packs workspace packages as they would be published and installs the
// tarballs into a fresh temporary project: what a user gets from the registry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The pnpm command: NODEVITALS_PNPM (set by scripts/run.mjs) or pnpm on PATH. */
function pnpm(args: string[], cwd: string): string {
  const command = (process.env.NODEVITALS_PNPM ?? 'pnpm').split(' ');
  return execFileSync(command[0], [...command.slice(1), ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
}

/**
 * Builds and packs each package (`packages/<name>`) with `pnpm pack` (which
 * rewrites workspace: ranges), then `npm install`s the tarballs plus
 * `dependencies` into a new temp folder. Returns that folder.
 */
export function packAndInstall(packages: string[], dependencies: string[]): string {
  const project = mkdtempSync(join(tmpdir(), 'nodevitals-smoke-'));
  const tarballs = packages.map((name) => {
    const dir = join(ROOT, 'packages', name);
    const before = new Set(readdirSync(project));
    pnpm(['pack', '--pack-destination', project], dir);
    const created = readdirSync(project).find((file) => file.endsWith('.tgz') && !before.has(file));
    if (!created) throw new Error(`pnpm pack produced no tarball for ${name}`);
    return join(project, created);
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true, version: '0.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...dependencies], {
    cwd: project,
    stdio: 'pipe',
  });
  return project;
}
