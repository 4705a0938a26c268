/**
 * Without redis-server the Redis tests are skipped loudly, except under CI, where they fail. Checked by
 * loading the test helper in a child process whose PATH has no redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildModules, transpileForChild } from './support/child-modules.js';

let child: ChildModules;
beforeAll(() => {
  child = transpileForChild(['test/support/redis-server.ts']);
});
afterAll(() => child.dispose());

// console.warn goes to stderr; the child sends it to stdout, which run() returns.
const script = `
  console.warn = (...args) => console.log(...args);
  const { redisServerAvailable } = await import('./test/support/redis-server.js');
  console.log(JSON.stringify({ redisServerAvailable }));`;

describe('the redis-server test helper when the binary is missing', () => {
  it('outside CI: warns and reports it unavailable (the tests skip)', async () => {
    const out = await child.run(script, { PATH: '/nonexistent', CI: '' });
    expect(out).toContain('{"redisServerAvailable":false}');
    expect(out).toContain('!!! SKIPPED: redis-server is not installed');
  });

  it('under CI: fails instead of skipping', async () => {
    await expect(child.run(script, { PATH: '/nonexistent', CI: 'true' })).rejects.toThrow(
      /redis-server is not installed.*CI must run them/,
    );
  });
});
