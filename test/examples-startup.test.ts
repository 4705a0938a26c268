/**
 * The examples as a user starts them, in their own processes (`node examples/<name>/server.mjs`): with
 * no credentials they say what to set and exit 2 without a stack trace; the Express one serves, then
 * shuts down gracefully on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startLocalOperator } from '../src/testing/index.js';
import { ROOT } from './support/examples-dist.js';

const EXAMPLES = ['mobile-backend', 'express', 'fastify', 'web-server-only'];

/** The environment without any UID2_* variable a developer may have exported. */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('UID2_')));

function run(example: string, env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [`examples/${example}/server.mjs`], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitFor(read: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpExecArray> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(read());
    if (match) return match;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never printed ${pattern}`);
}

// Concurrent: each test waits on its own child process, so they overlap.
describe.concurrent('examples started without credentials', () => {
  it.each(EXAMPLES)(
    '%s says which variables to set and how to get a local operator, exit 2',
    async (example) => {
      const started = run(example, cleanEnv());
      expect(await started.exited).toBe(2);
      const err = started.err();
      for (const name of ['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY', 'npx uid2-publisher operator'])
        expect(err).toContain(name);
      expect(err).toContain('https://operator-integ.uidapi.com');
      // It names its README, and that README exists.
      expect(err).toContain(`examples/${example}/README.md`);
      expect(existsSync(`${ROOT}examples/${example}/README.md`)).toBe(true);
      expect(err).not.toMatch(/^\s+at /m);
      expect(started.out()).toBe('');
    },
  );

  it('a secret that is not 32 bytes of base64 is a configuration error, exit 2, and is not echoed', async () => {
    const secret = 'not-a-secret-but-do-not-print-me';
    const started = run('express', {
      ...cleanEnv(),
      UID2_BASE_URL: 'http://127.0.0.1:9',
      UID2_API_KEY: 'key-that-must-not-be-printed',
      UID2_SECRET_KEY: secret,
    });
    expect(await started.exited).toBe(2);
    expect(started.err()).toContain('UID2_INVALID_CONFIG');
    expect(started.err()).not.toContain(secret);
    expect(started.err()).not.toContain('key-that-must-not-be-printed');
    expect(started.err()).not.toMatch(/^\s+at /m);
  });
});

describe('examples/express as a process', () => {
  it('serves a login, then on SIGTERM stops accepting, closes client and store, and exits 0', async () => {
    const op = await startLocalOperator();
    try {
      const started = run('express', {
        ...cleanEnv(),
        UID2_BASE_URL: op.url,
        UID2_API_KEY: op.apiKey,
        UID2_SECRET_KEY: op.secretKey,
        UID2_OPTOUT_KEY: Buffer.alloc(32, 1).toString('base64'),
        UID2_OPTOUT_DB: ':memory:',
        PORT: '0',
      });
      const [, url] = await waitFor(started.out, /express example on (http:\/\/\S+)\n/, started.child);
      const login = await fetch(`${url}/login`, {
        method: 'POST',
        body: '{"email":"user@example.com"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(login.status).toBe(200);
      expect(JSON.parse(await login.text())).toHaveProperty('refresh_response_key');

      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.out()).toContain('shutting down');
      expect(started.out()).toMatch(/stopped\n$/);
      await expect(fetch(`${url}/login`, { method: 'POST', body: '{}' })).rejects.toThrow();
      expect(started.err()).toBe('');
    } finally {
      await op.close();
    }
  });
});
