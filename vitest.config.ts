import { defineConfig } from 'vitest/config';

// Test tiers live in the file name: *.unit.test.ts, *.property.test.ts,
// *.integration.test.ts, *.e2e.test.ts. `npm test` runs every tier;
// `npm run test:<tier>` runs one.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CI also writes a machine-readable report; .ci/run prints its totals as a plain line.
    ...(process.env.CI ? { reporters: ['default', 'json'], outputFile: { json: 'test-results/vitest.json' } } : {}),
  },
});
