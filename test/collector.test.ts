/**
 * The shipped Collector configs against a real Collector: the binary of
 * collector-config/builder/manifest.yaml (built once by
 * scripts/build-collector.mjs, reused from its cache) validates agent.yaml and
 * gateway.yaml, and the manifest carries exactly the components they use, all
 * from one Collector release that knows their names.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COLLECTOR_CONFIG, ROOT } from './helpers/paths';
import { parseYaml, readYaml } from './helpers/yaml';
import { BUILD_TIMEOUT_MILLIS, SHIPPED_CONFIGS, collectorBinary, runCollector } from './tools/collector';

const MANIFEST = join(COLLECTOR_CONFIG, 'builder', 'manifest.yaml');
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-collector.mjs');
const KINDS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'] as const;
type Kind = (typeof KINDS)[number];

/** Component type names a config defines, by kind (`otlp_grpc/backup` is type `otlp_grpc`). */
function typesUsed(config: Record<string, any>): Record<Kind, Set<string>> {
  const used = Object.fromEntries(KINDS.map((kind) => [kind, new Set<string>()])) as Record<Kind, Set<string>>;
  for (const kind of KINDS) for (const id of Object.keys(config[kind] ?? {})) used[kind].add(id.split('/')[0]);
  return used;
}

/** `otelcol components` (YAML): the type names compiled in, by kind. */
function typesBuilt(): Record<Kind, Set<string>> {
  const result = runCollector(['components']);
  expect(result.code).toBe(0);
  const listed = parseYaml(result.output);
  return Object.fromEntries(KINDS.map((kind) => [kind, new Set((listed[kind] ?? []).map((entry: { name: string }) => entry.name))])) as Record<
    Kind,
    Set<string>
  >;
}

const sorted = (set: Set<string>): string[] => [...set].sort();

beforeAll(() => {
  collectorBinary();
}, BUILD_TIMEOUT_MILLIS);

describe('the Collector built from collector-config/builder/manifest.yaml', () => {
  test.each(SHIPPED_CONFIGS.map((path) => [path.slice(COLLECTOR_CONFIG.length + 1), path]))('otelcol validate accepts %s', (_, path) => {
    const result = runCollector(['validate', `--config=${path}`]);
    expect(result).toEqual({ code: 0, output: expect.any(String) });
  });

  test('validate rejects a field the component does not have, naming it (the check is not vacuous)', () => {
    const result = runCollector(['validate', `--config=${join(COLLECTOR_CONFIG, 'agent.yaml')}`, '--set=exporters::otlp_grpc::queue_sise=5']);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('queue_sise');
  });

  test('validate rejects a component type the build does not carry', () => {
    const result = runCollector([
      'validate',
      `--config=${join(COLLECTOR_CONFIG, 'gateway.yaml')}`,
      // `debug` is in the core distribution, not in this build.
      '--set=exporters::debug::verbosity=basic',
      '--set=service::pipelines::metrics::exporters=[prometheus, debug]',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/unknown type: "debug"/);
  });

  test('the build carries exactly the components the shipped configs use', () => {
    const built = typesBuilt();
    const used = typesUsed({});
    for (const path of SHIPPED_CONFIGS) {
      const config = typesUsed(readYaml(path));
      for (const kind of KINDS) for (const type of config[kind]) used[kind].add(type);
    }
    for (const kind of KINDS) expect({ kind, types: sorted(built[kind]) }).toEqual({ kind, types: sorted(used[kind]) });
  });

  test('every component module is pinned to one release, v0.144.0 or newer (otlp_grpc)', () => {
    const manifest = readFileSync(MANIFEST, 'utf8');
    const modules = [...manifest.matchAll(/gomod:\s*(\S+)\s+(v\d+\.\d+\.\d+)/g)].map(([, path, version]) => ({ path, version }));
    const minor = (version: string): number => Number(version.split('.')[1]);
    const core = modules.filter((module) => module.path.startsWith('go.opentelemetry.io/collector/') && module.version.startsWith('v0.'));
    const contrib = modules.filter((module) => module.path.startsWith('github.com/open-telemetry/opentelemetry-collector-contrib/'));
    expect(core.length).toBeGreaterThan(0);
    expect(contrib.length).toBeGreaterThan(0);
    const releases = new Set([...core, ...contrib].map((module) => minor(module.version)));
    expect([...releases]).toHaveLength(1);
    expect([...releases][0]).toBeGreaterThanOrEqual(144);
    // Stable core modules (v1.x: providers) come with the same release: one v1 version only.
    expect(new Set(modules.filter((module) => module.version.startsWith('v1.')).map((module) => module.version)).size).toBeLessThanOrEqual(1);
  });

  test('scripts/build-collector.mjs reuses the build of an unchanged manifest, in a folder named after its hash, and prints one line', () => {
    const output = execFileSync(process.execPath, [BUILD_SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    const hash = createHash('sha256').update(readFileSync(MANIFEST)).digest('hex').slice(0, 16);
    expect(output.trim().split('\n')).toEqual([expect.stringContaining('reused from the cache')]);
    expect(output).toContain(collectorBinary());
    expect(collectorBinary()).toContain(`otelcol-${hash}`);
  });

  test('another manifest gets another cache folder (an edited manifest is built anew)', () => {
    const folderOf = (text: string): string =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['--input-type=module', '-e', `import { collectorPaths } from ${JSON.stringify(pathToFileURL(BUILD_SCRIPT).href)}; console.log(JSON.stringify(collectorPaths(process.argv[1]).directory));`, text],
          { encoding: 'utf8' },
        ),
      );
    const manifest = readFileSync(MANIFEST, 'utf8');
    expect(folderOf(manifest)).toBe(join(collectorBinary(), '..'));
    expect(folderOf(manifest.replace('batchprocessor v0.165.0', 'batchprocessor v0.164.0'))).not.toBe(folderOf(manifest));
  });
});
