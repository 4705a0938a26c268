/**
 * The `generate`, `refresh` and `operator` commands. Each takes parsed arguments and a {@link CliIo}.
 */
import { readFile } from 'node:fs/promises';
import { PublisherClient } from '../client.js';
import type { GenerateInput } from '../input.js';
import type { GenerateResult, RefreshResult } from '../results.js';
import { type LocalOperator, type LocalOperatorOptions, startLocalOperator } from '../testing/index.js';
import { type CliIo, EXIT, UsageError } from './io.js';

/** Options shared by the commands that call an operator. */
export interface TargetFlags {
  local?: boolean | undefined;
  'timeout-ms'?: string | undefined;
}

/** Prints a result as one JSON line; a success embeds `identityJson` verbatim as `identity`. */
export function formatResult(result: GenerateResult | RefreshResult): string {
  if (result.status === 'success') return `{"status":"success","identity":${result.identityJson}}\n`;
  return `${JSON.stringify(result)}\n`;
}

/** Runs `work` with a client for UID2_* variables, or for a throwaway local operator with `--local`. */
async function withClient<T>(
  flags: TargetFlags,
  io: CliIo,
  work: (client: PublisherClient) => Promise<T>,
): Promise<T> {
  let operator: LocalOperator | undefined;
  let settings: { baseUrl: string; apiKey: string; secretKey: string };
  if (flags.local) {
    operator = await startLocalOperator();
    settings = { baseUrl: operator.url, apiKey: operator.apiKey, secretKey: operator.secretKey };
  } else {
    const missing = ['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY'].filter((name) => !io.env[name]);
    if (missing.length > 0) throw new UsageError(`set ${missing.join(', ')} (or pass --local)`);
    settings = {
      baseUrl: io.env.UID2_BASE_URL as string,
      apiKey: io.env.UID2_API_KEY as string,
      secretKey: io.env.UID2_SECRET_KEY as string,
    };
  }
  const timeout = flags['timeout-ms'];
  if (timeout !== undefined && !/^\d+$/.test(timeout))
    throw new UsageError('--timeout-ms must be a whole number');
  const client = new PublisherClient({
    ...settings,
    ...(timeout === undefined ? {} : { timeoutMs: Number(timeout) }),
  });
  try {
    return await work(client);
  } finally {
    await client.close();
    await operator?.close();
  }
}

/** Flags of `uid2-publisher generate`. */
export interface GenerateFlags extends TargetFlags {
  email?: string | undefined;
  phone?: string | undefined;
  'email-hash'?: string | undefined;
  'phone-hash'?: string | undefined;
  tcf?: string | undefined;
}

/** `uid2-publisher generate`: prints the result JSON. */
export async function generateCommand(flags: GenerateFlags, io: CliIo): Promise<number> {
  const given = (['email', 'phone', 'email-hash', 'phone-hash'] as const).filter(
    (name) => flags[name] !== undefined,
  );
  if (given.length !== 1)
    throw new UsageError('give exactly one of --email, --phone, --email-hash, --phone-hash');
  const consent = flags.tcf === undefined ? {} : { tcfConsentString: flags.tcf };
  const input = {
    ...(flags.email !== undefined && { email: flags.email }),
    ...(flags.phone !== undefined && { phone: flags.phone }),
    ...(flags['email-hash'] !== undefined && { emailHash: flags['email-hash'] }),
    ...(flags['phone-hash'] !== undefined && { phoneHash: flags['phone-hash'] }),
    ...consent,
  } as GenerateInput;
  const result = await withClient(flags, io, (client) => client.generateToken(input));
  io.stdout(formatResult(result));
  return EXIT.ok;
}

/** Flags of `uid2-publisher refresh`. */
export interface RefreshFlags extends TargetFlags {
  identity?: string | undefined;
}

/** Accepts an identity, or a `generate`/`refresh` result line holding one. */
function identityFrom(text: string): object | string {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && 'identity' in value && 'status' in value) {
      return (value as { identity: object }).identity;
    }
  } catch {
    // Not JSON: parseIdentity reports it with the right code.
  }
  return text;
}

/** `uid2-publisher refresh`: reads an identity (file or stdin) and prints the result JSON. */
export async function refreshCommand(flags: RefreshFlags, io: CliIo): Promise<number> {
  const source = flags.identity ?? '-';
  const text =
    source === '-'
      ? await io.readStdin()
      : await readFile(source, 'utf8').catch(() => {
          throw new UsageError(`cannot read --identity file ${source}`);
        });
  const result = await withClient(flags, io, (client) =>
    client.refreshToken(identityFrom(text.trim()) as string),
  );
  io.stdout(formatResult(result));
  return EXIT.ok;
}

/** Flags of `uid2-publisher operator`. */
export interface OperatorFlags {
  port?: string | undefined;
  config?: string | undefined;
}

/** `uid2-publisher operator`: runs the local operator until SIGINT/SIGTERM. */
export async function operatorCommand(flags: OperatorFlags, io: CliIo): Promise<number> {
  let options: LocalOperatorOptions = {};
  if (flags.config !== undefined) {
    const text = await readFile(flags.config, 'utf8').catch(() => {
      throw new UsageError(`cannot read --config file ${flags.config}`);
    });
    try {
      options = JSON.parse(text) as LocalOperatorOptions;
    } catch {
      throw new UsageError(`--config file ${flags.config} is not valid JSON`);
    }
  }
  if (flags.port !== undefined) {
    if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) > 65_535)
      throw new UsageError('--port must be 0 to 65535');
    options = { ...options, port: Number(flags.port) };
  }
  const operator = await startLocalOperator(options);
  io.stdout(
    [
      `local UID2 operator listening on ${operator.url}`,
      `UID2_BASE_URL=${operator.url}`,
      `UID2_API_KEY=${operator.apiKey}`,
      `UID2_SECRET_KEY=${operator.secretKey}`,
      '(throwaway local credentials; Ctrl-C stops it)',
      '',
    ].join('\n'),
  );
  await io.untilStopped();
  await operator.close();
  io.stdout('local operator stopped\n');
  return EXIT.ok;
}
