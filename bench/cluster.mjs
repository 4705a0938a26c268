/**
 * Scale past one core (issue 12, item 5): the example mobile back end (examples/mobile-backend) under
 * node:cluster, one PublisherClient per worker, a shared Redis opt-out store (RedisOptOutStore, a real
 * redis-server on a free 127.0.0.1 port) when this build has one, the local operator in its own process,
 * and a load generator in its own process posting /login. Sign-ins per second, 1 worker against 2.
 *
 * Usage (after `npm run build`; `npm run bench:cluster` does both):
 *   node bench/cluster.mjs [--calls=4000] [--concurrency=32] [--reps=3] [--quick] [--json=FILE]
 *
 * The machine has 2 cores and everything here shares them: operator, Redis, load generator, primary
 * and workers. Two workers can therefore not double the figure; see bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { startProcess } from './clients.mjs';
import { quantile } from './fixtures.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const quick = args.includes('--quick');

if (cluster.isWorker) {
  await runWorker();
} else {
  await runPrimary();
}

/** A worker: one client, optionally the shared Redis store, the example back end on the shared port. */
async function runWorker() {
  const { PublisherClient } = await import('../dist/index.js');
  const { startMobileBackend } = await import('../examples/mobile-backend/server.mjs');
  const env = JSON.parse(process.env.UID2_BENCH_CLUSTER);
  let optOuts;
  if (env.redisUrl) {
    const { RedisOptOutStore } = await import('../dist/state/redis.js');
    optOuts = new RedisOptOutStore({ url: env.redisUrl, key: env.storeKey });
  }
  const client = new PublisherClient({
    baseUrl: env.operatorUrl,
    apiKey: env.apiKey,
    secretKey: env.secretKey,
    ...(optOuts ? { optOuts } : {}),
  });
  await startMobileBackend({ client, port: env.port });
  process.on('message', (m) => m === 'cpu' && process.send({ cpu: process.cpuUsage() }));
  process.send({ ready: true });
}

/** CPU µs of a worker so far. */
function workerCpu(worker) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.cpu === undefined) return;
      worker.off('message', onMessage);
      resolve(m.cpu.user + m.cpu.system);
    };
    worker.on('message', onMessage);
    worker.send('cpu');
  });
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** redis-server on a free port, no persistence; resolves once it answers, or undefined if absent. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = await new Promise((resolve) => {
    child.once('error', () => resolve(true));
    const probe = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => setTimeout(probe, 50));
    };
    probe();
  });
  if (failed) return undefined;
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function redisStoreAvailable() {
  try {
    const { RedisOptOutStore } = await import('../dist/state/redis.js');
    return typeof RedisOptOutStore === 'function';
  } catch {
    return false;
  }
}

/** Forks `count` workers with `env`; resolves when all listen. */
async function startWorkers(count, env) {
  cluster.setupPrimary({ exec: new URL(import.meta.url).pathname, args: [], silent: false });
  const workers = [];
  for (let i = 0; i < count; i++) {
    const worker = cluster.fork({ UID2_BENCH_CLUSTER: JSON.stringify(env) });
    workers.push(worker);
  }
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', (m) => (m.ready ? resolve() : reject(new Error('worker failed'))));
          w.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
        }),
    ),
  );
  const stop = async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            w.removeAllListeners('exit');
            w.once('exit', resolve);
            w.kill('SIGTERM');
          }),
      ),
    );
  };
  const cpuMicros = async () => (await Promise.all(workers.map(workerCpu))).reduce((a, b) => a + b, 0);
  return { stop, cpuMicros };
}

async function runPrimary() {
  const calls = Number(value('calls', quick ? 200 : 4_000));
  const concurrency = Number(value('concurrency', quick ? 8 : 32));
  const reps = Number(value('reps', quick ? 1 : 3));
  const operator = await startProcess('./operator-server.mjs');
  if (operator.missing) throw new Error(operator.missing);
  const withRedis = await redisStoreAvailable();
  const redis = withRedis ? await startRedis() : undefined;
  const port = await freePort();
  const env = {
    operatorUrl: operator.url,
    apiKey: operator.apiKey,
    secretKey: operator.secretKey,
    port,
    redisUrl: redis?.url,
    storeKey: Buffer.alloc(32, 0x42).toString('base64'),
  };
  const results = { 1: [], 2: [] };
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const workers of rep % 2 === 0 ? [1, 2] : [2, 1]) {
        const pool = await startWorkers(workers, env);
        try {
          const load = await startProcess('./cluster-load.mjs');
          const before = { operator: await operator.cpuMicros(), workers: await pool.cpuMicros() };
          const result = await new Promise((resolve) => {
            load.child.once('message', resolve);
            load.child.send({
              url: `http://127.0.0.1:${port}`,
              calls,
              concurrency,
              tag: `${rep}-${workers}`,
            });
          });
          const micros = result.seconds * 1e6;
          const share = {
            operator: ((await operator.cpuMicros()) - before.operator) / micros,
            workers: ((await pool.cpuMicros()) - before.workers) / micros,
            load: result.cpuMicros / micros,
          };
          await load.stop();
          if (result.failed > 0) throw new Error(`${result.failed} sign-ins failed (${result.firstError})`);
          results[workers].push({ ...result, share });
        } finally {
          await pool.stop();
        }
      }
    }
  } finally {
    redis?.stop();
    await operator.stop();
  }
  const median = (xs) => quantile(xs, 0.5);
  const show = (xs, digits = 0) =>
    `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
  const rps = (w) => results[w].map((r) => r.rps);
  const ratio = results[2].map((r, i) => r.rps / results[1][i].rps);
  console.log(
    `## Two cores: the example back end under node:cluster; ${calls} sign-ins (POST /login) at concurrency ` +
      `${concurrency}, ${reps} repetitions (1 and 2 workers alternating)`,
  );
  console.log();
  console.log(
    `Machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model}, Node ${process.version}. Opt-out store: ` +
      `${redis ? 'RedisOptOutStore on a local redis-server, shared by the workers' : withRedis ? 'none (redis-server did not start)' : 'none (no RedisOptOutStore in this build)'}.`,
  );
  console.log();
  console.log(
    '| workers | sign-ins/s | p50 ms | p99 ms | CPU: workers | operator | load generator | load average |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  const pct = (xs) => `${Math.round(median(xs) * 100)}%`;
  for (const w of [1, 2]) {
    const rs = results[w];
    const col = (pick, digits) => show(rs.map(pick), digits);
    console.log(
      `| ${w} | ${show(rps(w))} | ${col((r) => r.p50, 1)} | ${col((r) => r.p99, 1)} | ` +
        `${pct(rs.map((r) => r.share.workers))} | ${pct(rs.map((r) => r.share.operator))} | ` +
        `${pct(rs.map((r) => r.share.load))} | ${col((r) => r.loadAverage, 1)} |`,
    );
  }
  console.log();
  console.log(
    'CPU: share of one core during the measured loop (200% = both cores), median of the repetitions.',
  );
  console.log();
  console.log(`2 workers / 1 worker (paired by repetition): ${show(ratio, 2)}.`);
  const jsonFile = value('json');
  if (jsonFile)
    writeFileSync(
      jsonFile,
      `${JSON.stringify({ calls, concurrency, reps, results, redis: !!redis }, null, 2)}\n`,
    );
  process.exit(0);
}
