/**
 * SqliteOptOutStore against real SQLite files: persistence across processes, what the file holds,
 * options, engine failures and close().
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptOutHasher, optOutSubjectOf } from '../src/state/opt-out.js';
import { SqliteOptOutStore } from '../src/state/sqlite.js';
import { type ChildModules, transpileForChild } from './support/child-modules.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const EMAIL = 'Jane.Doe+news@gmail.com';
const NORMALISED = 'janedoe@gmail.com';
const PHONE = '+12345678901';

let dir: string;
let child: ChildModules;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'uid2-sqlite-'));
  child = transpileForChild(['src/state/sqlite.ts']);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  child.dispose();
});

let files = 0;
const freshPath = () => join(dir, `optouts-${++files}.db`);

async function rejection(fn: () => unknown): Promise<{ code?: unknown; message?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as { code?: unknown; message?: string };
  }
  return { code: 'no error' };
}

/** Every spelling of the DII and its plain hashes that must never appear in storage. */
function forbiddenSpellings(): string[] {
  const sha = (value: string) => createHash('sha256').update(value).digest();
  return [EMAIL, NORMALISED, PHONE, PHONE.slice(1)].flatMap((value) => [
    value,
    sha(value).toString('base64'),
    sha(value).toString('base64url'),
    sha(value).toString('hex'),
    sha(value).toString('base64').slice(0, 20),
  ]);
}

