import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Template bots import 'botctl/sdk'; tests run them against the SDK's source, not the last build.
  resolve: { alias: { 'botctl/sdk': fileURLToPath(new URL('./src/sdk/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // TEST_DATABASE=postgres: one PostgreSQL for the run (test/support/global-postgres.ts).
    globalSetup: ['test/support/global-postgres.ts'],
    // Real child processes, a real S3 server and real SQLite files: give them time, never assert on it.
    // Deadlines only catch hangs; a loaded CI machine has taken several times the usual.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // CI reads the JSON report for its closing "N passed, N failed" line (.ci/run).
    reporters: process.env.CI === 'true' ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results.json' },
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
