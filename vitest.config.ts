import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Embedded PostGIS and real services take seconds to start; no test asserts wall-clock time.
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{server,tiles,data,schema,bench,common}/**/*.test.ts', 'web/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/sensors/restarts.test.ts', 'test/browser/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        // Real Chromium under SwiftShader takes a whole core while it draws: browser files run
        // one at a time, after the rest (`npm test` runs this project in its own vitest
        // invocation), so they never starve each other or the integration suites (issue #10).
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          maxWorkers: 1,
        },
      },
      {
        // Restarts the machine's PostgreSQL and Mosquitto: run alone, after everything else
        // (`npm test` runs this project in a second vitest invocation).
        extends: true,
        test: {
          name: 'restarts',
          include: ['test/sensors/restarts.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
