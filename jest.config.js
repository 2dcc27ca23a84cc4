// Four tiers: unit specs beside the code (src, *.spec.ts), e2e specs that boot the app (test/e2e), browser
// specs that drive the app over HTTP in the system Chromium (test/browser; skipped without it), and the
// tier on the built artifact: dist/ started as `npm start` starts it, over HTTP and in Chromium (test/artifact).
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }];
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
module.exports = {
  testTimeout: 60000,
  // Three workers on the 2-core machine (jest's default would be one): every test file has its own databases
  // (a SQLite file, a PostgreSQL schema), Redis key prefix and ports, so files run side by side, and a third
  // file keeps the cores busy while another waits (a child process starting, Chromium, PostgreSQL, a timer):
  // 367 s against 391–430 s with two on one machine. (On an earlier machine three were slower and made the
  // fault tests flakier; those tests now count work instead of timing it.)
  maxWorkers: 3,
  // Longest files first, also on a fresh clone without jest's timing cache (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
    {
      ...common,
      displayName: 'browser',
      rootDir: '.',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      // Once per run: the one line saying the browser tests are skipped when Chromium is missing.
      globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'artifact',
      rootDir: '.',
      testMatch: ['<rootDir>/test/artifact/**/*.artifact-spec.ts'],
      // No setupFiles: the service runs in its own process with the environment the specs give it.
      globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
    },
  ],
};
