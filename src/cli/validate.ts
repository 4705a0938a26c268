/**
 * `uid2-publisher validate`: asks the operator whether an advertising token was issued for a DII.
 */
import { type IdentifierFlags, identifierFrom } from './commands.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import type { Secrets } from './output.js';
import { type TargetFlags, withClient } from './target.js';

/** Flags of `uid2-publisher validate`. */
export interface ValidateFlags extends TargetFlags, IdentifierFlags {
  token?: string | undefined;
}

/** Prints `{"status":"match"}` (or mismatch, invalid_token, not_owner, with any `detail`). */
export async function validateCommand(flags: ValidateFlags, io: CliIo, secrets: Secrets): Promise<number> {
  const token = flags.token;
  if (token === undefined || token === '') throw new UsageError('give the advertising token with --token');
  const input = identifierFrom(flags);
  secrets.add(token);
  const result = await withClient(flags, io.env, secrets, (client) => client.validateToken(token, input));
  // `detail` is the operator's unauthenticated text (it answers errors in the clear): redacted.
  const detail = 'detail' in result ? result.detail : undefined;
  const line = JSON.stringify(
    detail === undefined
      ? { status: result.status }
      : { status: result.status, detail: secrets.redact(detail) },
  );
  io.stdout(`${line}\n`);
  return EXIT.ok;
}
