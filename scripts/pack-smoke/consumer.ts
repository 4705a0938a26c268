// A TypeScript consumer of the installed tarball, type-checked (never run) under node16 as ES module
// and as CommonJS, nodenext and bundler resolution, with skipLibCheck off, so the shipped
// declarations of every entry point must resolve and hold together. No top-level await: the same text
// is a CommonJS module under node16 and as the nodenext .cts copy.
import {
  type GenerateResult,
  hashEmail,
  isUid2Error,
  PublisherClient,
  type RefreshResult,
  UID2_ERROR_CODES,
  Uid2Error,
  type Uid2ErrorCode,
} from 'uid2-publisher';
import { RedisOptOutStore } from 'uid2-publisher/redis';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { type LocalOperator, startLocalOperator } from 'uid2-publisher/testing';

export async function signIn(email: string): Promise<string | null> {
  const op: LocalOperator = await startLocalOperator();
  const client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
  try {
    const result: GenerateResult = await client.generateToken({ email });
    // @ts-expect-error the status is a closed union, so a typo does not compile
    if (result.status === 'sucess') return null;
    if (result.status !== 'success') return null;
    const refreshed: RefreshResult = await client.refreshToken(result.identityJson);
    return refreshed.status === 'success' ? refreshed.identityJson : null;
  } catch (err) {
    if (isUid2Error(err)) {
      const code: Uid2ErrorCode = err.code;
      const known: boolean = (UID2_ERROR_CODES as readonly string[]).includes(code);
      return known && err instanceof Uid2Error ? null : null;
    }
    throw err;
  } finally {
    await client.close();
    await op.close();
  }
}

export function stores(key: string): [SqliteOptOutStore, RedisOptOutStore, string] {
  return [
    new SqliteOptOutStore({ path: 'optouts.db', key }),
    new RedisOptOutStore({ url: 'redis://127.0.0.1:6379', key }),
    hashEmail('user@example.com'),
  ];
}