describe('SqliteOptOutStore', () => {
  it('remembers across a reopen, in WAL mode, one row for gmail variants', () => {
    const path = freshPath();
    const store = new SqliteOptOutStore({ path, key: KEY });
    expect(store.has(optOutSubjectOf({ email: EMAIL }))).toBe(false);
    store.add(optOutSubjectOf({ email: EMAIL }));
    store.add(optOutSubjectOf({ email: 'JANEDOE@gmail.com' }));
    store.add(optOutSubjectOf({ email: 'j.a.n.e.doe+other@gmail.com' }));
    expect(store.has(optOutSubjectOf({ email: NORMALISED }))).toBe(true);
    expect(store.has(optOutSubjectOf({ email: 'john@example.com' }))).toBe(false);
    store.close();

    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT k FROM uid2_opt_outs').pluck().all()).toEqual([
      new OptOutHasher(KEY).storageKey(optOutSubjectOf({ email: NORMALISED })),
    ]);
    db.close();
    const reopened = new SqliteOptOutStore({ path, key: KEY });
    expect(
      reopened.has(optOutSubjectOf({ emailHash: createHash('sha256').update(NORMALISED).digest('hex') })),
    ).toBe(true);
    reopened.close();
    // Another key derives other storage keys: the same file knows nothing under it.
    const otherKey = new SqliteOptOutStore({ path, key: Buffer.alloc(32, 8) });
    expect(otherKey.has(optOutSubjectOf({ email: NORMALISED }))).toBe(false);
    otherKey.close();
  });

  it('is read by a new process after the writing process has exited, and the other way round', async () => {
    const path = freshPath();
    const script = (body: string) => `
      import { SqliteOptOutStore } from './src/state/sqlite.js';
      import { optOutSubjectOf } from './src/state/opt-out.js';
      const store = new SqliteOptOutStore({ path: process.env.DB, key: process.env.KEY });
      ${body}
      store.close();`;
    await child.run(script(`store.add(optOutSubjectOf({ email: process.env.EMAIL }));`), {
      DB: path,
      KEY,
      EMAIL,
    });
    const store = new SqliteOptOutStore({ path, key: KEY });
    expect(store.has(optOutSubjectOf({ email: NORMALISED }))).toBe(true);
    store.add(optOutSubjectOf({ phone: PHONE }));
    // The parent keeps its connection open (WAL: the child reads while we hold the file).
    const seen = await child.run(
      script(`console.log(JSON.stringify([store.has(optOutSubjectOf({ phone: '${PHONE}' })),
        store.has(optOutSubjectOf({ phone: '+19999999999' }))]));`),
      { DB: path, KEY },
    );
    expect(JSON.parse(seen)).toEqual([true, false]);
    store.close();
  });

  it('writes no raw or plainly hashed DII to any file', () => {
    const path = freshPath();
    const store = new SqliteOptOutStore({ path, key: KEY });
    store.add(optOutSubjectOf({ email: EMAIL }));
    store.add(optOutSubjectOf({ phone: PHONE }));
    // Checked twice: with the WAL file live, and after close() has checkpointed it into the database.
    const check = () => {
      const bytes = readdirSync(dir)
        .filter((name) => name.startsWith(path.slice(dir.length + 1)))
        .map((name) => readFileSync(join(dir, name)).toString('latin1'))
        .join('');
      expect(bytes).toContain(new OptOutHasher(KEY).storageKey(optOutSubjectOf({ phone: PHONE })));
      for (const spelling of forbiddenSpellings()) expect(bytes).not.toContain(spelling);
    };
    check();
    store.close();
    check();
  });

  it('two stores on one file see each other at once', () => {
    const path = freshPath();
    const first = new SqliteOptOutStore({ path, key: KEY, table: 'shop_optouts' });
    const second = new SqliteOptOutStore({ path, key: KEY, table: 'shop_optouts' });
    first.add(optOutSubjectOf({ phone: PHONE }));
    expect(second.has(optOutSubjectOf({ phone: PHONE }))).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual([
      'shop_optouts',
    ]);
    db.close();
    first.close();
    second.close();
  });

  it('checks its options with UID2_INVALID_CONFIG, naming the option and not the value', () => {
    const path = freshPath();
    const cases: [object, RegExp][] = [
      [{ path, key: KEY, tabel: 'x' }, /unknown option "tabel"/],
      [{ path: '', key: KEY }, /path must be/],
      [{ key: KEY }, /path must be/],
      [{ path, key: KEY, table: 'drop table;' }, /table must be/],
      [{ path, key: KEY, table: '1abc' }, /table must be/],
      [{ path, key: KEY, busyTimeoutMs: -1 }, /busyTimeoutMs must be/],
      [{ path }, /^key must be/],
      [{ path, key: KEY.slice(1) }, /^key must be/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        new SqliteOptOutStore(options as never);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ name: 'Uid2Error', code: 'UID2_INVALID_CONFIG', message });
      expect((error as Error).message).not.toContain(KEY.slice(1, 20));
    }
  });

  it('turns a file it cannot open into UID2_INVALID_CONFIG', () => {
    const notADatabase = freshPath();
    writeFileSync(notADatabase, Buffer.alloc(8192, 0x5a));
    for (const path of [dir, notADatabase, join(dir, 'missing-dir', 'x.db')]) {
      let error: unknown;
      try {
        new SqliteOptOutStore({ path, key: KEY });
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({
        code: 'UID2_INVALID_CONFIG',
        message: 'SqliteOptOutStore: cannot open the database file',
      });
    }
  });

  it('turns an engine failure after opening into a retryable Uid2Error', async () => {
    const path = freshPath();
    const store = new SqliteOptOutStore({ path, key: KEY });
    const db = new Database(path);
    db.exec('DROP TABLE uid2_opt_outs');
    db.close();
    const subject = optOutSubjectOf({ phone: PHONE });
    for (const call of [() => store.has(subject), () => store.add(subject)]) {
      expect(await rejection(call)).toMatchObject({
        code: 'UID2_NETWORK',
        retryable: true,
        message: 'SqliteOptOutStore: the storage engine failed or is unreachable',
      });
    }
    store.close();
  });

  it('close() is idempotent; later calls throw UID2_INVALID_CONFIG; inspect shows no key', async () => {
    const store = new SqliteOptOutStore({ path: freshPath(), key: KEY });
    expect(inspect(store)).toBe("SqliteOptOutStore { table: 'uid2_opt_outs', closed: false }");
    expect(JSON.stringify(store)).not.toContain(KEY);
    store.close();
    store.close();
    const subject = optOutSubjectOf({ phone: PHONE });
    expect(await rejection(() => store.has(subject))).toMatchObject({
      code: 'UID2_INVALID_CONFIG',
      message: 'SqliteOptOutStore is closed',
    });
    expect(await rejection(() => store.add(subject))).toMatchObject({ code: 'UID2_INVALID_CONFIG' });
  });

  it('says to install better-sqlite3 when it is not installed', async () => {
    const isolated = transpileForChild(['src/state/sqlite.ts'], 'outside');
    try {
      const out = await isolated.run(`
        import { SqliteOptOutStore } from './src/state/sqlite.js';
        try { new SqliteOptOutStore({ path: 'x.db', key: '${KEY}' }); console.log('opened'); }
        catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`);
      expect(JSON.parse(out)).toEqual({
        code: 'UID2_INVALID_CONFIG',
        message:
          'SqliteOptOutStore needs the optional peer dependency better-sqlite3: npm install better-sqlite3',
      });
    } finally {
      isolated.dispose();
    }
  });
});
