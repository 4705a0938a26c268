/**
 * What a CLI command may touch: its output streams, environment and stdin. Injected so that tests run
 * commands in-process and read what they print.
 */
import { Uid2Error, type Uid2ErrorCode } from '../errors.js';

/** Streams and environment of one CLI run. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input. */
  readStdin: () => Promise<string>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); for long-running commands. */
  untilStopped: () => Promise<void>;
}

/** Exit codes, one per error class, so scripts can branch without parsing text. */
export const EXIT = Object.freeze({
  ok: 0,
  /** Unexpected failure (a bug). */
  internal: 1,
  /** Bad command line, configuration, input or identity. */
  usage: 2,
  /** The operator refused the credentials or the request (401, secret, clock, other 4xx). */
  refused: 3,
  /** Transient: timeout, network, 429, 5xx, aborted. Retrying later may work. */
  transient: 4,
  /** The answer could not be trusted or read (decrypt, nonce, schema, size). */
  badResponse: 5,
});

const CLASS_OF: Record<Uid2ErrorCode, number> = {
  UID2_INVALID_CONFIG: EXIT.usage,
  UID2_INVALID_INPUT: EXIT.usage,
  UID2_INVALID_IDENTITY: EXIT.usage,
  UID2_UNAUTHORIZED: EXIT.refused,
  UID2_BAD_CLIENT_SECRET: EXIT.refused,
  UID2_CLOCK_SKEW: EXIT.refused,
  UID2_BAD_REQUEST: EXIT.refused,
  UID2_RATE_LIMITED: EXIT.transient,
  UID2_SERVER_ERROR: EXIT.transient,
  UID2_TIMEOUT: EXIT.transient,
  UID2_ABORTED: EXIT.transient,
  UID2_NETWORK: EXIT.transient,
  UID2_RESPONSE_TOO_LARGE: EXIT.badResponse,
  UID2_DECRYPT_FAILED: EXIT.badResponse,
  UID2_NONCE_MISMATCH: EXIT.badResponse,
  UID2_RESPONSE_INVALID: EXIT.badResponse,
};

/** A command-line mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** Prints an error as `CODE: message` on stderr and returns its exit code. */
export function reportError(io: CliIo, err: unknown): number {
  if (err instanceof Uid2Error) {
    // The message already carries the operator's own words where there were any.
    io.stderr(`${err.code}: ${err.message}\n`);
    return CLASS_OF[err.code];
  }
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  io.stderr(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.internal;
}
