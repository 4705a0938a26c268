/**
 * What a CLI command may touch: its output streams, environment and stdin. Injected so that tests run
 * commands in-process and read what they print. Also how an error becomes its one `CODE: message` line
 * and its exit code.
 */
import { inspect } from 'node:util';
import { Uid2Error, type Uid2ErrorCode } from '../errors.js';
import { printable, type Secrets } from './output.js';

/** Streams and environment of one CLI run. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input. */
  readStdin: () => Promise<string>;
  /** Whether standard input is a terminal (then nobody is piping an identity in). Default false. */
  stdinIsTTY?: boolean;
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

/**
 * Exit code per error code. A code added to the library but not here is an internal error (exit 1)
 * until it is classed, which the CLI tests notice.
 */
const CLASS_OF: ReadonlyMap<string, number> = new Map<string, number>([
  ['UID2_INVALID_CONFIG', EXIT.usage],
  ['UID2_INVALID_INPUT', EXIT.usage],
  ['UID2_INVALID_IDENTITY', EXIT.usage],
  ['UID2_CLIENT_CLOSED', EXIT.internal],
  ['UID2_UNAUTHORIZED', EXIT.refused],
  ['UID2_BAD_CLIENT_SECRET', EXIT.refused],
  ['UID2_CLOCK_SKEW', EXIT.refused],
  ['UID2_BAD_REQUEST', EXIT.refused],
  ['UID2_RATE_LIMITED', EXIT.transient],
  ['UID2_SERVER_ERROR', EXIT.transient],
  ['UID2_TIMEOUT', EXIT.transient],
  ['UID2_ABORTED', EXIT.transient],
  ['UID2_NETWORK', EXIT.transient],
  ['UID2_RESPONSE_TOO_LARGE', EXIT.badResponse],
  ['UID2_DECRYPT_FAILED', EXIT.badResponse],
  ['UID2_NONCE_MISMATCH', EXIT.badResponse],
  ['UID2_RESPONSE_INVALID', EXIT.badResponse],
]);

/** The code printed for a failure that is a bug of the CLI or the library, not of the user. */
export const INTERNAL_CODE = 'INTERNAL_ERROR';

/**
 * A command-line mistake (unknown command or flag, bad flag value, missing variable, busy port):
 * printed as `CODE: message` followed by the command's usage, exit code 2.
 */
export class UsageError extends Error {
  readonly code: Uid2ErrorCode;

  constructor(message: string, code: Uid2ErrorCode = 'UID2_INVALID_INPUT') {
    super(message);
    this.code = code;
  }
}

/**
 * Prints an error as one `CODE: message` line on stderr and returns its exit code. The message is
 * redacted of the run's secrets and made printable whole (its own line breaks escaped), because it may
 * carry an operator's words.
 */
export function reportError(io: CliIo, err: unknown, secrets: Secrets): number {
  let code: string;
  let message: string;
  let exit: number;
  if (err instanceof Uid2Error) {
    code = err.code;
    message = err.message;
    exit = CLASS_OF.get(err.code) ?? EXIT.internal;
  } else if (err instanceof UsageError) {
    code = err.code;
    message = err.message;
    exit = EXIT.usage;
  } else {
    code = INTERNAL_CODE;
    message = err instanceof Error ? err.message : inspect(err);
    exit = EXIT.internal;
  }
  io.stderr(`${code}: ${printable(secrets.redact(message))}\n`);
  return exit;
}
