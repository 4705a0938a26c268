import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name; in tests that name means the sources, not dist/.
    alias: [
      { find: /^uid2-publisher\/testing$/, replacement: source('./src/testing/index.ts') },
      { find: /^uid2-publisher\/sqlite$/, replacement: source('./src/state/sqlite.ts') },
      { find: /^uid2-publisher\/redis$/, replacement: source('./src/state/redis.ts') },
      { find: /^uid2-publisher$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that run the built CLI need dist/: a fresh clone's `npm test` builds it first.
    globalSetup: ['test/support/global-build.ts'],
    // Two cores on CI: forks keep servers and sockets of one file away from another.
    pool: 'forks',
    // Measured on the 2-core machine: re-importing src/ in a fresh fork per file was half the suite's
    // CPU (user 74 s isolated vs 41 s shared); files restore what they change (timers, listeners,
    // faults) in afterEach/afterAll, so a worker can run several files. Most files wait on child
    // processes, servers or timers, so a third worker overlaps those waits.
    isolate: false,
    maxWorkers: 3,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
