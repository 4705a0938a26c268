/**
 * Local operator throughput: requests/s that `startLocalOperator()` (in its own process) serves for
 * generate and for refresh, loaded by PublisherClient at a fixed concurrency. The client process is
 * lighter than the operator's, so the operator is what saturates; the client's own cost is in e2e.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PublisherClient } from '../dist/index.js';
import { runLoad } from './e2e.mjs';
import { EMAILS, spread } from './fixtures.mjs';

/** Forks bench/operator-server.mjs; resolves with its credentials and `stop()`, or `{ missing }`. */
function startOperatorProcess() {
  const child = fork(fileURLToPath(new URL('./operator-server.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`operator process exited early (code ${code})`)));
    child.once('message', (message) => {
      child.removeAllListeners('exit');
      resolve({ ...message, stop });
    });
  });
}

function must(cell, what) {
  if (cell.errors > 0 || cell.requests === 0) {
    const first = cell.firstError instanceof Error ? `: ${cell.firstError.message}` : '';
    throw new Error(`local operator ${what}: ${cell.errors} errors, ${cell.requests} requests${first}`, {
      cause: cell.firstError,
    });
  }
  return cell;
}

/**
 * @param {{ concurrency: number, reps: number, durationMs: number, warmupMs: number }} options
 * @returns {Promise<{ missing: string } | { concurrency: number, reps: number, durationMs: number, generate: object, refresh: object }>}
 */
export async function runOperator({ concurrency, reps, durationMs, warmupMs }) {
  const op = await startOperatorProcess();
  if (op.missing) {
    await op.stop();
    return { missing: op.missing };
  }
  const client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
  try {
    let i = 0;
    const generate = async () => {
      const result = await client.generateToken({ email: EMAILS[i++ & 255] });
      if (result.status !== 'success') throw new Error(`generate: ${result.status}`);
      return result;
    };
    // Identities to refresh; refresh tokens are not single-use (PROTOCOL.md §5.2), so they are reused.
    const identities = [];
    for (let k = 0; k < 64; k++) identities.push((await generate()).identityJson);
    let j = 0;
    const refresh = async () => {
      const result = await client.refreshToken(identities[j++ & 63]);
      if (result.status !== 'success') throw new Error(`refresh: ${result.status}`);
    };
    const cells = { generate: [], refresh: [] };
    for (const [name, call] of Object.entries({ generate, refresh })) {
      must(await runLoad(call, concurrency, warmupMs), `${name} warm-up`);
    }
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? ['generate', 'refresh'] : ['refresh', 'generate'];
      for (const name of order) {
        const call = name === 'generate' ? generate : refresh;
        cells[name].push(must(await runLoad(call, concurrency, durationMs), name));
      }
    }
    const summary = (list) => ({
      rps: spread(list.map((c) => c.rps)),
      p50Ms: spread(list.map((c) => c.p50Ms)),
      p99Ms: spread(list.map((c) => c.p99Ms)),
    });
    return {
      concurrency,
      reps,
      durationMs,
      generate: summary(cells.generate),
      refresh: summary(cells.refresh),
    };
  } finally {
    await client.close();
    await op.stop();
  }
}
