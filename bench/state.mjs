/**
 * State layer costs (issue 10): an opt-out lookup in each store, sealing and opening an identity, and
 * generateToken against the local operator with each store in front of it against none.
 *
 * Usage (after `npm run build`; imports dist/):
 *   node bench/state.mjs            about 2 minutes on 2 cores
 *   node bench/state.mjs --quick    seconds; checks that everything runs
 *
 * Starts its own redis-server on a free 127.0.0.1 port (skips the Redis rows, loudly, when the binary
 * is missing) and the local operator in its own process. Prints markdown tables; asserts no speed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import {
  MemoryOptOutStore,
  openIdentity,
  optOutSubjectOf,
  PublisherClient,
  sealIdentity,
} from '../dist/index.js';
import { RedisOptOutStore } from '../dist/state/redis.js';
import { SqliteOptOutStore } from '../dist/state/sqlite.js';
import { startProcess } from './clients.mjs';
import { identityBody } from './fixtures.mjs';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 100 : 500;
const WARMUP_MS = quick ? 20 : 200;
const REPS = quick ? 1 : 5;
const KEY = Buffer.alloc(32, 0x33).toString('base64');
const ENTRIES = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'uid2-bench-state-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    console.error('!!! bench/state: redis-server is not installed; the Redis rows are skipped');
    return undefined;
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const store = new RedisOptOutStore({ url, key: KEY, timeoutMs: 2_000 });
  for (let i = 0; i < 100; i++) {
    try {
      await store.has(optOutSubjectOf({ email: 'probe@example.com' }));
      return { url, store, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('redis-server did not start');
}

/** Sorted copy's q-quantile (nearest rank below), in µs from ms samples. */
function quantileUs(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1e3;
}

/**
 * Runs the tasks REPS times, each repetition a fresh Bench with the tasks in a rotated order (so the
 * drift of a shared, noisy machine spreads over all of them); prints the quartiles of all samples
 * pooled and the range of the per-repetition medians.
 */
async function measure(title, tasks) {
  const pooled = new Map(tasks.map(([name]) => [name, { samples: [], medians: [] }]));
  for (let rep = 0; rep < REPS; rep++) {
    const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS, throws: true, retainSamples: true });
    for (let k = 0; k < tasks.length; k++) {
      const [name, fn] = tasks[(k + rep) % tasks.length];
      bench.add(name, fn);
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed')
        throw new Error(`${task.name}: ${result.state} ${result.error ?? ''}`);
      const sorted = Float64Array.from(result.latency.samples ?? []).sort();
      const entry = pooled.get(task.name);
      entry.samples.push(...sorted);
      entry.medians.push(quantileUs(sorted, 0.5));
    }
  }
  console.log(`\n### ${title}\n`);
  console.log('| operation | p25 µs | median µs | p75 µs | medians of the runs µs | samples |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const rows = new Map();
  for (const [name, { samples, medians }] of pooled) {
    const sorted = Float64Array.from(samples).sort();
    const [p25, p50, p75] = [0.25, 0.5, 0.75].map((q) => quantileUs(sorted, q));
    const range = `${Math.min(...medians).toFixed(1)}–${Math.max(...medians).toFixed(1)}`;
    console.log(
      `| ${name} | ${p25.toFixed(2)} | ${p50.toFixed(2)} | ${p75.toFixed(2)} | ${range} | ${sorted.length} |`,
    );
    rows.set(name, { p50, medians });
  }
  return rows;
}

const subjects = Array.from({ length: ENTRIES }, (_, i) =>
  optOutSubjectOf({ email: `user${i}@example.com` }),
);
const misses = Array.from({ length: 256 }, (_, i) => optOutSubjectOf({ email: `fresh${i}@example.com` }));
const memory = new MemoryOptOutStore({ key: KEY });
const sqlite = new SqliteOptOutStore({ path: join(dir, 'optouts.db'), key: KEY });
const redis = await startRedis();
for (const subject of subjects) {
  memory.add(subject);
  sqlite.add(subject);
  await redis?.store.add(subject);
}

