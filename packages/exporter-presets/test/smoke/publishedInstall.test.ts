import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { packTarballs } from '../../../../scripts/pack-and-install';
import { startNode, type ChildResult } from '../helpers/childProcess';
import { GrpcReceiver } from '../helpers/grpcReceiver';

// What a user gets on this Node line (CI runs the suite on 22, 24 and 26):
// both packages packed as published, installed into a fresh app with the
// exporter-presets README's plain `npm install` commands (no versions pinned,
// so npm picks what the registry has today, beside the current
// @opentelemetry/sdk-node), then the README's NodeSDK setup and the zero-code
// entry, from ES modules and CommonJS, each delivering runtime metrics to a
// real OTLP/gRPC receiver.

/** The commands of the README's "Install" section, as words, comments dropped. */
function readmeInstallCommands(): string[][] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Install\n'));
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README.md has no sh block under "## Install"');
  return block
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

// npm, and every program it starts, on the Node line under test.
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
const SDK_PACKAGES = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/sdk-metrics'];

// The README's NodeSDK setup, then a shutdown that flushes the last collection.
const NODE_SDK_APP = `
  const sdk = new NodeSDK({
    metricReaders: createMetricReaders(),
    instrumentations: [new NodeRuntimeInstrumentation()],
  });
  sdk.start();
  setTimeout(() => sdk.shutdown().then(() => console.log('APP DONE')), 300);
`;
// An app with no telemetry code of its own, for the zero-code entry.
const PLAIN_APP = `setTimeout(() => console.log('APP DONE'), 300);`;

/** Copies of the OpenTelemetry API and SDK packages installed in `project`, by name. */
function sdkCopies(project: string): Record<string, number> {
  const copies = installedCopies(project);
  return Object.fromEntries(SDK_PACKAGES.map((name) => [name, copies.get(name)?.length ?? 0]));
}

/** Every folder under node_modules (nested ones included) holding an installed package, by package name. */
function installedCopies(root: string): Map<string, string[]> {
  const copies = new Map<string, string[]>();
  const visit = (modules: string): void => {
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folders = entry.name.startsWith('@')
        ? readdirSync(join(modules, entry.name)).map((name) => join(modules, entry.name, name))
        : [join(modules, entry.name)];
      for (const folder of folders) {
        let name: string;
        try {
          name = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name;
        } catch {
          continue;
        }
        copies.set(name, [...(copies.get(name) ?? []), folder]);
        try {
          visit(join(folder, 'node_modules'));
        } catch {
          // No nested node_modules.
        }
      }
    }
  };
  visit(join(root, 'node_modules'));
  return copies;
}

