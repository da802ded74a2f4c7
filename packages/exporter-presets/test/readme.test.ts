import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLP_FIELDS, PROMETHEUS_FIELDS, RUNTIME_VIEWS_FIELDS } from '../src/options';

// The README is what users copy from: its TypeScript blocks must compile
// against the packages as built, and its option tables must list exactly the
// options the code accepts.

const PACKAGE = join(__dirname, '..');
const ROOT = join(PACKAGE, '..', '..');
const README = readFileSync(join(PACKAGE, 'README.md'), 'utf8');

function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** Newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );
}

describe('README', () => {
  it('has TypeScript snippets', () => {
    expect(typescriptBlocks(README).length).toBeGreaterThanOrEqual(4);
  });

  it('its TypeScript snippets type-check against the built packages (node16 ESM and bundler)', () => {
    for (const name of ['exporter-presets', 'instrumentation']) {
      const dir = join(ROOT, 'packages', name);
      // A stale dist/ would check the snippets against yesterday's API.
      if (newest(join(dir, 'dist')) < newest(join(dir, 'src'))) {
        throw new Error(`packages/${name}/dist is older than its src/: run \`pnpm --filter @nodevitals/${name} run build\` first`);
      }
    }
    const project = mkdtempSync(join(tmpdir(), 'nodevitals-readme-'));
    try {
      // A user's project: the packages and their peers in node_modules, nothing else.
      const modules = join(project, 'node_modules');
      mkdirSync(join(modules, '@nodevitals'), { recursive: true });
      symlinkSync(PACKAGE, join(modules, '@nodevitals', 'exporter-presets'));
      symlinkSync(join(ROOT, 'packages', 'instrumentation'), join(modules, '@nodevitals', 'instrumentation'));
      symlinkSync(join(PACKAGE, 'node_modules', '@opentelemetry'), join(modules, '@opentelemetry'));
      symlinkSync(join(ROOT, 'node_modules', '@types'), join(modules, '@types'));
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-snippets', type: 'module', private: true }));
      const files = typescriptBlocks(README).map((code, index) => {
        const file = `snippet${index + 1}.ts`;
        writeFileSync(join(project, file), code);
        return file;
      });
      const tsc = require.resolve('typescript/bin/tsc');
      for (const [module, resolution] of [
        ['node16', 'node16'],
        ['es2022', 'bundler'],
      ]) {
        const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', module, '--moduleResolution', resolution, '--types', 'node', ...files];
        let output = '';
        try {
          execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', stdio: 'pipe' });
        } catch (error) {
          output = String((error as { stdout?: string }).stdout) + String((error as { stderr?: string }).stderr);
        }
        expect({ resolution, output }).toEqual({ resolution, output: '' });
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);

  /** The first-column option names of the table that follows `heading`. */
  function tableOptions(after: string): string[] {
    const rest = README.split(after)[1] ?? '';
    const table = rest.slice(rest.indexOf('| Option |')).split('\n\n')[0];
    return [...table.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]).sort();
  }

  it('the createMetricReaders table lists exactly its options', () => {
    expect(tableOptions('`createMetricReaders(options)` takes')).toEqual(['exporters', ...new Set([...OTLP_FIELDS, ...PROMETHEUS_FIELDS])].sort());
  });

  it('the runtimeViews table lists exactly its options', () => {
    expect(tableOptions('`runtimeViews(options)`:')).toEqual([...RUNTIME_VIEWS_FIELDS].sort());
  });
});
