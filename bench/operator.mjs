/**
 * Local operator throughput: requests/s that `startLocalOperator()`, in its own process, serves for
 * generate and refresh at a fixed concurrency. Two drivers: the minimal hand-written client (cheap, so
 * the operator sets the pace: its capacity) and PublisherClient (what a test suite sees). The
 * operator's CPU share over each cell tells which side was the bottleneck.
 */
import { PublisherClient } from '../dist/index.js';
import { minimalClient, minimalRefreshClient, startProcess } from './clients.mjs';
import { runCell, runLoad } from './e2e.mjs';
import { EMAILS, spread } from './fixtures.mjs';

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
 */
export async function runOperator({ concurrency, reps, durationMs, warmupMs }) {
  const op = await startProcess('./operator-server.mjs');
  if (op.missing) {
    await op.stop();
    return { missing: op.missing };
  }
  const credentials = { apiKey: op.apiKey, secretKey: op.secretKey };
  const client = new PublisherClient({ baseUrl: op.url, ...credentials });
  const closers = [() => client.close()];
  try {
    let i = 0;
    const oursGenerate = async () => {
      const result = await client.generateToken({ email: EMAILS[i++ & 255] });
      if (result.status !== 'success') throw new Error(`generate: ${result.status}`);
      return result;
    };
    // Identities to refresh; refresh tokens are not single-use (PROTOCOL.md §5.2), so they are reused.
    const identities = [];
    for (let k = 0; k < 64; k++) identities.push((await oursGenerate()).identity);
    let j = 0;
    const oursRefresh = async () => {
      const result = await client.refreshToken(identities[j++ & 63]);
      if (result.status !== 'success') throw new Error(`refresh: ${result.status}`);
    };
    const minimalGenerate = minimalClient(op.url, credentials);
    const minimalRefresh = minimalRefreshClient(op.url, identities, credentials);
    closers.push(minimalGenerate.close, minimalRefresh.close);
    const drivers = {
      'generate, minimal driver': minimalGenerate.call,
      'refresh, minimal driver': minimalRefresh.call,
      'generate, PublisherClient': oursGenerate,
      'refresh, PublisherClient': oursRefresh,
    };
    const names = Object.keys(drivers);
    const cells = Object.fromEntries(names.map((n) => [n, []]));
    for (const name of names) must(await runLoad(drivers[name], concurrency, warmupMs), `${name} warm-up`);
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + rep) % names.length];
        cells[name].push(must(await runCell(op, drivers[name], concurrency, durationMs), name));
      }
    }
    const rows = names.map((name) => ({
      name,
      rps: spread(cells[name].map((c) => c.rps)),
      p50Ms: spread(cells[name].map((c) => c.p50Ms)),
      p99Ms: spread(cells[name].map((c) => c.p99Ms)),
      operatorCpu: spread(cells[name].map((c) => c.serverCpu)),
    }));
    return { concurrency, reps, durationMs, rows };
  } finally {
    await Promise.all(closers.map((close) => close()));
    await op.stop();
  }
}
