/**
 * The storage engines are optional peer dependencies: importing the main entry must load neither.
 * Checked in a fresh process (a test runner preloads too much), with a positive control showing that
 * the check does see an engine once a store of the subpath entry is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildModules, transpileForChild } from './support/child-modules.js';

let child: ChildModules;
beforeAll(() => {
  child = transpileForChild(['src/index.ts', 'src/state/sqlite.ts', 'src/state/redis.ts']);
});
afterAll(() => child.dispose());

describe('entry points', () => {
  it('the main entry loads neither better-sqlite3 nor redis; the subpath entries load theirs', async () => {
    const out = await child.run(`
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const engines = () => Object.keys(cache)
        .map((path) => path.match(/node_modules\\/(better-sqlite3|redis|@redis\\/client)\\//)?.[1])
        .filter(Boolean);
      const seen = {};
      const main = await import('./src/index.js');
      seen.main = [...new Set(engines())];
      seen.mainExports = ['MemoryOptOutStore', 'sealIdentity', 'openIdentity', 'optOutSubjectOf']
        .filter((name) => typeof main[name] === 'function');
      const key = Buffer.alloc(32, 7).toString('base64');
      const { SqliteOptOutStore } = await import('./src/state/sqlite.js');
      new SqliteOptOutStore({ path: ':memory:', key }).close();
      seen.sqlite = [...new Set(engines())].sort();
      const { RedisOptOutStore } = await import('./src/state/redis.js');
      await new RedisOptOutStore({ url: 'redis://127.0.0.1:1', key }).close();
      seen.redis = [...new Set(engines())].sort();
      console.log(JSON.stringify(seen));`);
    expect(JSON.parse(out)).toEqual({
      main: [],
      mainExports: ['MemoryOptOutStore', 'sealIdentity', 'openIdentity', 'optOutSubjectOf'],
      sqlite: ['better-sqlite3'],
      redis: ['@redis/client', 'better-sqlite3', 'redis'],
    });
  });
});