let i = 0;
const hit = () => subjects[i++ % ENTRIES];
const miss = () => misses[i++ & 255];
const lookups = [
  ['memory has() hit', () => memory.has(hit())],
  ['memory has() miss', () => memory.has(miss())],
  ['sqlite has() hit', () => sqlite.has(hit())],
  ['sqlite has() miss', () => sqlite.has(miss())],
  [
    'optOutSubjectOf({ email }) (normalise + SHA-256, every store pays it)',
    () => optOutSubjectOf({ email: 'Jane.Doe@gmail.com' }),
  ],
];
if (redis) {
  lookups.push(['redis has() hit (loopback)', () => redis.store.has(hit())]);
  lookups.push(['redis has() miss (loopback)', () => redis.store.has(miss())]);
}
await measure(`Opt-out lookup, ${ENTRIES} entries in each store (one call at a time)`, lookups);

const identity = identityBody(Date.now());
const sealOptions = { keys: [KEY], context: 'user-42' };
const sealed = sealIdentity(identity, sealOptions);
const huge = 'A'.repeat(100 * 1024 * 1024);
await measure(`Sealing a production-shaped identity (${sealed.length} chars sealed)`, [
  ['sealIdentity', () => sealIdentity(identity, sealOptions)],
  ['openIdentity', () => openIdentity(sealed, sealOptions)],
  [
    'openIdentity of a 100 MB string (refused)',
    () => {
      try {
        openIdentity(huge, sealOptions);
      } catch {
        return;
      }
      throw new Error('accepted');
    },
  ],
]);

// generateToken against the local operator (own process), one call at a time, each with a fresh email
// (a store miss, then the request), and with a remembered DII (a store hit, no request).
const operator = await startProcess('./operator-server.mjs');
if (operator.missing) throw new Error(`local operator: ${operator.missing}`);
const stores = [
  ['none', undefined],
  ['memory', memory],
  ['sqlite', sqlite],
];
if (redis) stores.push(['redis', redis.store]);
const clients = stores.map(([name, optOuts]) => {
  const options = { baseUrl: operator.url, apiKey: operator.apiKey, secretKey: operator.secretKey };
  return [name, new PublisherClient(optOuts ? { ...options, optOuts } : options)];
});
let n = 0;
const generates = clients.map(([name, client]) => [
  `generateToken, store: ${name}`,
  async () => {
    const result = await client.generateToken({ email: `bench${n++}@example.com` });
    if (result.status !== 'success') throw new Error(`generate: ${result.status}`);
  },
]);
const remembered = clients
  .filter(([name]) => name !== 'none')
  .map(([name, client]) => [
    `generateToken of a remembered opt-out, store: ${name} (no request)`,
    async () => {
      const result = await client.generateToken({ email: 'user7@example.com' });
      if (result.status !== 'optout' || result.remembered !== true) throw new Error('not remembered');
    },
  ]);
await measure('generateToken against the local operator over loopback (own process), one call at a time', [
  ...generates,
  ...remembered,
]);

// What a store adds to a generate that goes to the operator. Whole-call latencies on a shared machine
// drift by milliseconds, far more than a lookup costs, so the calls are paired: each round makes one
// call per client back to back (order rotated), and the median of the per-round differences to the
// store-less client is reported, with the quartiles of those differences.
const ROUNDS = quick ? 20 : 1_000;
const differences = new Map(clients.slice(1).map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const took = new Map();
  for (let k = 0; k < clients.length; k++) {
    const [name, client] = clients[(k + round) % clients.length];
    const started = performance.now();
    const result = await client.generateToken({ email: `paired${n++}@example.com` });
    took.set(name, (performance.now() - started) * 1e3);
    if (result.status !== 'success') throw new Error(`generate: ${result.status}`);
  }
  for (const [name, list] of differences) list.push(took.get(name) - took.get('none'));
}
console.log(`\n### What a store adds to a generate that reaches the operator (${ROUNDS} paired rounds)\n`);
console.log('| store | p25 µs | median µs | p75 µs |\n|---|---:|---:|---:|');
for (const [name, list] of differences) {
  const sorted = Float64Array.from(list)
    .sort()
    .map((us) => us / 1e3);
  const [p25, p50, p75] = [0.25, 0.5, 0.75].map((q) => quantileUs(sorted, q).toFixed(1));
  console.log(`| ${name} | ${p25} | ${p50} | ${p75} |`);
}

for (const [, client] of clients) await client.close();
await operator.stop();
sqlite.close();
await redis?.store.close();
redis?.stop();
rmSync(dir, { recursive: true, force: true });
console.log(
  `\nnode ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model}), ${REPS} runs of ${TIME_MS} ms per task`,
);
