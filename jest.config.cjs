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
  // CPU: more workers than cores cuts the run from ~3.5 to ~1.5 minutes on
  // the 2-core CI machine (jest's default there is one worker).
  maxWorkers: '150%',
};
