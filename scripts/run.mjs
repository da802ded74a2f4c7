// The quick-start commands: `npm test`, `npm run demo` and `npm run build`.
// On a fresh machine with only Node and npm, this switches to a supported Node
// line (fetched from the npm registry) if the machine's is not one, fetches
// pnpm through npx, installs the workspace, builds what changed, and then runs
// the demo or every test (installing Debian's prometheus and tmux first, if root).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The pnpm we build with. Not a `packageManager` field: pnpm 12 looks that pin
// up in the registry on every command, and the lookup fails now and then.
const PNPM_VERSION = '12.21.0';
// The Node we run on when the machine's own is outside the supported lines
// (22.15+, 24, 26: what the OpenTelemetry packages we depend on declare).
// .ci/run keeps its Node binaries in the same cache layout.
const PROVISIONED_NODE = '24.21.0';
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nodevitals');
// Test files that take minutes: their own phase, skipped when this is set.
const SKIP_LONG = process.env.NODEVITALS_SKIP_LONG === '1';
const LONG = '\\.long\\.test\\.ts$';
const ACCURACY = '/test/accuracy/';

function log(message) {
  console.log(`\n> ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command[0], [...command.slice(1), ...args], { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) {
    console.error(`\n${[...command, ...args].join(' ')} failed (exit ${status})`);
    process.exit(status);
  }
}

function supportedNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return (major === 22 && minor >= 15) || major === 24 || major === 26;
}

/** Runs this script again on a supported Node, fetched once into the cache as the node-<os>-<arch> npm package. */
function rerunOnSupportedNode() {
  const dir = join(CACHE, `node-${PROVISIONED_NODE}`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = join(dir, 'node_modules', pkg, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    console.log(`> fetching Node ${PROVISIONED_NODE} (${pkg}) from the npm registry into ${dir}, once`);
    mkdirSync(dir, { recursive: true });
    must(['npm'], ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${PROVISIONED_NODE}`]);
  }
  console.log(`> Node ${process.version} is outside the supported lines (22.15+, 24, 26): running on Node ${PROVISIONED_NODE} from ${bin}`);
  // The terminal's Ctrl-C reaches the child too; this process waits for it instead of dying first.
  process.on('SIGINT', () => {});
  // First on PATH, so npm, pnpm and the tests' child processes run on it as well.
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  process.exit(run([join(bin, 'node')], [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { env }));
}

function onPath(binary) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Debian packages the suite needs, by the binaries that show they are installed. */
const SUITE_PACKAGES = [
  // The suite checks our output with a real Prometheus and promtool.
  { name: 'prometheus', binaries: ['prometheus', 'promtool'] },
  // `nodevitals top` is tested in a real terminal: tmux send-keys and capture-pane.
  { name: 'tmux', binaries: ['tmux'] },
];

const missingBinaries = () => SUITE_PACKAGES.flatMap(({ binaries }) => binaries.filter((binary) => !onPath(binary)));

/** Installs the Debian packages the suite needs (prometheus, tmux) when their binaries are missing; as root only. */
function ensureSuiteTools() {
  const missing = missingBinaries();
  if (missing.length === 0) return;
  const packages = SUITE_PACKAGES.filter(({ binaries }) => binaries.some((binary) => missing.includes(binary))).map(({ name }) => name);
  const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`${missing.join(' and ')} not found: the suite needs Debian's ${packages.join(' and ')} package(s); install them as root: ${command}`);
    process.exit(1);
  }
  log(`installing Debian's ${packages.join(' and ')} package(s) (${missing.join(' and ')} not found)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  must(['apt-get'], ['update'], { env });
  must(['apt-get'], ['install', '-y', '--no-install-recommends', ...packages], { env });
  const still = missingBinaries();
  if (still.length > 0) {
    console.error(`${still.join(' and ')} still not found on PATH after installing Debian's ${packages.join(' and ')} package(s)`);
    process.exit(1);
  }
}

/** pnpm from PATH if it is the pinned major, else through npx (cached after the first time). */
function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().split('.')[0] === PNPM_VERSION.split('.')[0]) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
}

function installIfNeeded(pnpm) {
  const marker = join(ROOT, 'node_modules', '.modules.yaml');
  const lock = join(ROOT, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies');
  must(pnpm, ['install', '--frozen-lockfile']);
}

/** Workspace projects that have a build script, by folder, with the folders of their workspace dependencies. */
function buildableProjects() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^packages:\n((?:[ \t]+-.*\n)+)/gm)].flatMap((match) => [...match[1].matchAll(/-\s*(\S+)/g)].map((item) => item[1]));
  const folders = globs.flatMap((glob) =>
    glob.endsWith('/*') ? readdirSync(join(ROOT, glob.slice(0, -2))).map((name) => join(glob.slice(0, -2), name)) : [glob],
  );
  const projects = new Map();
  for (const folder of folders.filter((dir) => existsSync(join(ROOT, dir, 'package.json')))) {
    const manifest = JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8'));
    const deps = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(([, spec]) => spec.startsWith('workspace:'));
    projects.set(manifest.name, { folder, build: Boolean(manifest.scripts?.build), deps: deps.map(([name]) => name) });
  }
  return projects;
}

/** Hash of a file or of every file under a folder, by relative path and content. */
function hashInto(hash, path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) hashInto(hash, join(path, entry));
  } else {
    hash.update(path.slice(ROOT.length)).update(readFileSync(path));
  }
}

/**
 * Builds the projects whose sources (src/, tsconfig*.json, package.json), shared
 * build inputs or workspace dependencies changed since their last successful
 * build, recorded as a fingerprint in node_modules/.cache. pnpm orders them.
 */
