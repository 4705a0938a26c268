/**
 * Opt-out subjects, the keyed storage derivation every store shares, and the in-memory LRU store.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hashEmail, hashPhone } from '../src/input.js';
import { MemoryOptOutStore } from '../src/state/memory.js';
import { OptOutHasher, optOutSubject, optOutSubjectOf } from '../src/state/opt-out.js';

const KEY = Buffer.alloc(32, 7).toString('base64'); // 'BwcH...' : a plainly fake key
const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');
const JANE_HASH = '1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk='; // SHA-256 of 'janedoe@gmail.com'

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describe('optOutSubject', () => {
  it('is the type and the 44-char base64 hash', () => {
    expect(optOutSubject('email', JANE_HASH)).toBe(`email:${JANE_HASH}`);
    expect(optOutSubject('phone', hashPhone('+12345678901'))).toBe(
      'phone:EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=',
    );
  });

  it('refuses other types and anything but canonical 44-char standard base64 of 32 bytes', () => {
    expect(codeOf(() => optOutSubject('mail' as 'email', JANE_HASH))).toBe('UID2_INVALID_INPUT');
    const hex = createHash('sha256').update('janedoe@gmail.com').digest('hex');
    const urlSafe = Buffer.from(JANE_HASH, 'base64').toString('base64url');
    for (const bad of [
      hex,
      urlSafe,
      JANE_HASH.slice(0, 43),
      `${JANE_HASH.slice(0, 42)}l=`,
      'jane@x.com',
      42,
    ]) {
      expect(codeOf(() => optOutSubject('email', bad as string))).toBe('UID2_INVALID_INPUT');
    }
    expect(messageOf(() => optOutSubject('email', 'jane@x.com'))).not.toContain('jane');
  });
});

describe('optOutSubjectOf', () => {
  it('gives emails the operator treats as one the same subject', () => {
    const subject = optOutSubjectOf({ email: 'janedoe@gmail.com' });
    expect(subject).toBe(`email:${JANE_HASH}`);
    for (const email of ['Jane.Doe@gmail.com', 'jane.doe+news@GMAIL.COM', ' j.a.n.e.d.o.e+x+y@gmail.com ']) {
      expect(optOutSubjectOf({ email })).toBe(subject);
    }
    expect(optOutSubjectOf({ emailHash: JANE_HASH })).toBe(subject);
    const hex = Buffer.from(JANE_HASH, 'base64').toString('hex');
    expect(optOutSubjectOf({ emailHash: hex })).toBe(subject);
  });

  it('keeps dots outside gmail, and phones apart from emails', () => {
    expect(optOutSubjectOf({ email: 'jane.doe@example.com' })).not.toBe(
      optOutSubjectOf({ email: 'janedoe@example.com' }),
    );
    expect(optOutSubjectOf({ phone: '+12345678901' })).toBe(`phone:${hashPhone('+12345678901')}`);
    expect(optOutSubjectOf({ phoneHash: hashEmail('janedoe@gmail.com') })).toBe(`phone:${JANE_HASH}`);
  });

  it('fails like generateToken on bad input, without echoing it', () => {
    expect(codeOf(() => optOutSubjectOf({ email: 'not an email' }))).toBe('UID2_INVALID_INPUT');
    expect(codeOf(() => optOutSubjectOf({ phone: '2345678901' }))).toBe('UID2_INVALID_INPUT');
    expect(codeOf(() => optOutSubjectOf({} as { email: string }))).toBe('UID2_INVALID_INPUT');
  });
});

describe('OptOutHasher', () => {
  const subject = `email:${JANE_HASH}`;

  it('is HMAC-SHA256 of a labelled subject as base64url (pinned: stored data depends on it)', () => {
    expect(new OptOutHasher(KEY).storageKey(subject)).toBe('I44a2j-IFS5R4-PqKUzP6Nuxqc9jYOIBADMfLXzvnIw');
    expect(new OptOutHasher(Buffer.alloc(32, 7)).storageKey(subject)).toBe(
      'I44a2j-IFS5R4-PqKUzP6Nuxqc9jYOIBADMfLXzvnIw',
    );
    expect(new OptOutHasher(OTHER_KEY).storageKey(subject)).not.toBe(
      'I44a2j-IFS5R4-PqKUzP6Nuxqc9jYOIBADMfLXzvnIw',
    );
  });

  it('refuses a raw email or a bare hash as the subject instead of hashing it', () => {
    const hasher = new OptOutHasher(KEY);
    for (const bad of [
      'janedoe@gmail.com',
      JANE_HASH,
      `mail:${JANE_HASH}`,
      `email:${JANE_HASH}x`,
      undefined,
    ]) {
      expect(codeOf(() => hasher.storageKey(bad as string))).toBe('UID2_INVALID_INPUT');
    }
    expect(messageOf(() => hasher.storageKey('janedoe@gmail.com'))).not.toContain('janedoe');
  });

  it('checks the key: 32 bytes, canonical base64; the error names the option, never the value', () => {
    const short = Buffer.alloc(31, 1).toString('base64');
    const nonCanonical = `${KEY.slice(0, 42)}d=`;
    for (const bad of [short, nonCanonical, KEY.replace('=', ''), '', 42, undefined, new Uint8Array(16)]) {
      expect(codeOf(() => new OptOutHasher(bad as string, 'key'))).toBe('UID2_INVALID_CONFIG');
      expect(messageOf(() => new OptOutHasher(bad as string, 'key'))).toMatch(/^key must be/);
    }
    expect(messageOf(() => new OptOutHasher(nonCanonical))).not.toContain(nonCanonical.slice(0, 10));
  });

  it('never shows its key in inspect or JSON', () => {
    const hasher = new OptOutHasher(KEY);
    const shown = `${inspect(hasher, { showHidden: true, depth: 5 })} ${JSON.stringify(hasher)}`;
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(Buffer.alloc(32, 7).toString('hex'));
    expect(shown).toContain('redacted');
  });
});

describe('MemoryOptOutStore', () => {
  const subjects = ['a', 'b', 'c', 'd'].map((name) => optOutSubjectOf({ email: `${name}@example.com` }));
  const [a, b, c, d] = subjects as [string, string, string, string];

  it('remembers what was added, and one entry for gmail variants', () => {
    const store = new MemoryOptOutStore({ key: KEY });
    expect(store.has(a)).toBe(false);
    store.add(a);
    expect(store.has(a)).toBe(true);
    expect(store.has(b)).toBe(false);
    store.add(optOutSubjectOf({ email: 'jane.doe@gmail.com' }));
    store.add(optOutSubjectOf({ email: 'JaneDoe+x@gmail.com' }));
    expect(store.has(optOutSubjectOf({ email: 'janedoe@gmail.com' }))).toBe(true);
    expect(store.size).toBe(2);
  });

  it('is bounded and drops the least recently used entry first', () => {
    const store = new MemoryOptOutStore({ key: KEY, maxEntries: 3 });
    store.add(a);
    store.add(b);
    store.add(c);
    expect(store.has(a)).toBe(true); // a is now the most recently used; b the least
    store.add(d);
    expect(store.size).toBe(3);
    expect([store.has(a), store.has(b), store.has(c), store.has(d)]).toEqual([true, false, true, true]);
    store.add(c); // re-adding refreshes without growing
    store.add(b);
    expect(store.size).toBe(3);
    expect(store.has(a)).toBe(false);
  });

  it('checks its options', () => {
    expect(codeOf(() => new MemoryOptOutStore({ key: KEY, maxEntires: 3 } as never))).toBe(
      'UID2_INVALID_CONFIG',
    );
    expect(messageOf(() => new MemoryOptOutStore({ key: KEY, maxEntires: 3 } as never))).toContain(
      'unknown option "maxEntires"',
    );
    for (const maxEntries of [0, -1, 1.5, '10', Number.NaN]) {
      expect(codeOf(() => new MemoryOptOutStore({ key: KEY, maxEntries: maxEntries as number }))).toBe(
        'UID2_INVALID_CONFIG',
      );
    }
    expect(messageOf(() => new MemoryOptOutStore({} as never))).toMatch(/^key must be/);
    expect(codeOf(() => new MemoryOptOutStore(undefined as never))).toBe('UID2_INVALID_CONFIG');
  });

  it('holds only keyed hashes and never shows its key or entries', () => {
    const store = new MemoryOptOutStore({ key: KEY });
    store.add(`email:${JANE_HASH}`);
    const shown = `${inspect(store, { showHidden: true, depth: 5 })} ${JSON.stringify(store)}`;
    expect(shown).toBe(
      'MemoryOptOutStore { size: 1, maxEntries: 100000 } {"type":"MemoryOptOutStore","size":1,"maxEntries":100000}',
    );
  });

  it('refuses calls after close() (idempotent) with UID2_INVALID_CONFIG', () => {
    const store = new MemoryOptOutStore({ key: KEY });
    store.add(a);
    store.close();
    store.close();
    expect(codeOf(() => store.has(a))).toBe('UID2_INVALID_CONFIG');
    expect(codeOf(() => store.add(a))).toBe('UID2_INVALID_CONFIG');
    expect(messageOf(() => store.has(a))).toBe('MemoryOptOutStore is closed');
  });
});
