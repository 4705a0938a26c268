/**
 * Memory of one PublisherClient: heap and RSS after warm-up and after N generate calls against the
 * bench server (its own process). Run in a fresh process with --expose-gc; prints one JSON line.
 *
 * Usage: node --expose-gc bench/memory.mjs [calls=100000] [warmup=5000] [concurrency=16]
 */
import { setImmediate as tick } from 'node:timers/promises';
import { oursClient, startServer } from './clients.mjs';

const [calls = 100_000, warmup = 5_000, concurrency = 16] = process.argv.slice(2).map(Number);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

/** Full collections until the heap stops shrinking, then one reading. */
async function settledMemory() {
  let last = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 10; k++) {
    globalThis.gc();
    await tick();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) break;
    last = used;
  }
  const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, heapTotal, rss, external, arrayBuffers };
}

/** Exactly `total` calls shared by `concurrency` loops. */
async function callTimes(call, total) {
  let started = 0;
  const loop = async () => {
    while (started < total) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

const server = await startServer();
const client = oursClient(server.baseUrl);
try {
  await callTimes(client.call, warmup);
  const afterWarmup = await settledMemory();
  const t0 = performance.now();
  await callTimes(client.call, calls);
  const seconds = (performance.now() - t0) / 1000;
  const afterCalls = await settledMemory();
  console.log(JSON.stringify({ calls, warmup, concurrency, seconds, afterWarmup, afterCalls }));
} finally {
  await client.close();
  await server.stop();
}
