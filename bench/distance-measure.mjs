/**
 * What bench/distance.mjs measures for one client at one distance, each a function of a `make()` that
 * returns a fresh client (`{ call(), close(), client? }`, see bench/clients.mjs):
 * - cold: a new client's first call (new TCP + TLS connection, then the request);
 * - warm: sequential calls on one client after its first;
 * - throughput: a closed loop of `concurrency` callers, after one round of calls that opens the
 *   connections, bounded both by a call count and by a time;
 * - burst: `concurrency` first calls at once on a new client (what a back end sees when traffic meets a
 *   freshly started instance);
 * - warmed: a new client after `warmUp()`, then its first call;
 * - idle: a call after the client sat idle for a given time.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Failed calls so far, by error code. A hand-written client has no retry, so a connection lost on the
 * shared machine (seen once in a few thousand new connections under heavy load) would end the run;
 * it is counted instead, left out of the timings and shown next to them.
 */
export const failures = { count: 0, codes: new Map() };

/** ms of one call, or undefined when it failed (counted in `failures`). */
async function timed(fn) {
  const start = performance.now();
  try {
    await fn();
  } catch (error) {
    failures.count++;
    const code = error?.code ?? error?.message ?? 'unknown';
    failures.codes.set(code, (failures.codes.get(code) ?? 0) + 1);
    return undefined;
  }
  return performance.now() - start;
}

/** Pushes a timing unless the call failed. */
function keep(times, ms) {
  if (ms !== undefined) times.push(ms);
}

/** The first call of `count` fresh clients, one after another; ms each. */
export async function cold(make, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const c = make();
    try {
      keep(times, await timed(() => c.call()));
    } finally {
      await c.close();
    }
  }
  return times;
}

/**
 * One macrotask: undici gives a connection back to its pool one macrotask after the answer's body
 * ended, so a request sent in the same macrotask as the previous answer opens a new connection (and
 * pays its handshakes). Calls of a back end come from separate incoming requests, so the warm loop
 * lets that turn pass between calls.
 */
export const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/** `count` sequential calls on one client after its first, one macrotask apart; ms each. */
export async function warm(make, count) {
  const c = make();
  try {
    await timed(() => c.call());
    const times = [];
    for (let i = 0; i < count; i++) {
      await nextMacrotask();
      keep(times, await timed(() => c.call()));
    }
    return times;
  } finally {
    await c.close();
  }
}

/**
 * Closed loop of `concurrency` callers on one client until `maxCalls` calls or `maxMs` passed;
 * returns calls per second and the per-call latencies.
 */
export async function throughput(make, { concurrency, maxCalls, maxMs }) {
  const c = make();
  try {
    // Opens (up to) `concurrency` connections, so the loop measures warm connections.
    await Promise.all(Array.from({ length: concurrency }, () => timed(() => c.call())));
    let started = 0;
    let done = 0;
    const latencies = [];
    const t0 = performance.now();
    const deadline = t0 + maxMs;
    const worker = async () => {
      while (started < maxCalls && performance.now() < deadline) {
        started++;
        const ms = await timed(() => c.call());
        if (ms === undefined) continue;
        latencies.push(ms);
        done++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    return { rps: done / seconds, calls: done, latencies };
  } finally {
    await c.close();
  }
}

/** `concurrency` first calls at once on a new client: ms until the last one finished, and the median. */
export async function burst(make, concurrency) {
  const c = make();
  try {
    const t0 = performance.now();
    const each = await Promise.all(
      Array.from({ length: concurrency }, async () => {
        await timed(() => c.call());
        return performance.now() - t0;
      }),
    );
    each.sort((a, b) => a - b);
    return { allMs: each[each.length - 1], p50Ms: each[Math.floor(each.length / 2)] };
  } finally {
    await c.close();
  }
}

/**
 * A new client, `warmUp()` (when the client has it), then its first call: ms of the warm-up and of the
 * call, for `count` fresh clients. Returns undefined when the client has no warmUp.
 */
export async function warmed(make, count) {
  const out = { warmUpMs: [], firstCallMs: [], firstCallAfterTurnMs: [] };
  for (let i = 0; i < count; i++) {
    // Twice: the first call right after warmUp() resolves, and one macrotask later (see nextMacrotask).
    for (const gap of [false, true]) {
      const c = make();
      try {
        if (typeof c.client?.warmUp !== 'function') return undefined;
        keep(out.warmUpMs, await timed(() => c.client.warmUp()));
        if (gap) await nextMacrotask();
        keep(gap ? out.firstCallAfterTurnMs : out.firstCallMs, await timed(() => c.call()));
      } finally {
        await c.close();
      }
    }
  }
  return out;
}

/** One call, `idleMs` of nothing, one call: ms of the second call (of each of the given clients). */
export async function afterIdle(makes, idleMs) {
  const clients = makes.map((make) => make());
  try {
    await Promise.all(clients.map((c) => timed(() => c.call())));
    await sleep(idleMs);
    // One after the other, so that they do not queue behind each other at the operator.
    const times = [];
    for (const c of clients) times.push(await timed(() => c.call()));
    return times;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
