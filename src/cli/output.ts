/**
 * What the CLI may put on a terminal. Operator answers, file contents and arguments are not ours: a
 * message holding CR/LF can fake an output line, ESC sequences (CSI, OSC) can recolour the screen,
 * retitle the window or write the clipboard, and bidi overrides can make text read differently from
 * what it is. And a hostile or broken operator may echo the credentials it was sent. So every byte the
 * CLI prints passes {@link printable}, and every message from elsewhere passes {@link Secrets.redact}.
 */

/**
 * C0 controls (LF included), DEL, C1 controls (U+0080-U+009F: 0x9B is a one-byte CSI on some
 * terminals), the Unicode line/paragraph separators, and the bidi marks, embeddings, overrides and
 * isolates (U+061C, U+200E/F, U+202A-E, U+2066-9).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every character of {@link UNSAFE} written as a literal `\uXXXX` escape. Inside a JSON
 * string that escape decodes to the same character, so JSON output keeps its value; on a terminal it
 * is inert text. Idempotent: its output holds no character it would change.
 *
 * @example
 * ```ts
 * printable('a\u001b]52;c;eA==\u0007b'); // 'a\\u001b]52;c;eA==\\u0007b'
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A writer that passes text through {@link printable} line by line, so only the line breaks the CLI
 * itself wrote survive. Text from elsewhere must be passed through {@link printable} whole before it
 * is put in a line, so that its own LFs are escaped too.
 *
 * @example
 * ```ts
 * const out = safeWriter((text) => process.stdout.write(text));
 * out('first line\nsecond \u001b[2J line\n'); // the ESC is printed as \u001b
 * ```
 */
export function safeWriter(write: (text: string) => void): (text: string) => void {
  return (text) => write(text.split('\n').map(printable).join('\n'));
}

/** A fragment this long of a secret is redacted too (a cut message may hold most of a key). */
const MIN_FRAGMENT = 12;
const MIN_SECRET = 8;
const REDACTED = '[redacted]';

/**
 * The credentials and tokens of one CLI run (API key, client secret, the refresh token being used),
 * so that nothing the CLI prints about an error carries one of them, whole or in part.
 *
 * @example
 * ```ts
 * const secrets = new Secrets();
 * secrets.add(apiKey);
 * secrets.redact(`operator said: ${apiKey}`); // 'operator said: [redacted]'
 * ```
 */
export class Secrets {
  readonly #values = new Set<string>();

  /**
   * Adds a value to redact. Values shorter than 8 characters are no credential (real keys, secrets
   * and tokens are tens of characters) and would blank every occurrence of a common string.
   */
  add(value: string | undefined): void {
    if (value !== undefined && value.length >= MIN_SECRET) this.#values.add(value);
  }

  /** `text` with every secret, and every piece of one at least 12 characters long, replaced. */
  redact(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join(REDACTED);
    for (const value of this.#values) out = redactFragments(out, value);
    return out;
  }

  /** `util.inspect` and JSON never show the values. */
  toJSON(): string {
    return `Secrets(${this.#values.size})`;
  }
}

/**
 * Replaces every run of `text` covered by a window of {@link MIN_FRAGMENT} characters that also
 * occurs in `secret`. Quadratic in the worst case, but both are short (messages are capped, secrets
 * are keys and tokens).
 */
function redactFragments(text: string, secret: string): string {
  if (secret.length < MIN_FRAGMENT || text.length < MIN_FRAGMENT) return text;
  const covered = new Uint8Array(text.length);
  let any = false;
  for (let i = 0; i + MIN_FRAGMENT <= text.length; i++) {
    if (secret.includes(text.slice(i, i + MIN_FRAGMENT))) {
      covered.fill(1, i, i + MIN_FRAGMENT);
      any = true;
    }
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (covered[i] === 0) out += text[i];
    else if (i === 0 || covered[i - 1] === 0) out += REDACTED;
  }
  return out;
}
