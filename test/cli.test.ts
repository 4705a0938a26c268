/**
 * The `uid2-publisher` command line, run in-process with captured streams.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, EXIT } from '../src/cli/io.js';
import { runCli } from '../src/cli/main.js';
import { parseIdentity } from '../src/index.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
  stop: () => void;
}

function capture(env: Record<string, string> = {}, stdin = ''): Captured {
  let out = '';
  let err = '';
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  return {
    io: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      env,
      readStdin: async () => stdin,
      untilStopped: () => stopped,
    },
    out: () => out,
    err: () => err,
    stop: () => stop(),
  };
}

let op: LocalOperator;
let env: Record<string, string>;

beforeAll(async () => {
  op = await startLocalOperator();
  env = { UID2_BASE_URL: op.url, UID2_API_KEY: op.apiKey, UID2_SECRET_KEY: op.secretKey };
});

afterAll(() => op.close());

describe('uid2-publisher help', () => {
  it('lists the commands, and each command has --help', async () => {
    const main = capture();
    expect(await runCli(['--help'], main.io)).toBe(EXIT.ok);
    for (const command of ['demo', 'operator', 'generate', 'refresh']) expect(main.out()).toContain(command);
    for (const command of ['demo', 'operator', 'generate', 'refresh']) {
      const run = capture();
      expect(await runCli([command, '--help'], run.io)).toBe(EXIT.ok);
      expect(run.out()).toContain(`usage: uid2-publisher ${command}`);
    }
  });

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    const unknown = capture();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(EXIT.usage);
    expect(unknown.err()).toContain('unknown command');
    const flag = capture(env);
    expect(await runCli(['generate', '--emial', 'a@b.com'], flag.io)).toBe(EXIT.usage);
    expect(flag.err()).toContain('usage: uid2-publisher generate');
  });
});

describe('uid2-publisher generate', () => {
  it('prints the result JSON with the flat identity', async () => {
    const run = capture(env);
    expect(await runCli(['generate', '--email', 'cli@example.com'], run.io)).toBe(EXIT.ok);
    const line = JSON.parse(run.out());
    expect(line.status).toBe('success');
    expect(parseIdentity(line.identity).refresh_token).toHaveLength(388);
  });

  it('prints optout, and accepts --phone, hashes and --tcf', async () => {
    const optout = capture(env);
    expect(await runCli(['generate', '--phone', '+00000000000'], optout.io)).toBe(EXIT.ok);
    expect(optout.out()).toBe('{"status":"optout"}\n');
    const hashed = capture(env);
    const args = [
      'generate',
      '--email-hash',
      'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=',
      '--tcf',
      'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA',
    ];
    expect(await runCli(args, hashed.io)).toBe(EXIT.ok);
    expect(JSON.parse(hashed.out()).status).toBe('success');
  });

  it('--local needs no credentials', async () => {
    const run = capture({});
    expect(await runCli(['generate', '--local', '--phone', '+12345678901'], run.io)).toBe(EXIT.ok);
    expect(JSON.parse(run.out()).identity.advertising_token).toMatch(/^B4/);
  });

  it('exit codes by error class; errors on stderr with their code, no secrets', async () => {
    const missing = capture({});
    expect(await runCli(['generate', '--email', 'a@b.com'], missing.io)).toBe(EXIT.usage);
    expect(missing.err()).toContain('UID2_BASE_URL');
    const bad = capture(env);
    expect(await runCli(['generate', '--email', 'not-an-email'], bad.io)).toBe(EXIT.usage);
    expect(bad.err()).toMatch(/^UID2_INVALID_INPUT: /);
    expect(bad.err()).not.toContain('not-an-email');
    const refused = capture({ ...env, UID2_API_KEY: 'UID2-C-L-1-abcdef.wrong' });
    expect(await runCli(['generate', '--email', 'a@b.com'], refused.io)).toBe(EXIT.refused);
    expect(refused.err()).toMatch(/^UID2_UNAUTHORIZED: /);
    op.injectFault({ kind: 'http503', count: 3 });
    const transient = capture(env);
    expect(await runCli(['generate', '--email', 'a@b.com'], transient.io)).toBe(EXIT.transient);
    expect(transient.err()).toMatch(/^UID2_SERVER_ERROR: /);
    op.injectFault({ kind: 'wrongKey' });
    const untrusted = capture(env);
    expect(await runCli(['generate', '--email', 'a@b.com'], untrusted.io)).toBe(EXIT.badResponse);
    for (const run of [bad, refused, transient, untrusted]) {
      expect(run.err()).not.toContain(op.secretKey);
      expect(run.err()).not.toContain(op.apiKey);
      expect(run.out()).toBe('');
    }
  });
});

describe('uid2-publisher refresh', () => {
  it('reads a generate result from stdin, or an identity file', async () => {
    const generated = capture(env);
    await runCli(['generate', '--email', 'refresh-cli@example.com'], generated.io);
    const piped = capture(env, generated.out());
    expect(await runCli(['refresh'], piped.io)).toBe(EXIT.ok);
    const refreshed = JSON.parse(piped.out());
    expect(refreshed.status).toBe('success');

    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-'));
    const file = join(dir, 'identity.json');
    await writeFile(file, JSON.stringify(refreshed.identity));
    const fromFile = capture(env);
    expect(await runCli(['refresh', '--identity', file], fromFile.io)).toBe(EXIT.ok);
    expect(JSON.parse(fromFile.out()).status).toBe('success');
  });

  it('prints optout and invalid_token results; bad identity text is a usage error', async () => {
    const generated = capture(env);
    await runCli(['generate', '--email', 'refresh-optout@example.com'], generated.io);
    const optout = capture(env, generated.out());
    expect(await runCli(['refresh', '--identity', '-'], optout.io)).toBe(EXIT.ok);
    expect(optout.out()).toBe('{"status":"optout"}\n');

    const elsewhere = capture({}, generated.out());
    expect(await runCli(['refresh', '--local'], elsewhere.io)).toBe(EXIT.ok);
    expect(JSON.parse(elsewhere.out()).status).toBe('invalid_token');

    const garbage = capture(env, 'not json');
    expect(await runCli(['refresh'], garbage.io)).toBe(EXIT.usage);
    expect(garbage.err()).toMatch(/^UID2_INVALID_INPUT: /);
    const nofile = capture(env);
    expect(await runCli(['refresh', '--identity', '/nonexistent/identity.json'], nofile.io)).toBe(EXIT.usage);
  });
});

describe('uid2-publisher operator', () => {
  it('prints URL and throwaway credentials, serves until stopped, then exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-'));
    const config = join(dir, 'operator.json');
    await writeFile(config, JSON.stringify({ profile: 'integration' }));
    const run = capture();
    const exit = runCli(['operator', '--port', '0', '--config', config], run.io);
    for (let i = 0; i < 100 && !run.out().includes('UID2_SECRET_KEY='); i++)
      await new Promise((r) => setTimeout(r, 10));
    const vars = Object.fromEntries(
      run
        .out()
        .split('\n')
        .filter((line) => line.startsWith('UID2_'))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(Object.keys(vars)).toEqual(['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY']);
    const health = await fetch(`${vars.UID2_BASE_URL}/ops/healthcheck`);
    expect(await health.text()).toBe('OK');
    const generated = capture(vars);
    expect(await runCli(['generate', '--email', 'served@example.com'], generated.io)).toBe(EXIT.ok);
    const identity = JSON.parse(generated.out()).identity;
    expect(identity.refresh_from - Date.now()).toBeLessThanOrEqual(900_000);
    run.stop();
    expect(await exit).toBe(EXIT.ok);
    expect(run.out()).toContain('local operator stopped');
    await expect(fetch(`${vars.UID2_BASE_URL}/ops/healthcheck`)).rejects.toThrow();
  });

  it('rejects a bad port or config', async () => {
    const port = capture();
    expect(await runCli(['operator', '--port', 'http'], port.io)).toBe(EXIT.usage);
    const config = capture();
    expect(await runCli(['operator', '--config', '/nonexistent.json'], config.io)).toBe(EXIT.usage);
  });
});

describe('uid2-publisher demo', () => {
  it('plays the app end to end and exits 0 with a readable trace', async () => {
    const run = capture();
    expect(await runCli(['demo'], run.io)).toBe(EXIT.ok);
    const trace = run.out();
    for (const step of ['1. ', '2. ', '3. ', '4. ', '5. ', '6. ', '7. ', '8. ', 'done in'])
      expect(trace).toContain(step);
    expect(trace).toContain('opt-out remembered');
    expect(run.err()).toBe('');
  });
});
