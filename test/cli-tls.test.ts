/**
 * `uid2-publisher operator --tls`: HTTPS with a self-signed certificate written to a file it names, and
 * the commands trusting that file through --ca-file or NODE_EXTRA_CA_CERTS (real TLS on 127.0.0.1).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/io.js';
import { runCli } from '../src/cli/main.js';
import { startLocalOperator } from '../src/testing/index.js';
import { capture, exportedVariables, until } from './support/cli-capture.js';

const BUILT_CLI = new URL('../dist/cli/main.js', import.meta.url);

/** Starts `operator --tls` in-process; resolves to its variables and a stop function. */
async function tlsOperator(extra: readonly string[] = []) {
  const run = capture();
  const exit = runCli(['operator', '--tls', '--port', '0', ...extra], run.io);
  await until(() => run.out().includes('NODE_EXTRA_CA_CERTS=') || run.err() !== '');
  expect(run.err()).toBe('');
  return {
    vars: exportedVariables(run.out()),
    out: run.out,
    stop: async () => {
      run.stop();
      expect(await exit).toBe(EXIT.ok);
    },
  };
}

describe('uid2-publisher operator --tls', () => {
  it('serves HTTPS and writes its certificate to a private temp file it names, removed on stop', async () => {
    const op = await tlsOperator();
    const { UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY, NODE_EXTRA_CA_CERTS } = op.vars;
    expect(Object.keys(op.vars)).toEqual([
      'UID2_BASE_URL',
      'UID2_API_KEY',
      'UID2_SECRET_KEY',
      'NODE_EXTRA_CA_CERTS',
    ]);
    expect(UID2_BASE_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caFile = NODE_EXTRA_CA_CERTS as string;
    expect(caFile.startsWith(join(tmpdir(), 'uid2-local-ca-'))).toBe(true);
    expect(await readFile(caFile, 'utf8')).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/,
    );
    expect(((await stat(join(caFile, '..'))).mode & 0o077).toString(8)).toBe('0'); // mkdtemp: 0700
    expect(op.out()).toContain(`--cacert ${caFile}`);

    const env = { UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY } as Record<string, string>;
    const trusted = capture(env);
    expect(
      await runCli(['generate', '--email', 'tls@example.com', '--ca-file', caFile], trusted.io),
      trusted.err(),
    ).toBe(EXIT.ok);
    const refreshed = capture(env, trusted.out());
    expect(await runCli(['refresh', '--ca-file', caFile], refreshed.io), refreshed.err()).toBe(EXIT.ok);
    expect(JSON.parse(refreshed.out()).status).toBe('success');

    // Without trusting it the certificate is refused: a network failure, never an insecure success.
    const untrusted = capture(env);
    expect(
      await runCli(['generate', '--email', 'tls@example.com', '--timeout-ms', '2000'], untrusted.io),
    ).toBe(EXIT.transient);
    expect(untrusted.err()).toMatch(/^UID2_NETWORK: /);

    await op.stop();
    expect(existsSync(caFile)).toBe(false);
  });

  it('--ca-file PATH writes the certificate there and keeps it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-tls-'));
    const path = join(dir, 'local-ca.pem');
    const op = await tlsOperator(['--ca-file', path]);
    expect(op.vars.NODE_EXTRA_CA_CERTS).toBe(path);
    const pem = await readFile(path, 'utf8');
    await op.stop();
    expect(await readFile(path, 'utf8')).toBe(pem);
  });

  it('"tls" from --config is served the same way: the certificate is written and named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-tls-'));
    const config = join(dir, 'operator.json');
    await writeFile(config, JSON.stringify({ tls: true }));
    const run = capture();
    const exit = runCli(['operator', '--config', config, '--ca-file', join(dir, 'ca.pem')], run.io);
    await until(() => run.out().includes('NODE_EXTRA_CA_CERTS=') || run.err() !== '');
    expect(run.err()).toBe('');
    expect(exportedVariables(run.out()).UID2_BASE_URL).toMatch(/^https:/);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
    run.stop();
    expect(await exit).toBe(EXIT.ok);
  });

  it('a --ca-file that holds no certificate, or that cannot be written, is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-tls-'));
    const notPem = capture({ UID2_BASE_URL: 'https://127.0.0.1:1', UID2_API_KEY: 'k', UID2_SECRET_KEY: 's' });
    expect(
      await runCli(
        [
          'generate',
          '--email',
          'a@example.com',
          '--ca-file',
          fileURLToPath(new URL('../package.json', import.meta.url)),
        ],
        notPem.io,
      ),
    ).toBe(EXIT.usage);
    expect(notPem.err()).toMatch(/^UID2_INVALID_INPUT: --ca-file .* holds no PEM certificate\n/);
    const unwritable = capture();
    expect(
      await runCli(['operator', '--tls', '--ca-file', join(dir, 'missing', 'ca.pem')], unwritable.io),
    ).toBe(EXIT.usage);
    expect(unwritable.err()).toMatch(/^UID2_INVALID_INPUT: cannot write --ca-file /);
  });

  // Without the variable the same call is refused: the in-process case above shows it.
  it('NODE_EXTRA_CA_CERTS=<the file> makes the built CLI trust the operator (undici uses Node TLS)', async () => {
    const op = await startLocalOperator({ tls: true });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'uid2-cli-tls-'));
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, op.ca as string);
      const env = {
        ...process.env,
        UID2_BASE_URL: op.url,
        UID2_API_KEY: op.apiKey,
        UID2_SECRET_KEY: op.secretKey,
      };
      const args = [fileURLToPath(BUILT_CLI), 'generate', '--email', 'extra-ca@example.com'];
      const trusted = await promisify(execFile)(process.execPath, args, {
        env: { ...env, NODE_EXTRA_CA_CERTS: caFile },
      });
      expect(JSON.parse(trusted.stdout).status).toBe('success');
    } finally {
      await op.close();
    }
  });
});
