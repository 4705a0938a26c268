/**
 * Plumbing of bench/distance.mjs: the launcher (a far-side process, bench/distance-server.mjs, and the
 * measuring process started with NODE_EXTRA_CA_CERTS so that every client, this library's own Agent
 * included, trusts the bench certificate with no option of its own), the IPC relay between the two, and
 * small statistics.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from './fixtures.mjs';

const ROLE = 'UID2_BENCH_DISTANCE_ROLE';

/** True in the measuring process. */
export const isMeasuringProcess = () => process.env[ROLE] === 'measure';

/**
 * Launcher: forks the far side, writes its CA to a temp file, re-runs `script` as the measuring process
 * with NODE_EXTRA_CA_CERTS, relays IPC between them, and exits with the measuring process's code.
 */
export async function launch(script) {
  const server = fork(fileURLToPath(new URL('./distance-server.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`distance-server exited early (${code})`)));
    server.once('message', resolve);
  });
  server.removeAllListeners('exit');
  const dir = mkdtempSync(join(os.tmpdir(), 'uid2-bench-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ready.ca);
  const measure = fork(script, process.argv.slice(2), {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, [ROLE]: 'measure' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The measuring process says hello once it listens; until then a message could be lost.
  measure.on('message', (m) => (m.hello ? measure.send({ ready }) : server.send(m)));
  server.on('message', (m) => measure.connected && measure.send(m));
  const code = await new Promise((resolve) => measure.once('exit', (c) => resolve(c ?? 1)));
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

/** In the measuring process: what the far side reported, and `ask(cmd, fields)` to it. */
export async function farSide() {
  const pending = new Map();
  let next = 0;
  const ready = await new Promise((resolve) => {
    process.on('message', (m) => {
      if (m.ready) return resolve(m.ready);
      const waiter = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) waiter?.reject(new Error(m.error));
      else waiter?.resolve(m);
    });
    process.send({ hello: true });
  });
  const ask = (cmd, fields = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send({ id, cmd, ...fields });
    });
  /** A delaying proxy at `rttMs` in front of `front` ('h1', 'h2', 'h1-tls12', ...): its https base URL. */
  const proxyUrl = async (front, rttMs) => `https://127.0.0.1:${(await ask('proxy', { front, rttMs })).port}`;
  return { ...ready, ask, proxyUrl };
}

/** Whether the official Python SDK can be imported here. */
export function pythonSdkAvailable() {
  const probe = spawnSync('python3', ['-c', 'import uid2_client'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Quartiles of a sample. */
export function quartiles(values) {
  return { q1: quantile(values, 0.25), median: quantile(values, 0.5), q3: quantile(values, 0.75) };
}

/** "median [q1–q3]" with `digits` decimals. */
export const iqr = (values, digits = 1) => {
  if (values.length === 0) return '–';
  const q = quartiles(values);
  return `${q.median.toFixed(digits)} [${q.q1.toFixed(digits)}–${q.q3.toFixed(digits)}]`;
};

/** "median [min–max]" with `digits` decimals. */
export const range = (values, digits = 0) => {
  if (values.length === 0) return '–';
  const show = (n) =>
    n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${show(quantile(values, 0.5))} [${show(Math.min(...values))}–${show(Math.max(...values))}]`;
};

/** The p-quantile of a sample, `digits` decimals. */
export const pct = (values, p, digits = 1) =>
  values.length === 0 ? '–' : quantile(values, p).toFixed(digits);
