// The two quick-start commands: `npm run demo` and `npm test`. On a fresh
// machine with only Node and npm, this fetches pnpm through npx, installs the
// workspace, builds it, and then runs the demo or every test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The pnpm we build with. Not a `packageManager` field: pnpm 12 looks that pin
// up in the registry on every command, and the lookup fails now and then.
const PNPM_VERSION = '12.21.0';

function log(message) {
  console.log(`\n> ${message}`);
}

/** pnpm from PATH if it is the pinned major, else through npx (cached after the first time). */
function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().split('.')[0] === PNPM_VERSION.split('.')[0]) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
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

function installIfNeeded(pnpm) {
  const marker = join(ROOT, 'node_modules', '.modules.yaml');
  const lock = join(ROOT, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies');
  must(pnpm, ['install', '--frozen-lockfile']);
}

function build(pnpm) {
  log('building packages and examples');
  must(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build'], { env: { ...process.env, CI: process.env.CI ?? '' } });
}

function test(pnpm) {
  const env = { ...process.env, NODEVITALS_PNPM: pnpm.join(' '), OTEL_METRICS_EXPORTER: 'none' };
  log('type-checking packages and the tests (the examples were type-checked by their build)');
  let typecheckFailed = 0;
  for (const project of ['packages/instrumentation', 'packages/exporter-presets', 'test']) {
    const status = run(['node'], [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, 'tsconfig.json'), '--noEmit'], { env });
    if (status !== 0) typecheckFailed++;
  }
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const extra = process.argv.slice(3);
  // Two runs: the timing-accuracy suites alone and in band first (a machine
  // busy with other suites would starve the process they measure), then
  // everything else with several workers (those suites mostly wait).
  const phases = [
    { title: 'timing-accuracy suites, one at a time', args: ['--runInBand', '--testPathPatterns', '/test/accuracy/'] },
    { title: 'all other suites', args: ['--testPathIgnorePatterns', '/test/accuracy/', '/node_modules/'] },
  ];
  let passed = 0;
  let failed = 0;
  let status = 0;
  for (const [index, phase] of phases.entries()) {
    log(`running the test suite on Node ${process.version}: ${phase.title}`);
    const report = join(ROOT, '.tmp', `jest-report-${index}.json`);
    rmSync(report, { force: true });
    // --passWithNoTests: a path filter given to `npm test -- <filter>` may leave a phase empty.
    const code = run(['node'], [jest, '--json', '--passWithNoTests', `--outputFile=${report}`, ...phase.args, ...extra], { env });
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

function demo(pnpm) {
  log('starting the demo (Ctrl-C stops it)');
  const status = run(['node'], [join(ROOT, 'examples', 'demo', 'dist', 'main.js'), ...process.argv.slice(3)]);
  process.exit(status);
}

const mode = process.argv[2];
if (mode !== 'test' && mode !== 'demo') {
  console.error('usage: node scripts/run.mjs test|demo [args]');
  process.exit(2);
}
const pnpm = pnpmCommand();
installIfNeeded(pnpm);
build(pnpm);
if (mode === 'test') test(pnpm);
else demo(pnpm);