describe(`a fresh app on Node ${process.version}: the packed packages installed with plain npm install beside @opentelemetry/sdk-node`, () => {
  let project: string;
  const npmOutput: string[] = [];
  let receiver: GrpcReceiver;
  let tarballs: string[];

  const npm = (args: string[], cwd = project): void => {
    const result = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', env: { ...process.env, PATH } });
    npmOutput.push(`$ npm ${args.join(' ')}\n${result.stdout}${result.stderr}`);
    if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  };
  const freshApp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'nodevitals-install-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, version: '1.0.0' }));
    return dir;
  };

  beforeAll(async () => {
    project = freshApp();
    tarballs = packTarballs(['exporter-presets', 'instrumentation'], project);
    const tarballOf: Record<string, string> = { '@nodevitals/exporter-presets': tarballs[0], '@nodevitals/instrumentation': tarballs[1] };
    // The README's commands, in its order, with our tarballs in place of the registry names.
    for (const [command, ...args] of readmeInstallCommands()) {
      expect([command, args[0]]).toEqual(['npm', 'install']);
      npm(args.map((arg) => tarballOf[arg] ?? arg));
    }
    receiver = await new GrpcReceiver().start();
  }, 300_000);
  afterAll(() => {
    receiver?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const runApp = (file: string, source: string, nodeArgs: string[], serviceName: string): Promise<ChildResult> => {
    writeFileSync(join(project, file), source);
    const env = {
      PATH,
      OTEL_SERVICE_NAME: serviceName,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // The README's app sets no traces or logs: NodeSDK would ship them to localhost.
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      // Delivery is what this checks: for the zero-code app (it ends 300 ms in) a last-export bound a starved
      // machine cannot miss; the 2 s default has its own test (register.test.ts).
      NODEVITALS_FINAL_EXPORT_DEADLINE_MILLIS: '10000',
    };
    return startNode([file], env, nodeArgs, 30_000, project).exited;
  };

  /** The app ran to its end, said nothing on stderr, and its runtime metrics reached the receiver. */
  const expectDelivered = (result: ChildResult, serviceName: string): void => {
    expect({ code: result.code, stdout: result.stdout.trim(), stderr: result.stderr }).toEqual({ code: 0, stdout: 'APP DONE', stderr: '' });
    const exports = receiver.received.flat().filter((received) => received.resource['service.name'] === serviceName);
    expect(exports.length).toBeGreaterThan(0);
    const names = new Set(exports.flatMap((received) => [...received.metrics.keys()]));
    for (const name of ['process.cpu.time', 'v8js.memory.heap.used', 'nodejs.eventloop.utilization', 'process.memory.usage']) {
      expect({ name, delivered: names.has(name) }).toEqual({ name, delivered: true });
    }
  };

  it('installs with no engine, peer or resolution complaint from npm, and a tree npm ls accepts', () => {
    const output = npmOutput.join('\n');
    expect(output).not.toMatch(/EBADENGINE|ERESOLVE|Unsupported engine/i);
    // Exit 0: no missing, invalid or extraneous package, peers included.
    expect(() => execFileSync('npm', ['ls', '--all'], { cwd: project, stdio: 'pipe', env: { ...process.env, PATH } })).not.toThrow();
  });

  it('shares one copy of the OpenTelemetry API and SDK with @opentelemetry/sdk-node', () => {
    expect(sdkCopies(project)).toEqual(Object.fromEntries(SDK_PACKAGES.map((name) => [name, 1])));
  });

  it('installed the other way round, all in one command, npm dedupe folds the SDK back into one copy (as the README says)', () => {
    const other = freshApp();
    try {
      npm(['install', ...tarballs, '@opentelemetry/api', '@opentelemetry/sdk-node'], other);
      npm(['dedupe'], other);
      expect(sdkCopies(other)).toEqual(Object.fromEntries(SDK_PACKAGES.map((name) => [name, 1])));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('declares only Node versions that this line is one of and that every installed package supports', () => {
    // npm's own range logic.
    const semver = require('semver') as {
      satisfies(version: string, range: string): boolean;
      subset(range: string, superset: string): boolean;
    };
    const copies = installedCopies(project);
    for (const ours of ['@nodevitals/instrumentation', '@nodevitals/exporter-presets']) {
      const engines: string = JSON.parse(readFileSync(join(copies.get(ours)![0], 'package.json'), 'utf8')).engines.node;
      expect({ ours, engines, running: semver.satisfies(process.versions.node, engines) }).toEqual({ ours, engines, running: true });
      for (const [name, folders] of copies) {
        for (const folder of folders) {
          const theirs: string | undefined = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).engines?.node;
          if (theirs === undefined || name.startsWith('@nodevitals/')) continue;
          // Every Node we say we run on is one each dependency says it runs on.
          expect({ ours, name, theirs, covered: semver.subset(engines, theirs) }).toEqual({ ours, name, theirs, covered: true });
        }
      }
    }
  });

  it("runs the README's NodeSDK setup from an ES module", async () => {
    const source = `import { NodeSDK } from '@opentelemetry/sdk-node';
      import { NodeRuntimeInstrumentation } from '@nodevitals/instrumentation';
      import { createMetricReaders } from '@nodevitals/exporter-presets';
      ${NODE_SDK_APP}`;
    expectDelivered(await runApp('sdk.mjs', source, [], 'sdk-esm'), 'sdk-esm');
  });

  it("runs the README's NodeSDK setup from CommonJS", async () => {
    const source = `const { NodeSDK } = require('@opentelemetry/sdk-node');
      const { NodeRuntimeInstrumentation } = require('@nodevitals/instrumentation');
      const { createMetricReaders } = require('@nodevitals/exporter-presets');
      ${NODE_SDK_APP}`;
    expectDelivered(await runApp('sdk.cjs', source, [], 'sdk-cjs'), 'sdk-cjs');
  });

  it('runs the zero-code entry with --import (ES module app)', async () => {
    const result = await runApp('plain.mjs', PLAIN_APP, ['--import', '@nodevitals/exporter-presets/register'], 'zero-code-esm');
    expectDelivered(result, 'zero-code-esm');
  });

  it('runs the zero-code entry with --require (CommonJS app)', async () => {
    const result = await runApp('plain.cjs', PLAIN_APP, ['--require', '@nodevitals/exporter-presets/register'], 'zero-code-cjs');
    expectDelivered(result, 'zero-code-cjs');
  });

  it('when its code cannot load, the zero-code entry prints one line and the app runs on', async () => {
    // A broken install of a dependency: the ES build lacks the named exports
    // (what an incompatible version gives), the CommonJS build throws on load.
    const dist = join(project, 'node_modules', '@nodevitals', 'instrumentation', 'dist');
    const entries = { esm: join(dist, 'esm', 'index.js'), cjs: join(dist, 'cjs', 'index.js') };
    const originals = { esm: readFileSync(entries.esm), cjs: readFileSync(entries.cjs) };
    writeFileSync(entries.esm, 'export {};\n');
    writeFileSync(entries.cjs, "throw new Error('simulated broken install');\n");
    try {
      for (const [flag, file] of [
        ['--import', 'plain.mjs'],
        ['--require', 'plain.cjs'],
      ]) {
        const before = receiver.calls.length;
        const result = await runApp(file, PLAIN_APP, [flag, '@nodevitals/exporter-presets/register'], `broken-${flag}`);
        const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
        expect({ flag, code: result.code, stdout: result.stdout.trim(), lines: lines.length }).toEqual({ flag, code: 0, stdout: 'APP DONE', lines: 1 });
        expect(lines[0]).toMatch(/^@nodevitals\/exporter-presets\/register: runtime metrics not started, the package could not load: .+/);
        expect(receiver.calls.length).toBe(before);
      }
    } finally {
      writeFileSync(entries.esm, originals.esm);
      writeFileSync(entries.cjs, originals.cjs);
    }
  });
});
