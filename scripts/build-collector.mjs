// Builds the OpenTelemetry Collector described by
// collector-config/builder/manifest.yaml with the Collector Builder (ocb), once:
// the binary goes to a cache folder named after the manifest's hash
// (~/.cache/nodevitals/otelcol-<hash>/), and any later run with the same
// manifest reuses it. The builder itself is installed with `go install` into
// the cache when missing. Everything comes from the Go module proxy.
//
//   node scripts/build-collector.mjs          one line: where the binary is, built or reused
//   node scripts/build-collector.mjs --path   only the binary's path on stdout (for the tests)
//
// Concurrent callers (test workers) share one build: the first takes a lock
// folder, the others wait for it and then reuse the result.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST = join(ROOT, 'collector-config', 'builder', 'manifest.yaml');
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nodevitals');
// A build that has not finished in this long died without removing its lock.
const STALE_LOCK_MILLIS = 30 * 60_000;

/**
 * The Collector release of the manifest: every core module of the v0 line
 * (`go.opentelemetry.io/collector/... v0.N.x`) must name the same one, and the
 * builder of that release is the one that understands the manifest.
 */
export function collectorRelease(manifestText) {
  const versions = new Set(
    [...manifestText.matchAll(/gomod:\s*go\.opentelemetry\.io\/collector\/\S+\s+(v0\.\d+\.\d+)/g)].map((match) => match[1]),
  );
  if (versions.size !== 1) {
    throw new Error(`${MANIFEST}: core Collector modules must share one v0 release, found ${[...versions].join(', ') || 'none'}`);
  }
  return [...versions][0];
}

/** Where the binary of this manifest lives (whether or not it is built yet). */
export function collectorPaths(manifestText = readFileSync(MANIFEST, 'utf8')) {
  const hash = createHash('sha256').update(manifestText).digest('hex').slice(0, 16);
  const name = manifestText.match(/^\s*name:\s*(\S+)/m)?.[1] ?? 'otelcol';
  const directory = join(CACHE, `otelcol-${hash}`);
  return { directory, binary: join(directory, name), name, hash };
}

function sleep(millis) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, millis);
}

function go(args, options) {
  const result = spawnSync('go', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) {
    const missing = result.error.code === 'ENOENT';
    throw new Error(missing ? 'the `go` command is not on PATH: Go 1.26+ is needed to build the Collector' : String(result.error));
  }
  return result;
}

/** The builder of `release`, installed into the cache with `go install` if missing. */
function builderBinary(release) {
  const bin = join(CACHE, `ocb-${release}`);
  const builder = join(bin, 'builder');
  if (existsSync(builder)) return builder;
  const result = go(['install', `go.opentelemetry.io/collector/cmd/builder@${release}`], {
    env: { ...process.env, GOBIN: bin },
  });
  if (result.status !== 0) throw new Error(`go install of the Collector Builder ${release} failed:\n${result.stderr.slice(-4000)}`);
  return builder;
}

function build(manifestText, paths) {
  const release = collectorRelease(manifestText);
  const builder = builderBinary(release);
  // ocb writes the sources and the binary under the manifest's relative
  // output_path, resolved from its working folder: a fresh folder beside the
  // cache entry, moved into place only once the binary exists.
  const work = `${paths.directory}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const manifestCopy = join(work, 'manifest.yaml');
  writeFileSync(manifestCopy, manifestText);
  const result = spawnSync(builder, [`--config=${manifestCopy}`], { cwd: work, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  writeFileSync(join(work, 'build.log'), log);
  const outputPath = manifestText.match(/^\s*output_path:\s*(\S+)/m)?.[1] ?? '.';
  const built = join(work, outputPath, paths.name);
  if (result.status !== 0 || !existsSync(built)) {
    throw new Error(`the Collector Builder failed (exit ${result.status}); log in ${join(work, 'build.log')}:\n${log.slice(-4000)}`);
  }
  // Out of the sources folder (which may have the binary's own name), then the sources go.
  renameSync(built, join(work, `${paths.name}.binary`));
  rmSync(join(work, outputPath), { recursive: true, force: true });
  renameSync(join(work, `${paths.name}.binary`), join(work, paths.name));
  rmSync(paths.directory, { recursive: true, force: true });
  renameSync(work, paths.directory);
  return release;
}

/**
 * The Collector binary of the manifest: reused from the cache, or built
 * (minutes: modules download and compile) and cached. Returns its path and
 * whether this call built it.
 */
export function ensureCollector() {
  const manifestText = readFileSync(MANIFEST, 'utf8');
  const paths = collectorPaths(manifestText);
  if (existsSync(paths.binary)) return { ...paths, built: false, seconds: 0 };
  mkdirSync(CACHE, { recursive: true });
  const lock = `${paths.directory}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (existsSync(paths.binary)) return { ...paths, built: false, seconds: 0 };
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MILLIS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // The lock went away between the two calls: take it on the next turn.
      }
      sleep(1000);
    }
  }
  try {
    if (existsSync(paths.binary)) return { ...paths, built: false, seconds: 0 };
    build(manifestText, paths);
    return { ...paths, built: true, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const result = ensureCollector();
    if (process.argv.includes('--path')) {
      console.log(result.binary);
    } else {
      const how = result.built ? `built in ${result.seconds} s` : 'reused from the cache';
      console.log(`otelcol (collector-config/builder/manifest.yaml ${result.hash}): ${result.binary}, ${how}`);
    }
  } catch (error) {
    console.error(`build-collector: ${error.message}`);
    process.exit(1);
  }
}
