/** One jest run for the whole monorepo: each package's test/ folder is a project. */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const project = (name) => ({
  displayName: name,
  rootDir: `<rootDir>/packages/${name}`,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import './x.js' (as Node's ESM needs); jest resolves the .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
});

module.exports = {
  rootDir: __dirname,
  projects: [
    project('instrumentation'),
    project('exporter-presets'),
    project('cli'),
    // Repository-level checks: collector configs, rules, dashboard, docs, examples.
    { ...project('repo'), displayName: 'repo', rootDir: '<rootDir>/test', testMatch: ['<rootDir>/**/*.test.ts'] },
  ],
  testTimeout: 30_000,
  // Most suites wait on child processes, receivers and timers rather than the
  // CPU, so more workers than cores: jest's default on the 2-core CI machine
  // is one. A number, not a share: jest reads a percentage above 100 as a
  // count, so the '150%' this was meant 150 workers, every file at once, a
  // load average of 30-40 on 2 cores, and apps starved past any timing bound.
  maxWorkers: 8,
};
