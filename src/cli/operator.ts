/**
 * `uid2-publisher operator`: the local operator as a process. Its output is a shell script (comments
 * and `export` lines), so that copying the lines, or `eval`, points another shell at it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Uid2Error } from '../errors.js';
import { type LocalOperator, type LocalOperatorOptions, startLocalOperator } from '../testing/index.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { printable } from './output.js';

/** Flags of `uid2-publisher operator`. */
export interface OperatorFlags {
  port?: string | undefined;
  config?: string | undefined;
  tls?: boolean | undefined;
  'ca-file'?: string | undefined;
}

/**
 * `value` as one single-quoted shell word on one line: safe for `eval` whatever it holds (a `--config`
 * file may name its own client keys). Control characters are escaped first, as everywhere.
 */
export function shellQuote(value: string): string {
  return `'${printable(value).replaceAll("'", `'\\''`)}'`;
}

/** `uid2-publisher operator`: runs the local operator until SIGINT/SIGTERM. */
export async function operatorCommand(flags: OperatorFlags, io: CliIo): Promise<number> {
  let options = await readConfig(flags.config);
  const caPath = flags['ca-file'];
  if (caPath !== undefined && !flags.tls && !options.tls) throw new UsageError('--ca-file needs --tls');
  // The path is printed in a shell line: one with control characters could not be printed as given.
  if (caPath !== undefined && printable(caPath) !== caPath)
    throw new UsageError('--ca-file must not contain control characters');
  if (flags.port !== undefined) {
    if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) > 65_535)
      throw new UsageError('--port must be 0 to 65535');
    options = { ...options, port: Number(flags.port) };
  }
  if (flags.tls) options = { ...options, tls: true };
  const operator = await start(options);
  let caFile: { path: string; remove: () => Promise<void> } | undefined;
  try {
    // `tls` may come from --config too (with the user's own certificate): its CA is written all the same.
    if (operator.ca !== undefined) caFile = await writeCa(operator.ca, caPath);
  } catch (err) {
    await operator.close();
    throw err;
  }
  const lines = [
    `# local UID2 operator listening on ${operator.url} (throwaway local credentials; Ctrl-C stops it)`,
    `export UID2_BASE_URL=${shellQuote(operator.url)}`,
    `export UID2_API_KEY=${shellQuote(operator.apiKey)}`,
    `export UID2_SECRET_KEY=${shellQuote(operator.secretKey)}`,
  ];
  if (caFile !== undefined) {
    lines.push(
      `# its certificate is in ${printable(caFile.path)}: trust it in Node (this CLI included) with`,
      `export NODE_EXTRA_CA_CERTS=${shellQuote(caFile.path)}`,
      `# or pass --ca-file to generate, refresh and validate; curl takes --cacert ${printable(caFile.path)}`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  try {
    await io.untilStopped();
  } finally {
    await operator.close();
    await caFile?.remove();
  }
  io.stdout('# local operator stopped\n');
  return EXIT.ok;
}

async function readConfig(path: string | undefined): Promise<LocalOperatorOptions> {
  if (path === undefined) return {};
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read --config file ${path}`, 'UID2_INVALID_CONFIG');
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--config file ${path} is not valid JSON`, 'UID2_INVALID_CONFIG');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`--config file ${path} must hold a JSON object`, 'UID2_INVALID_CONFIG');
  return value as LocalOperatorOptions;
}

/** Starts the operator; a port that is taken or not ours to bind is the user's to change, not a bug. */
async function start(options: LocalOperatorOptions): Promise<LocalOperator> {
  try {
    return await startLocalOperator(options);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    // Not a mistake in how the command was typed, so no usage text: one line that says what to do.
    if (code === 'EADDRINUSE')
      throw new Uid2Error(
        'UID2_INVALID_CONFIG',
        `port ${options.port} is already in use: pass another --port, or 0 for any free port`,
      );
    if (code === 'EACCES')
      throw new Uid2Error(
        'UID2_INVALID_CONFIG',
        `port ${options.port} may not be bound by this user: pass another --port`,
      );
    throw err;
  }
}

/**
 * Writes the operator's certificate where it was asked, or to `ca.pem` in a fresh private directory
 * under the temp directory (a fixed name in a shared /tmp could be a planted symlink). The default
 * file is removed when the operator stops: the certificate is new on every start anyway.
 */
async function writeCa(
  pem: string,
  path: string | undefined,
): Promise<{ path: string; remove: () => Promise<void> }> {
  if (path !== undefined) {
    const target = resolve(path);
    await writeFile(target, pem, { mode: 0o644 }).catch(() => {
      throw new UsageError(`cannot write --ca-file ${path} (does ${dirname(target)} exist?)`);
    });
    return { path: target, remove: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'uid2-local-ca-'));
  const target = join(dir, 'ca.pem');
  await writeFile(target, pem, { mode: 0o644 });
  return { path: target, remove: () => rm(dir, { recursive: true, force: true }) };
}
