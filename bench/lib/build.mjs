// The bench imports @nodevitals/instrumentation as published: from dist/.
// It rebuilds dist when missing or older than any source file, then copies
// the build into bench/.snapshot/ and every worker imports that copy: others
// rebuild packages/instrumentation in this checkout at any time, and one run
// must measure one build from start to end.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = join(ROOT, 'packages/instrumentation');
export const SNAPSHOT = fileURLToPath(new URL('../.snapshot/instrumentation/', import.meta.url));
export const SNAPSHOT_ENTRY = new URL('../.snapshot/instrumentation/dist/esm/index.js', import.meta.url).href;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const newestMtime = (dir) => Math.max(0, ...files(dir).map((file) => statSync(file).mtimeMs));

function build(log) {
  const built = join(PACKAGE, 'dist/esm/index.js');
  const sources = Math.max(newestMtime(join(PACKAGE, 'src')), statSync(join(PACKAGE, 'package.json')).mtimeMs);
  if (existsSync(built) && existsSync(join(PACKAGE, 'dist/esm/package.json')) && statSync(built).mtimeMs >= sources) return;
  log(`building packages/instrumentation (dist ${existsSync(built) ? 'is older than src' : 'is missing'})`);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-package.mjs')], { cwd: PACKAGE, stdio: 'inherit' });
}

/** Builds if needed, snapshots dist, returns a short hash of the snapshot's files. */
export function ensureBuilt(log = console.log) {
  for (let attempt = 1; ; attempt++) {
    try {
      build(log);
      rmSync(SNAPSHOT, { recursive: true, force: true });
      cpSync(join(PACKAGE, 'dist/esm'), join(SNAPSHOT, 'dist/esm'), { recursive: true });
      const hash = createHash('sha256');
      for (const file of files(SNAPSHOT).sort()) hash.update(file.slice(SNAPSHOT.length)).update(readFileSync(file));
      if (!existsSync(join(SNAPSHOT, 'dist/esm/index.js'))) throw new Error('dist/esm/index.js missing after build');
      return hash.digest('hex').slice(0, 12);
    } catch (error) {
      // Someone else's build may be halfway (dist removed, not yet written).
      if (attempt >= 5) throw error;
      log(`build or snapshot failed (${error.message}); retrying`);
      execFileSync('sleep', ['3']);
    }
  }
}
