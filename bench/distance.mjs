/**
 * Latency at real network distance (issue 12): the local operator over TLS behind a delaying TCP proxy
 * (bench/delay-proxy.mjs, whose header documents the round-trip model), at several RTTs, for this
 * library's PublisherClient and a minimal hand-written client, and the official Python SDK when it is
 * installed. Prints markdown tables (bench/RESULTS.md).
 *
 * Usage (after `npm run build`; `npm run bench:distance` does both):
 *   node bench/distance.mjs                      the full run, ~6 minutes
 *   node bench/distance.mjs --quick              seconds: checks that it works (bench/ci.sh)
 *   node bench/distance.mjs --only=distance,warmup,idle,h2   (comma-separated parts)
 *   node bench/distance.mjs --only=idle --idle=600           one idle measurement of 10 minutes
 *   --rtts=10,50,100 --reps=3 --cold=5 --warm=40 --json=FILE
 *
 * Exits non-zero when a call fails. Asserts no speed.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { keepAliveAgent, minimalClient, oursClient } from './clients.mjs';
import {
  farSide,
  iqr,
  isMeasuringProcess,
  launch,
  pct,
  pythonSdkAvailable,
  range,
} from './distance-context.mjs';
import { runTransportOptions } from './distance-h2.mjs';
import { afterIdle, burst, cold, failures, throughput, warm, warmed } from './distance-measure.mjs';

if (!isMeasuringProcess()) await launch(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const value = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const list = (name, fallback) => (value(name) ?? fallback).split(',').filter(Boolean);
const num = (name, fallback) => Number(value(name) ?? fallback);
const settings = quick
  ? { rtts: [20], reps: 1, cold: 2, warm: 5, concurrencies: [1, 16], tputMs: 300, tputCalls: 100 }
  : {
      rtts: list('rtts', '10,50,100').map(Number),
      reps: num('reps', 3),
      cold: num('cold', 5),
      warm: num('warm', 40),
      concurrencies: [1, 16, 64],
      tputMs: num('tput-ms', 2_000),
      tputCalls: num('tput-calls', 3_000),
    };
settings.idleSeconds = list('idle', quick ? '' : '60').map(Number);
settings.warmupRtt = quick ? 20 : 50;
const only = new Set(list('only', quick ? 'distance,warmup,h2' : 'distance,warmup,idle,h2'));

const far = await farSide();
const credentials = { apiKey: far.apiKey, secretKey: far.secretKey };
const print = (line = '') => console.log(line);
const raw = { settings, machine: machine(), nativeTls: far.nativeTls };

function machine() {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  };
}

/** Runs one measurement; a failure names it (which client, distance and phase). */
async function step(what, fn) {
  try {
    return await fn();
  } catch (error) {
    throw new Error(`${what}: ${error?.code ?? ''} ${error?.message ?? error}`, { cause: error });
  }
}

/** The clients compared, by name: each `make(url)` returns a factory of fresh clients. */
const CLIENTS = {
  ours: (url) => () => oursClient(url, credentials),
  minimal: (url) => () => minimalClient(url, credentials),
  // No connection reuse and no TLS resumption: the transport pattern of a client built on urllib
  // (what the official Python SDK does); a stand-in, not the SDK.
  'new connection per call': (url) => () =>
    minimalClient(url, {
      ...credentials,
      name: 'no-reuse',
      reset: true,
      agent: keepAliveAgent({ connect: { maxCachedSessions: 0 } }),
    }),
};

print(`# Distance benchmark${quick ? ' (quick: checks that it runs, figures meaningless)' : ''}`);
print();
print(
  `Machine: ${raw.machine.cores} cores, ${raw.machine.cpu}, Node ${raw.machine.node}, load average at ` +
    `start ${raw.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}. TLS: ` +
    `${far.nativeTls ? "the local operator's own" : 'the bench TLS terminator in front of the local operator'} (TLS 1.3).`,
);

if (only.has('distance')) {
  raw.distance = [];
  for (const rttMs of settings.rtts) {
    const ping = await far.ask('ping', { rttMs });
    const row = { rttMs, ping, clients: {} };
    const names = Object.keys(CLIENTS);
    for (const name of names) {
      const rps = Object.fromEntries(settings.concurrencies.map((c) => [c, []]));
      row.clients[name] = { cold: [], warm: [], rps, burst: [] };
    }
    for (let rep = 0; rep < settings.reps; rep++) {
      // Rotate the order, so drift of the shared machine spreads over every client.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + rep) % names.length];
        const make = CLIENTS[name](await far.proxyUrl('h1', rttMs));
        const r = row.clients[name];
        const at = (phase) => `${name} at ${rttMs} ms, ${phase}`;
        r.cold.push(...(await step(at('cold'), () => cold(make, settings.cold))));
        r.warm.push(...(await step(at('warm'), () => warm(make, settings.warm))));
        for (const concurrency of settings.concurrencies) {
          const t = await step(at(`c=${concurrency}`), () =>
            throughput(make, { concurrency, maxCalls: settings.tputCalls, maxMs: settings.tputMs }),
          );
          r.rps[concurrency].push(t.rps);
        }
        r.burst.push((await step(at('burst'), () => burst(make, 16))).allMs);
        await far.ask('closeProxies');
      }
    }
    raw.distance.push(row);
  }
  print();
  print(
    `## At distance, over TLS: ${settings.reps} repetitions; per repetition ${settings.cold} new clients, ` +
      `${settings.warm} warm calls, throughput for ${settings.tputMs} ms or ${settings.tputCalls} calls per concurrency`,
  );
  print();
  const cs = settings.concurrencies;
  print(
    `| RTT (proxy ping p50) | client | cold first call ms | warm p50 ms | warm p99 ms | ${cs
      .map((c) => `calls/s c=${c}`)
      .join(' | ')} | 16 first calls at once, ms |`,
  );
  print(`|---|---|---:|---:|---:|${cs.map(() => '---:|').join('')}---:|`);
  for (const row of raw.distance) {
    for (const [name, r] of Object.entries(row.clients)) {
      print(
        `| ${row.rttMs} ms (${row.ping.p50.toFixed(1)}) | ${name} | ${iqr(r.cold)} | ${pct(r.warm, 0.5)} | ` +
          `${pct(r.warm, 0.99)} | ${cs.map((c) => range(r.rps[c], 0)).join(' | ')} | ${iqr(r.burst, 0)} |`,
      );
    }
    print(
      `| ${row.rttMs} ms | official Python SDK | ${pythonSdkAvailable() ? 'not wired in yet' : 'skipped: official Python SDK source not available locally'} | | | ${cs.map(() => '').join(' | ')} | |`,
    );
  }
  print();
  print(
    'Cold: median [quartiles] over all new clients. Warm p50/p99: over all warm calls pooled. calls/s: ' +
      'median [min–max] over repetitions. "new connection per call": the minimal client with ' +
      '`Connection: close` and no TLS session cache (the transport pattern of the Python SDK).',
  );
  if (!pythonSdkAvailable()) console.error('skipped: official Python SDK source not available locally');
}