function build(pnpm) {
  const projects = buildableProjects();
  const stampFile = join(ROOT, 'node_modules', '.cache', 'nodevitals-build.json');
  const stamps = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
  const fingerprints = new Map();
  const fingerprint = (name) => {
    if (!fingerprints.has(name)) {
      const { folder, deps } = projects.get(name);
      const hash = createHash('sha256');
      for (const shared of ['tsconfig.base.json', 'pnpm-lock.yaml', 'scripts/build-package.mjs']) hashInto(hash, join(ROOT, shared));
      for (const file of readdirSync(join(ROOT, folder)).filter((file) => /^(tsconfig.*\.json|package\.json|src)$/.test(file)).sort()) {
        hashInto(hash, join(ROOT, folder, file));
      }
      for (const dep of deps.filter((dep) => projects.has(dep)).sort()) hash.update(fingerprint(dep));
      fingerprints.set(name, hash.digest('hex'));
    }
    return fingerprints.get(name);
  };
  const stale = [...projects].filter(
    ([name, { folder, build }]) => build && (stamps[folder] !== fingerprint(name) || !existsSync(join(ROOT, folder, 'dist'))),
  );
  if (stale.length === 0) {
    log('packages and examples are up to date (nothing changed since their last build)');
    return;
  }
  log(`building ${stale.map(([, { folder }]) => folder).join(', ')}`);
  const filters = stale.flatMap(([, { folder }]) => ['--filter', `./${folder}`]);
  must(pnpm, ['-r', '--workspace-concurrency=1', ...filters, 'run', 'build'], { env: { ...process.env, CI: process.env.CI ?? '' } });
  for (const [name, { folder }] of stale) stamps[folder] = fingerprint(name);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify(stamps, null, 2) + '\n');
}

/** Test files named *.long.test.ts (outside node_modules). */
function longTestFiles(dir = ROOT) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : longTestFiles(join(dir, entry.name));
    return new RegExp(LONG).test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

function test(pnpm) {
  // Another part of the suite proves the shipped pipelines against a real Collector built from Go modules.
  if (existsSync(join(ROOT, 'scripts', 'build-collector.mjs'))) {
    log('building the OpenTelemetry Collector the suite runs (cached after the first time)');
    must(['node'], [join(ROOT, 'scripts', 'build-collector.mjs')]);
  }
  const env = { ...process.env, NODEVITALS_PNPM: pnpm.join(' '), OTEL_METRICS_EXPORTER: 'none' };
  log('type-checking packages and the tests (the examples were type-checked by their build)');
  let typecheckFailed = 0;
  for (const project of ['packages/instrumentation', 'packages/exporter-presets', 'packages/cli', 'test']) {
    const status = run(['node'], [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, 'tsconfig.json'), '--noEmit'], { env });
    if (status !== 0) typecheckFailed++;
  }
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const extra = process.argv.slice(3);
  // The timing-accuracy suites first, alone and in band (a machine busy with
  // other suites would starve the process they measure); then everything else
  // with several workers (those suites mostly wait); then the suites that take
  // minutes, once per run (CI skips them on its extra Node lines).
  // Each phase picks its files by exclusion only (a pattern that ignores every
  // other path), so a filter given to `npm test -- <filter>` narrows every
  // phase instead of adding its files to each.
  const only = (pattern) => `^(?!.*${pattern})`;
  const phases = [
    { title: 'timing-accuracy suites, one at a time', ignore: [only(ACCURACY), LONG], args: ['--runInBand'] },
    { title: 'all other suites', ignore: [ACCURACY, LONG], args: [] },
    { title: 'long suites (minutes each)', ignore: [only(LONG)], args: [], long: true },
  ];
  let passed = 0;
  let failed = 0;
  let status = 0;
  for (const [index, phase] of phases.entries()) {
    if (phase.long && SKIP_LONG) {
      log(`skipping the long suites (NODEVITALS_SKIP_LONG=1): ${longTestFiles().length} file(s) not run, not counted`);
      continue;
    }
    log(`running the test suite on Node ${process.version}: ${phase.title}`);
    const report = join(ROOT, '.tmp', `jest-report-${index}.json`);
    rmSync(report, { force: true });
    // --passWithNoTests: a path filter given to `npm test -- <filter>` may leave a phase empty.
    const args = [...extra, '--json', '--passWithNoTests', `--outputFile=${report}`, ...phase.args];
    const code = run(['node'], [jest, ...args, '--testPathIgnorePatterns', '/node_modules/', ...phase.ignore], { env });
    status ||= code;
    if (existsSync(report)) {
      const results = JSON.parse(readFileSync(report, 'utf8'));
      passed += results.numPassedTests;
      failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
    } else {
      failed += 1;
    }
  }
  failed += typecheckFailed;
  if (typecheckFailed) console.error(`${typecheckFailed} project(s) failed to type-check`);
  // Plain summary for CI (jest's own is not recognised there).
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(status !== 0 || failed > 0 ? 1 : 0);
}

function demo() {
  log('starting the demo (Ctrl-C stops it)');
  const status = run(['node'], [join(ROOT, 'examples', 'demo', 'dist', 'main.js'), ...process.argv.slice(3)]);
  process.exit(status);
}

const mode = process.argv[2];
if (!['test', 'demo', 'build'].includes(mode)) {
  console.error('usage: node scripts/run.mjs test|demo|build [args]');
  process.exit(2);
}
if (!supportedNode()) rerunOnSupportedNode();
if (mode === 'test') ensureSuiteTools();
const pnpm = pnpmCommand();
installIfNeeded(pnpm);
build(pnpm);
if (mode === 'test') test(pnpm);
else if (mode === 'demo') demo();
