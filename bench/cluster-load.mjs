/**
 * The load generator of bench/cluster.mjs, in its own process: on `{ url, calls, concurrency, tag }`
 * it posts `/login` with a distinct email per call from a closed loop of `concurrency` callers on a
 * keep-alive undici Pool (after a warm-up of 4 calls per caller), and answers
 * `{ rps, seconds, p50, p99, failed, firstError, cpuMicros, loadAverage }`.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { quantile } from './fixtures.mjs';

process.on('message', async ({ url, calls, concurrency, tag }) => {
  const pool = new Pool(url, { connections: concurrency, keepAliveTimeout: 10_000 });
  let n = 0;
  let failed = 0;
  let firstError;
  const signIn = async () => {
    const body = JSON.stringify({ email: `user.${tag}.${n++}@example.com` });
    const res = await pool.request({
      path: '/login',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('advertising_token')) {
      failed++;
      firstError ??= `HTTP ${res.statusCode} ${text.slice(0, 80)}`;
    }
  };
  const loop = async (count, latencies) => {
    let started = 0;
    const worker = async () => {
      while (started < count) {
        started++;
        const t0 = performance.now();
        try {
          await signIn();
        } catch (error) {
          failed++;
          firstError ??= String(error?.code ?? error?.message);
        }
        latencies?.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  await loop(concurrency * 4);
  failed = 0;
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await loop(calls, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  process.send({
    rps: calls / seconds,
    seconds,
    cpuMicros: cpu.user + cpu.system,
    loadAverage: os.loadavg()[0],
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failed,
    firstError,
  });
});
process.send({ ready: true });
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
