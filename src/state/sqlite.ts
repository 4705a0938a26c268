/**
 * `uid2-publisher/sqlite`: the embedded opt-out store for one server, on better-sqlite3 (an optional
 * peer dependency, loaded only when this entry point is used: `npm install better-sqlite3`).
 *
 * One file in WAL mode, so reads never wait for a writer and several processes of one host can share
 * it. better-sqlite3 is synchronous; a lookup is one prepared primary-key read from the page cache, a few
 * microseconds, which is cheaper than the promise an async driver would add.
 *
 * @module uid2-publisher/sqlite
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { Uid2Error } from '../errors.js';
import type { SecretKeyInput } from '../keys.js';
import { checkOptionKeys, configError, integerOption } from '../option-checks.js';
import { closedStoreError, storeFailedError } from './failures.js';
import { OptOutHasher, type OptOutStore } from './opt-out.js';

/**
 * Options of {@link SqliteOptOutStore}.
 *
 * @example
 * ```ts
 * const options: SqliteOptOutStoreOptions = { path: '/var/lib/app/uid2-optouts.db', key: process.env.UID2_OPTOUT_KEY! };
 * ```
 */
export interface SqliteOptOutStoreOptions {
  /** The database file; created when missing. Its directory must exist. */
  path: string;
  /** 32-byte secret (standard base64 or bytes) the subjects are HMACed under. Required. */
  key: SecretKeyInput;
  /** Table name (letters, digits, `_`). Created when missing. Default `uid2_opt_outs`. */
  table?: string;
  /**
   * How long a write waits for another process's write lock before failing, ms. The wait blocks the
   * event loop (the driver is synchronous), so keep it short. Default 1000.
   */
  busyTimeoutMs?: number;
}

type Database = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

const NAME = 'SqliteOptOutStore';
const OPTIONS = ['path', 'key', 'table', 'busyTimeoutMs'] as const;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function loadDriver(): DatabaseConstructor {
  try {
    // createRequire keeps the import lazy and lets a missing package become a clear error here.
    return createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw configError(
        `${NAME} needs the optional peer dependency better-sqlite3: npm install better-sqlite3`,
      );
    }
    throw storeFailedError(NAME, err);
  }
}

/**
 * An {@link OptOutStore} in one SQLite file: survives restarts, shared by the processes of one host.
 * Stores HMAC-SHA256 values of subjects only. `has` and `add` are synchronous and throw a `Uid2Error`
 * (`UID2_NETWORK`, retryable) if the engine fails; after `close()` they throw `UID2_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * import { PublisherClient } from 'uid2-publisher';
 * import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
 *
 * const optOuts = new SqliteOptOutStore({ path: 'uid2-optouts.db', key: process.env.UID2_OPTOUT_KEY! });
 * const client = new PublisherClient({ baseUrl, apiKey, secretKey, optOuts });
 * process.on('SIGTERM', () => optOuts.close());
 * ```
 */
export class SqliteOptOutStore implements OptOutStore {
  readonly #hasher: OptOutHasher;
  readonly #table: string;
  readonly #db: Database;
  readonly #select: BetterSqlite3.Statement<[string], number>;
  readonly #insert: BetterSqlite3.Statement<[string]>;
  #closed = false;

  constructor(options: SqliteOptOutStoreOptions) {
    checkOptionKeys(options, NAME, OPTIONS);
    if (typeof options.path !== 'string' || options.path.length === 0 || options.path.includes('\u0000')) {
      throw configError(`${NAME}: path must be a non-empty file path`);
    }
    this.#hasher = new OptOutHasher(options.key, 'key');
    const table = options.table ?? 'uid2_opt_outs';
    if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
      throw configError(`${NAME}: table must be 1 to 63 letters, digits or "_", not starting with a digit`);
    }
    this.#table = table;
    const busyTimeoutMs = integerOption('busyTimeoutMs', options.busyTimeoutMs, 1_000, 0, 60_000);
    const Driver = loadDriver();
    let db: Database | undefined;
    try {
      db = new Driver(options.path, { timeout: busyTimeoutMs });
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL loses at most the last commits on power loss, never consistency; a lost
      // opt-out only costs one request to the operator, which enforces opt-out anyway.
      db.pragma('synchronous = NORMAL');
      db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (k TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID`);
      this.#select = db.prepare<[string], number>(`SELECT 1 FROM "${table}" WHERE k = ?`).pluck();
      this.#insert = db.prepare<[string]>(`INSERT OR IGNORE INTO "${table}" (k) VALUES (?)`);
    } catch (err) {
      db?.close();
      // The cause (a SqliteError such as SQLITE_CANTOPEN or SQLITE_NOTADB) never holds the path or DII.
      throw new Uid2Error('UID2_INVALID_CONFIG', `${NAME}: cannot open the database file`, { cause: err });
    }
    this.#db = db;
  }

  has(subject: string): boolean {
    const key = this.#key(subject);
    try {
      return this.#select.get(key) !== undefined;
    } catch (err) {
      throw storeFailedError(NAME, err);
    }
  }

  add(subject: string): void {
    const key = this.#key(subject);
    try {
      this.#insert.run(key);
    } catch (err) {
      throw storeFailedError(NAME, err);
    }
  }

  /** Closes the database file. Idempotent; later calls throw `UID2_INVALID_CONFIG`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #key(subject: string): string {
    if (this.#closed) throw closedStoreError(NAME);
    return this.#hasher.storageKey(subject);
  }

  toJSON(): Record<string, unknown> {
    return { type: NAME, table: this.#table, closed: this.#closed };
  }

  [inspect.custom](): string {
    return `${NAME} { table: '${this.#table}', closed: ${this.#closed} }`;
  }
}
