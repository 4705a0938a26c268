import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: forks keep servers and sockets of one file away from another.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
