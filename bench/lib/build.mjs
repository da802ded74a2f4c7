// The bench imports the nodevitals packages as published: from dist/. It
// rebuilds a package's dist when missing or older than any source file, then
// copies the build into bench/.snapshot/ and every worker imports that copy:
// others rebuild packages in this checkout at any time, and one run must
// measure one build from start to end. Two packages are measured:
// @nodevitals/instrumentation (the collection) and the Prometheus text
// serializer of @nodevitals/exporter-presets (what its /metrics endpoint runs).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SNAPSHOTS = fileURLToPath(new URL('../.snapshot/', import.meta.url));
// Built in this order: exporter-presets type-checks against instrumentation's dist.
const PACKAGES = ['instrumentation', 'exporter-presets'];
export const SNAPSHOT = join(SNAPSHOTS, 'instrumentation/');
export const SNAPSHOT_ENTRY = new URL('../.snapshot/instrumentation/dist/esm/index.js', import.meta.url).href;
/** The serializer behind the exporter-presets Prometheus reader's /metrics (an internal module, imported by path). */
export const PROMETHEUS_TEXT_ENTRY = new URL(
  '../.snapshot/exporter-presets/dist/esm/internal/prometheusText.js',
  import.meta.url,
).href;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const newestMtime = (dir) => Math.max(0, ...files(dir).map((file) => statSync(file).mtimeMs));

function build(name, log) {
  const dir = join(ROOT, 'packages', name);
  const built = join(dir, 'dist/esm/index.js');
  const sources = Math.max(newestMtime(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs);
  if (existsSync(built) && existsSync(join(dir, 'dist/esm/package.json')) && statSync(built).mtimeMs >= sources) return;
  log(`building packages/${name} (dist ${existsSync(built) ? 'is older than src' : 'is missing'})`);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-package.mjs')], { cwd: dir, stdio: 'inherit' });
}

/** Builds if needed, snapshots each package's dist, returns a short hash of all snapshot files. */
export function ensureBuilt(log = console.log) {
  for (let attempt = 1; ; attempt++) {
    try {
      const hash = createHash('sha256');
      for (const name of PACKAGES) {
        build(name, log);
        const snapshot = join(SNAPSHOTS, name);
        rmSync(snapshot, { recursive: true, force: true });
        cpSync(join(ROOT, 'packages', name, 'dist/esm'), join(snapshot, 'dist/esm'), { recursive: true });
        if (!existsSync(join(snapshot, 'dist/esm/index.js'))) throw new Error(`${name}: dist/esm/index.js missing after build`);
        for (const file of files(snapshot).sort()) hash.update(file.slice(SNAPSHOTS.length)).update(readFileSync(file));
      }
      if (!existsSync(fileURLToPath(PROMETHEUS_TEXT_ENTRY))) throw new Error('exporter-presets: internal/prometheusText.js missing');
      return hash.digest('hex').slice(0, 12);
    } catch (error) {
      // Someone else's build may be halfway (dist removed, not yet written).
      if (attempt >= 5) throw error;
      log(`build or snapshot failed (${error.message}); retrying`);
      execFileSync('sleep', ['3']);
    }
  }
}
