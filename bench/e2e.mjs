/**
 * End to end over loopback: a closed loop of `concurrency` callers, each awaiting one generate after
 * another for a fixed duration, against the bench server in its own process. Per cell: requests/s,
 * p50 and p99 latency. Each concurrency gets a warm-up per client, then `reps` repetitions in which the
 * clients take turns in a rotated order; ratios are paired within a repetition.
 */
import { bareClient, minimalClient, oursClient } from './clients.mjs';
import { quantile, spread } from './fixtures.mjs';

/**
 * Runs `call` from `concurrency` loops for `durationMs`.
 *
 * @returns {Promise<{ requests: number, errors: number, rps: number, p50Ms: number, p99Ms: number, firstError?: unknown }>}
 */
export async function runLoad(call, concurrency, durationMs) {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let errors = 0;
  let firstError;
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
      } catch (err) {
        errors++;
        firstError ??= err;
        continue;
      }
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - start;
  const done = latencies.subarray(0, count);
  return {
    requests: count,
    errors,
    rps: (count / elapsed) * 1000,
    p50Ms: quantile(done, 0.5),
    p99Ms: quantile(done, 0.99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Fails loudly: a benchmark that errors measures nothing. */
function checked(name, concurrency, cell) {
  if (cell.errors > 0 || cell.requests === 0) {
    const cause = cell.firstError instanceof Error ? cell.firstError : undefined;
    throw new Error(
      `${name} at concurrency ${concurrency}: ${cell.errors} errors, ${cell.requests} requests` +
        (cause ? ` (first: ${cause.message})` : ''),
      { cause },
    );
  }
  return cell;
}

/**
 * One cell, with the server's CPU use over it (share of one core): near 1 means the server, not the
 * client, set the pace.
 */
export async function runCell(server, call, concurrency, durationMs) {
  const cpu0 = await server.cpuMicros();
  const t0 = performance.now();
  const cell = await runLoad(call, concurrency, durationMs);
  const cpu1 = await server.cpuMicros();
  return { ...cell, serverCpu: (cpu1 - cpu0) / ((performance.now() - t0) * 1000) };
}

/**
 * @param {{ server: { baseUrl: string, cpuMicros: () => Promise<number> }, concurrencies: number[], reps: number, durationMs: number, warmupMs: number }} options
 */
export async function runE2E({ server, concurrencies, reps, durationMs, warmupMs }) {
  const { baseUrl } = server;
  const clients = [oursClient(baseUrl), minimalClient(baseUrl), bareClient(baseUrl)];
  const rows = [];
  try {
    for (const concurrency of concurrencies) {
      const cells = Object.fromEntries(clients.map((c) => [c.name, []]));
      for (const client of clients)
        checked(client.name, concurrency, await runLoad(client.call, concurrency, warmupMs));
      for (let rep = 0; rep < reps; rep++) {
        for (let k = 0; k < clients.length; k++) {
          const client = clients[(k + rep) % clients.length];
          const cell = await runCell(server, client.call, concurrency, durationMs);
          cells[client.name].push(checked(client.name, concurrency, cell));
        }
      }
      const summary = (name) => ({
        rps: spread(cells[name].map((c) => c.rps)),
        p50Ms: spread(cells[name].map((c) => c.p50Ms)),
        p99Ms: spread(cells[name].map((c) => c.p99Ms)),
        serverCpu: spread(cells[name].map((c) => c.serverCpu)),
        requests: cells[name].reduce((sum, c) => sum + c.requests, 0),
      });
      const pairedRatio = (a, b) => spread(cells[a].map((c, r) => c.rps / cells[b][r].rps));
      rows.push({
        concurrency,
        ours: summary('ours'),
        minimal: summary('minimal'),
        bare: summary('bare'),
        oursOverMinimal: pairedRatio('ours', 'minimal'),
        minimalOverBare: pairedRatio('minimal', 'bare'),
      });
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return { reps, durationMs, warmupMs, rows };
}
