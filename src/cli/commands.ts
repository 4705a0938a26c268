/**
 * The `generate` and `refresh` commands. Each takes parsed flags, a {@link CliIo} and the run's
 * {@link Secrets}, prints one JSON line and returns the exit code; failures are thrown.
 */
import { readFile } from 'node:fs/promises';
import { Uid2Error } from '../errors.js';
import type { GenerateInput, GenerateResult, RefreshResult } from '../index.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import type { Secrets } from './output.js';
import { type TargetFlags, withClient } from './target.js';

/** The identifier flags shared by `generate` and `validate`. */
export interface IdentifierFlags {
  email?: string | undefined;
  phone?: string | undefined;
  'email-hash'?: string | undefined;
  'phone-hash'?: string | undefined;
}

/** A DII as the client takes it: exactly one identifier. */
export type IdentifierInput =
  | { email: string }
  | { phone: string }
  | { emailHash: string }
  | { phoneHash: string };

/** The one identifier given, or a usage error when there is none or more than one. */
export function identifierFrom(flags: IdentifierFlags): IdentifierInput {
  const given = (['email', 'phone', 'email-hash', 'phone-hash'] as const).filter(
    (name) => flags[name] !== undefined,
  );
  const [name] = given;
  if (given.length !== 1 || name === undefined)
    throw new UsageError('give exactly one of --email, --phone, --email-hash, --phone-hash');
  const value = flags[name] as string;
  if (name === 'email') return { email: value };
  if (name === 'phone') return { phone: value };
  if (name === 'email-hash') return { emailHash: value };
  return { phoneHash: value };
}

/**
 * One JSON line for a result. A success embeds `identityJson` verbatim as `identity` (it was decrypted
 * under the client secret, so it is the operator's own); any other result's text fields come from the
 * operator unauthenticated, so they are redacted.
 */
export function formatResult(result: GenerateResult | RefreshResult, secrets: Secrets): string {
  if (result.status === 'success') return `{"status":"success","identity":${result.identityJson}}\n`;
  return `${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'string' ? secrets.redact(value) : value))}\n`;
}

/** Flags of `uid2-publisher generate`. */
export interface GenerateFlags extends TargetFlags, IdentifierFlags {
  tcf?: string | undefined;
}

/** `uid2-publisher generate`: prints the result JSON. */
export async function generateCommand(flags: GenerateFlags, io: CliIo, secrets: Secrets): Promise<number> {
  const input = {
    ...identifierFrom(flags),
    ...(flags.tcf === undefined ? {} : { tcfConsentString: flags.tcf }),
  } as GenerateInput;
  const result = await withClient(flags, io.env, secrets, (client) => client.generateToken(input));
  io.stdout(formatResult(result, secrets));
  return EXIT.ok;
}

/** Flags of `uid2-publisher refresh`. */
export interface RefreshFlags extends TargetFlags {
  identity?: string | undefined;
}

/** Statuses only a refresh answers; `optout` and consent results are described as generate's. */
const REFRESH_ONLY = new Set(['expired_token', 'invalid_token']);

/**
 * The identity in `text`: an identity itself, or a `generate`/`refresh` success line holding one. A
 * result line of any other status is refused in one sentence, since there is nothing to refresh.
 */
export function identityFrom(text: string): object | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // Not JSON: the client's identity parser reports it with the right code.
  }
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, 'status')) return text;
  const { status, identity } = value as { status: unknown; identity?: unknown };
  if (status === 'success' && identity !== null && typeof identity === 'object') return identity;
  if (typeof status !== 'string' || status === 'success') return text;
  const kind = REFRESH_ONLY.has(status) ? 'refresh' : 'generate';
  // The command line was right; the input is not: one sentence, no usage text.
  throw new Uid2Error(
    'UID2_INVALID_INPUT',
    `the input is a ${kind} result with status ${JSON.stringify(status.slice(0, 64))}, not an identity; there is nothing to refresh`,
  );
}

/** `uid2-publisher refresh`: reads an identity (file or stdin) and prints the result JSON. */
export async function refreshCommand(flags: RefreshFlags, io: CliIo, secrets: Secrets): Promise<number> {
  // On a terminal nobody is piping anything in: say how to give an identity rather than wait.
  // An explicit `--identity -` still reads the terminal, for pasting one.
  if (flags.identity === undefined && io.stdinIsTTY === true)
    throw new UsageError('no identity: pipe one in, or pass --identity FILE');
  const source = flags.identity ?? '-';
  const text =
    source === '-'
      ? await io.readStdin()
      : await readFile(source, 'utf8').catch(() => {
          throw new UsageError(`cannot read --identity file ${source}`);
        });
  if (text.trim() === '')
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      source === '-'
        ? 'no identity on standard input (did the command before the pipe fail?)'
        : `--identity file ${source} is empty`,
    );
  const identity = identityFrom(text.trim());
  rememberIdentitySecrets(identity, secrets);
  const result = await withClient(flags, io.env, secrets, (client) =>
    client.refreshToken(identity as Parameters<typeof client.refreshToken>[0]),
  );
  io.stdout(formatResult(result, secrets));
  return EXIT.ok;
}

/** The tokens and refresh key being sent must never come back out in an error or a result. */
function rememberIdentitySecrets(identity: object | string, secrets: Secrets): void {
  let value: unknown = identity;
  if (typeof identity === 'string') {
    try {
      value = JSON.parse(identity);
    } catch {
      return;
    }
  }
  if (value === null || typeof value !== 'object') return;
  for (const field of ['advertising_token', 'refresh_token', 'refresh_response_key']) {
    const secret: unknown = Object.hasOwn(value, field)
      ? (value as Record<string, unknown>)[field]
      : undefined;
    if (typeof secret === 'string') secrets.add(secret);
  }
}