if (only.has('warmup')) {
  const rttMs = settings.warmupRtt;
  const url = await far.proxyUrl('h1', rttMs);
  const result = await warmed(CLIENTS.ours(url), quick ? 1 : 5);
  const coldTimes = await cold(CLIENTS.ours(url), quick ? 1 : 5);
  const minimalCold = await cold(CLIENTS.minimal(url), quick ? 1 : 5);
  raw.warmup = { rttMs, result, coldTimes, minimalCold };
  print();
  print(
    `## First call of a warmed client at ${rttMs} ms RTT (target ≤ 1.2 x RTT + 5 ms = ${1.2 * rttMs + 5} ms)`,
  );
  print();
  print(
    '| client | warmUp() ms | first call right after it, ms | first call one macrotask later, ms | first call without warmUp, ms |',
  );
  print('|---|---:|---:|---:|---:|');
  print(
    result === undefined
      ? `| ours | not in this build (no \`client.warmUp\`) | – | – | ${iqr(coldTimes)} |`
      : `| ours | ${iqr(result.warmUpMs)} | ${iqr(result.firstCallMs)} | ${iqr(result.firstCallAfterTurnMs)} | ${iqr(coldTimes)} |`,
  );
  print(`| minimal (no warm-up) | – | – | – | ${iqr(minimalCold)} |`);
  print();
  print(
    'Median [quartiles] over new clients, each measured alone. "One macrotask later": after a ' +
      '`setImmediate`, when undici has given the warmed connections back to its pool.',
  );
  await far.ask('closeProxies');
}

if (only.has('idle')) {
  raw.idle = [];
  const rttMs = settings.warmupRtt;
  // keepWarmMs under the local operator's keep-alive timeout (node:http's default, 5 s).
  const keepWarmMs = Number(value('keep-warm-ms') ?? 3_000);
  const idleClients = {
    ours: CLIENTS.ours,
    [`ours, keepWarmMs ${keepWarmMs}`]: (url) => () =>
      oursClient(url, { ...credentials, options: { keepWarmMs } }),
    // The default keep-warm of a warmUp client: paced by the operator's Keep-Alive hint.
    'ours, warmUp: true': (url) => () => oursClient(url, { ...credentials, options: { warmUp: true } }),
    minimal: CLIENTS.minimal,
  };
  const names = Object.keys(idleClients);
  for (const seconds of settings.idleSeconds) {
    const url = await far.proxyUrl('h1', rttMs);
    const times = await afterIdle(
      names.map((n) => idleClients[n](url)),
      seconds * 1000,
    );
    raw.idle.push({ rttMs, seconds, ...Object.fromEntries(names.map((n, k) => [n, times[k]])) });
    await far.ask('closeProxies');
  }
  print();
  print(`## A call after the client sat idle, at ${rttMs} ms RTT (one call each)`);
  print();
  print(`| idle | ${names.map((n) => `${n}, ms`).join(' | ')} |`);
  print(`|---|${names.map(() => '---:|').join('')}`);
  const ms = (v) => v?.toFixed(1) ?? 'failed';
  for (const r of raw.idle) print(`| ${r.seconds} s | ${names.map((n) => ms(r[n])).join(' | ')} |`);
}

if (only.has('h2')) {
  raw.transport = await runTransportOptions({ far, credentials, quick, print });
}

raw.machine.loadAverageAtEnd = os.loadavg();
raw.failures = { count: failures.count, codes: Object.fromEntries(failures.codes) };
print();
print(
  `Failed calls (left out of the timings): ${failures.count}` +
    `${failures.count > 0 ? ` (${[...failures.codes].map(([c, n]) => `${c} ×${n}`).join(', ')})` : ''}. ` +
    `Load average at end: ${raw.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}.`,
);
const jsonFile = value('json');
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(raw, null, 2)}\n`);
// A few lost connections are the shared machine; many mean the bench or a client is broken.
process.exit(failures.count > 20 ? 1 : 0);
