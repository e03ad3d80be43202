import { defineConfig } from 'vitest/config';

const integration = ['packages/*/src/**/*.int.test.ts', 'apps/*/src/**/*.int.test.ts'];

export default defineConfig({
  test: {
    // Generous: tests wait on conditions, and these limits only matter when something is broken
    // (the machines are shared and often loaded).
    testTimeout: 120_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 30_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          exclude: [...integration, '**/node_modules/**'],
          typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './tsconfig.typecheck.json' },
        },
      },
      // The integration suite runs twice: on embedded PGlite and on a PostgreSQL server. Tests that
      // start real server processes run the production bundle, built once per run.
      {
        extends: true,
        test: { name: 'pglite', include: integration, env: { TEST_DB: 'pglite' }, globalSetup: ['apps/server/build-global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: integration,
          env: { TEST_DB: 'postgres' },
          globalSetup: ['packages/db/src/testing/postgres-global-setup.ts', 'apps/server/build-global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['apps/*/e2e/**/*.browser.test.ts'],
          globalSetup: ['apps/web/build-global-setup.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
