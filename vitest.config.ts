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
        test: { name: 'unit', include: ['{server,tiles,data,bench}/**/*.test.ts', 'web/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/sensors/restarts.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
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
