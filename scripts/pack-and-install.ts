// Packs workspace packages as they would be published and installs the
// tarballs into a fresh temporary project: what a user gets from the registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The pnpm command: NODEVITALS_PNPM (set by scripts/run.mjs) or pnpm on PATH. */
function pnpm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const command = (process.env.NODEVITALS_PNPM ?? 'pnpm').split(' ');
  return execFileSync(command[0], [...command.slice(1), ...args], { cwd, encoding: 'utf8', stdio: 'pipe', env });
}

/** Newest modification time of the files under `dir`, 0 if there is none. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const times = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return Math.max(0, ...times);
}

/**
 * Builds the package unless its dist/ is already newer than its src/. The
 * pack itself then skips `prepack`: rebuilding (which empties dist/ first)
 * while other test files import that dist/ would break them at random, and two
 * smoke tests packing the same package at once would race each other.
 */
function ensureBuilt(dir: string): void {
  if (newest(join(dir, 'dist')) >= newest(join(dir, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-package.mjs')], { cwd: dir, stdio: 'pipe' });
}

/**
 * Packs each package (`packages/<name>`, built from its current sources) with
 * `pnpm pack` (which rewrites workspace: ranges) into `destination`. Returns
 * the tarballs' paths, in the order given.
 */
export function packTarballs(packages: string[], destination: string): string[] {
  return packages.map((name) => {
    const dir = join(ROOT, 'packages', name);
    ensureBuilt(dir);
    const before = new Set(readdirSync(destination));
    pnpm(['pack', '--pack-destination', destination], dir, { ...process.env, PNPM_CONFIG_IGNORE_SCRIPTS: 'true', npm_config_ignore_scripts: 'true' });
    const created = readdirSync(destination).find((file) => file.endsWith('.tgz') && !before.has(file));
    if (!created) throw new Error(`pnpm pack produced no tarball for ${name}`);
    return join(destination, created);
  });
}

/**
 * Packs the packages, then `npm install`s the tarballs together, so they
 * resolve each other, plus `dependencies` into a new temp folder. Returns that
 * folder.
 */
export function packAndInstall(packages: string[], dependencies: string[]): string {
  const project = mkdtempSync(join(tmpdir(), 'nodevitals-smoke-'));
  const tarballs = packTarballs(packages, project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true, version: '0.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...dependencies], {
    cwd: project,
    stdio: 'pipe',
  });
  return project;
}
