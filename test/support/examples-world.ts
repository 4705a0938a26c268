/**
 * What every example test starts: a local operator, a real SQLite opt-out store in a temporary file,
 * and one client wired to both, sharing the operator's clock (so `op.advanceClock` moves the client's
 * idea of `refresh_from` too). Everything on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { PublisherClient } from '../../src/client.js';
import { SqliteOptOutStore } from '../../src/state/sqlite.js';
import { type LocalOperator, startLocalOperator } from '../../src/testing/index.js';

export interface ExampleWorld {
  op: LocalOperator;
  client: PublisherClient;
  optOuts: SqliteOptOutStore;
  /** The SQLite file, for tests that read it. */
  storePath: string;
  /** Generate requests the operator has answered so far. */
  generateRequests(): number;
  close(): Promise<void>;
}

export async function startExampleWorld(options: { tls?: boolean } = {}): Promise<ExampleWorld> {
  const directory = mkdtempSync(join(tmpdir(), 'uid2-examples-'));
  const storePath = join(directory, 'opt-outs.db');
  const optOuts = new SqliteOptOutStore({ path: storePath, key: randomBytes(32).toString('base64') });
  const op = await startLocalOperator(options.tls ? { tls: true } : {});
  // Over TLS the client trusts exactly the operator's generated certificate, as a phone would.
  const dispatcher = options.tls ? new Agent({ connect: { ca: op.ca } }) : undefined;
  const client = new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    now: () => op.now(),
    optOuts,
    ...(dispatcher ? { dispatcher } : {}),
  });
  return {
    op,
    client,
    optOuts,
    storePath,
    generateRequests: () => op.stats().byEndpoint.generate,
    async close() {
      await client.close();
      await dispatcher?.close();
      await op.close();
      optOuts.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
