/**
 * Scrubbing of text that came off the wire. An operator, a proxy or a tampering middlebox may echo what
 * it was sent; nothing it echoes may leave the library in an error, a result or a log line.
 *
 * A secret is removed whole or in part: every run of the text that shares `FRAGMENT` or more
 * consecutive characters with a secret is replaced. So a key cut in half by a length limit, or spread
 * over two fields, is caught too; only pieces shorter than `FRAGMENT` characters could pass, and those
 * carry too little of a random secret to matter. Scrubbing happens before any cut to length.
 */

/** The shortest shared run that counts as a leak. */
export const FRAGMENT = 6;
const REDACTED = '[redacted]';

/**
 * Removes known secrets, whole or in part, from untrusted text. The fragment set is built on first
 * use: most calls succeed and never scrub, and building it for a refresh's tokens costs tens of µs.
 */
export class Scrubber {
  readonly #base: Scrubber | undefined;
  readonly #secrets: readonly (string | undefined)[];
  #grams: Set<string> | undefined;

  private constructor(base: Scrubber | undefined, secrets: readonly (string | undefined)[]) {
    this.#base = base;
    this.#secrets = secrets;
  }

  /** A scrubber for these secrets (empty and `undefined` entries are skipped). */
  static of(secrets: readonly (string | undefined)[]): Scrubber {
    return new Scrubber(undefined, secrets);
  }

  /** A scrubber for these secrets and the extra ones (e.g. the call's own refresh token). */
  with(extra: readonly (string | undefined)[]): Scrubber {
    return new Scrubber(this, extra);
  }

  #fragments(): Set<string> {
    this.#grams ??= addGrams(new Set(this.#base === undefined ? [] : this.#base.#fragments()), this.#secrets);
    return this.#grams;
  }

  /** The text with every secret run replaced by `[redacted]`, then cut to `maxLength` characters. */
  scrub(text: string, maxLength = Number.POSITIVE_INFINITY): string {
    const length = text.length;
    let cleaned = text;
    const grams = length >= FRAGMENT ? this.#fragments() : undefined;
    if (grams !== undefined && grams.size > 0) {
      let marks: Uint8Array | undefined;
      for (let i = 0; i + FRAGMENT <= length; i++) {
        if (grams.has(text.slice(i, i + FRAGMENT))) {
          marks ??= new Uint8Array(length);
          marks.fill(1, i, i + FRAGMENT);
        }
      }
      if (marks !== undefined) cleaned = replaceMarked(text, marks);
    }
    return cleaned.length > maxLength ? cleaned.slice(0, maxLength) : cleaned;
  }
}

function addGrams(grams: Set<string>, secrets: readonly (string | undefined)[]): Set<string> {
  for (const secret of secrets) {
    if (secret === undefined) continue;
    for (let i = 0; i + FRAGMENT <= secret.length; i++) grams.add(secret.slice(i, i + FRAGMENT));
  }
  return grams;
}

function replaceMarked(text: string, marks: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (marks[i] === 1) {
      while (i < text.length && marks[i] === 1) i++;
      out += REDACTED;
    } else {
      const start = i;
      while (i < text.length && marks[i] !== 1) i++;
      out += text.slice(start, i);
    }
  }
  return out;
}
