/**
 * The `uid2-publisher` command line, run in-process with captured streams.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/io.js';
import { runCli } from '../src/cli/main.js';
import { parseIdentity } from '../src/index.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { capture, exportedVariables, UNPRINTABLE, until } from './support/cli-capture.js';

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
    const commands = ['demo', 'operator', 'generate', 'refresh', 'validate'];
    for (const command of commands) expect(main.out()).toContain(command);
    for (const command of commands) {
      const run = capture();
      expect(await runCli([command, '--help'], run.io)).toBe(EXIT.ok);
      expect(run.out()).toContain(`usage: uid2-publisher ${command}`);
    }
  });

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    const unknown = capture();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(EXIT.usage);
    expect(unknown.err()).toMatch(/^UID2_INVALID_INPUT: unknown command "frobnicate"\n/);
    const flag = capture(env);
    expect(await runCli(['generate', '--emial', 'a@b.com'], flag.io)).toBe(EXIT.usage);
    expect(flag.err()).toMatch(/^UID2_INVALID_INPUT: Unknown option '--emial'/);
    expect(flag.err()).toContain('usage: uid2-publisher generate');
  });

  it('names of Object prototype members are unknown commands and flags, not silent successes', async () => {
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
      const run = capture(env);
      expect(await runCli([name], run.io), name).toBe(EXIT.usage);
      expect(run.err()).toMatch(/^UID2_INVALID_INPUT: unknown command /);
      const flag = capture(env);
      expect(await runCli(['generate', `--${name}`, 'x'], flag.io), name).toBe(EXIT.usage);
      expect(flag.err()).toMatch(/^UID2_INVALID_INPUT: Unknown option/);
    }
  });

  it('escapes control characters of an unknown command or flag instead of printing them', async () => {
    const hostile = 'x\u001b]52;c;cHduZWQ\u0007\r\nUID2_FAKE: line\u202e\u009b2J';
    for (const argv of [[hostile], ['generate', `--${hostile}`], ['refresh', '--identity', hostile]]) {
      const run = capture(env);
      expect(await runCli(argv, run.io)).toBe(EXIT.usage);
      const first = run.err().split('\n')[0] as string;
      expect(first).toMatch(/^UID2_INVALID_INPUT: /);
      expect(first).toContain('\\u001b]52;c;cHduZWQ\\u0007\\u000d\\u000aUID2_FAKE: line\\u202e\\u009b2J');
      expect(run.err()).not.toMatch(UNPRINTABLE);
      expect(run.err()).not.toMatch(/^UID2_FAKE/m);
    }
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
    expect(optout.out()).toBe('{"status":"optout","remembered":false}\n');
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
    const transient = capture(env);
    const untrusted = capture(env);
    try {
      // More 503s than any retry budget: the call must end transient, whatever the retry count.
      op.injectFault({ kind: 'http503', count: 20 });
      expect(await runCli(['generate', '--email', 'a@b.com'], transient.io)).toBe(EXIT.transient);
      expect(transient.err()).toMatch(/^UID2_SERVER_ERROR: /);
      op.clearFaults();
      op.injectFault({ kind: 'wrongKey' });
      expect(await runCli(['generate', '--email', 'a@b.com'], untrusted.io)).toBe(EXIT.badResponse);
    } finally {
      op.clearFaults();
    }
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

  it('on a terminal with no --identity, prints its usage instead of waiting for input', async () => {
    const run = capture(env, '', { stdinIsTTY: true });
    run.io.readStdin = () => new Promise(() => {}); // a terminal nobody types into
    expect(await runCli(['refresh'], run.io)).toBe(EXIT.usage);
    expect(run.err()).toMatch(/^UID2_INVALID_INPUT: no identity: pipe one in, or pass --identity FILE\n/);
    expect(run.err()).toContain('usage: uid2-publisher refresh');
    expect(run.out()).toBe('');
    // Asked for explicitly, the terminal is read (to paste an identity).
    const pasted = capture(env, '{"status":"optout"}', { stdinIsTTY: true });
    expect(await runCli(['refresh', '--identity', '-'], pasted.io)).toBe(EXIT.usage);
    expect(pasted.err()).toMatch(/^UID2_INVALID_INPUT: the input is a generate result/);
  });

  it('empty input (the command before the pipe failed) says so', async () => {
    const run = capture(env, '\n');
    expect(await runCli(['refresh'], run.io)).toBe(EXIT.usage);
    expect(run.err()).toBe(
      'UID2_INVALID_INPUT: no identity on standard input (did the command before the pipe fail?)\n',
    );
  });

  it('a non-success result line is refused in one sentence, not as a schema report', async () => {
    const cases = [
      ['{"status":"optout"}', 'a generate result with status "optout"'],
      ['{"status":"optout","remembered":true}', 'a generate result with status "optout"'],
      ['{"status":"insufficient_user_consent"}', 'a generate result with status "insufficient_user_consent"'],
      ['{"status":"invalid_token","detail":"x"}', 'a refresh result with status "invalid_token"'],
      ['{"status":"expired_token"}\n', 'a refresh result with status "expired_token"'],
    ] as const;
    const before = JSON.stringify(op.stats());
    for (const [line, what] of cases) {
      const run = capture(env, line);
      expect(await runCli(['refresh'], run.io), line).toBe(EXIT.usage);
      expect(run.err()).toBe(
        `UID2_INVALID_INPUT: the input is ${what}, not an identity; there is nothing to refresh\n`,
      );
    }
    expect(JSON.stringify(op.stats())).toBe(before); // no request was sent for any of them
  });

  it('every failure is one CODE: message line', async () => {
    const runs = [
      [['refresh'], capture(env, '{}')],
      [['refresh'], capture(env, 'not json')],
      [['generate', '--email', 'a@b.com', '--timeout-ms', 'soon'], capture(env)],
      [['generate', '--email', 'a@b.com', '--phone', '+12345678901'], capture(env)],
      [['generate', '--email', 'a@b.com', '--ca-file', '/nonexistent.pem'], capture(env)],
      [['validate', '--email', 'a@b.com'], capture(env)],
      [['operator', '--ca-file', 'ca.pem'], capture()],
      [['generate', 'positional'], capture(env)],
    ] as const;
    for (const [argv, run] of runs) {
      expect(await runCli(argv, run.io), argv.join(' ')).toBe(EXIT.usage);
      expect(run.err(), argv.join(' ')).toMatch(/^UID2_INVALID_(INPUT|CONFIG|IDENTITY): \S/);
    }
  });
});

describe('uid2-publisher operator', () => {
  it('prints URL and throwaway credentials, serves until stopped, then exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-'));
    const config = join(dir, 'operator.json');
    await writeFile(config, JSON.stringify({ profile: 'integration' }));
    const run = capture();
    const exit = runCli(['operator', '--port', '0', '--config', config], run.io);
    await until(() => run.out().includes('UID2_SECRET_KEY='));
    const vars = exportedVariables(run.out());
    expect(Object.keys(vars)).toEqual(['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY']);
    // The whole output is a shell script: comments and the three export lines.
    expect(
      run
        .out()
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#')),
    ).toHaveLength(3);
    const health = await fetch(`${vars.UID2_BASE_URL}/ops/healthcheck`);
    expect(await health.text()).toBe('OK');
    const generated = capture(vars);
    expect(await runCli(['generate', '--email', 'served@example.com'], generated.io)).toBe(EXIT.ok);
    const identity = JSON.parse(generated.out()).identity;
    expect(identity.refresh_from - Date.now()).toBeLessThanOrEqual(900_000);
    run.stop();
    expect(await exit).toBe(EXIT.ok);
    expect(run.out()).toContain('# local operator stopped');
    await expect(fetch(`${vars.UID2_BASE_URL}/ops/healthcheck`)).rejects.toThrow();
  });

  it('rejects a bad port or config', async () => {
    const port = capture();
    expect(await runCli(['operator', '--port', 'http'], port.io)).toBe(EXIT.usage);
    expect(port.err()).toMatch(/^UID2_INVALID_INPUT: --port must be 0 to 65535\n/);
    const config = capture();
    expect(await runCli(['operator', '--config', '/nonexistent.json'], config.io)).toBe(EXIT.usage);
    expect(config.err()).toMatch(/^UID2_INVALID_CONFIG: cannot read --config file/);
  });

  it('a port in use is a usage error in CODE: message form', async () => {
    const busy = await startLocalOperator();
    try {
      const port = new URL(busy.url).port;
      const run = capture();
      expect(await runCli(['operator', '--port', port], run.io)).toBe(EXIT.usage);
      expect(run.err()).toMatch(
        new RegExp(
          `^UID2_INVALID_CONFIG: port ${port} is already in use: pass another --port, or 0 for any free port\n$`,
        ),
      );
      expect(run.out()).toBe('');
    } finally {
      await busy.close();
    }
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
