// @ts-check
/**
 * Load test (issue 4): N generateToken calls at concurrency C against the local operator, where each
 * request independently gets a 503 page (1%) or a connection reset (0.5%). Every call must succeed, every caller must get its own
 * identity (distinct tokens and keys; the client checks each answer's nonce against its own request),
 * and heap and open sockets must return to their baseline. Exits non-zero when any of that fails.
 *
 *   node --expose-gc bench/load.mjs [--calls 10000] [--concurrency 200] [--json]
 *
 * Needs `npm run build` first (it imports dist/). Not part of the default test run.
 */
import { subscribe } from 'node:diagnostics_channel';
import { parseArgs } from 'node:util';
// The package's own name resolves to dist/ at run time (self-reference) and to src/ when type-checked.
import { DIAGNOSTICS_CHANNELS, PublisherClient } from 'uid2-publisher';
import { startLocalOperator } from 'uid2-publisher/testing';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
});
const CALLS = Number(values.calls);
const CONCURRENCY = Number(values.concurrency);
const HEAP_SLACK_BYTES = 5 * 1024 * 1024;

const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);
const tcpSockets = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** @type {unknown[]} */
const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const operator = await startLocalOperator();
await settle();
const baseline = { sockets: tcpSockets(), heap: process.memoryUsage().heapUsed };

const statuses = new Map();
subscribe(DIAGNOSTICS_CHANNELS.requestEnd, (message) => {
  const event = /** @type {{ httpStatus?: number, errorCode?: string }} */ (message);
  const key = event.httpStatus === undefined ? String(event.errorCode) : String(event.httpStatus);
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
});

// Generous deadline: at concurrency 200 on two cores, queueing alone takes a while.
const client = new PublisherClient({
  baseUrl: operator.url,
  apiKey: operator.apiKey,
  secretKey: operator.secretKey,
  timeoutMs: 30_000,
  attemptTimeoutMs: 15_000,
  retries: 3,
});

// Each request to the operator independently gets a 503 page with probability 1%, a reset with 0.5%.
operator.injectFault([
  { kind: 'http503', endpoint: 'generate', rate: 0.01 },
  { kind: 'reset', endpoint: 'generate', rate: 0.005 },
]);
const tokens = new Set();
const keys = new Set();
const failures = new Map();
/** @type {number[]} */
const latencies = [];
/** Latencies of calls after the first wave (the first CONCURRENCY calls also open every connection). */
/** @type {number[]} */
const steady = [];
let next = 0;

async function worker() {
  while (next < CALLS) {
    const i = next++;
    const started = performance.now();
    try {
      const result = await client.generateToken({ email: `load-${i}@example.com` });
      latencies.push(performance.now() - started);
      if (i >= CONCURRENCY) steady.push(performance.now() - started);
      if (result.status !== 'success') throw new Error(`status ${result.status}`);
      tokens.add(result.identity.advertising_token);
      keys.add(result.identity.refresh_response_key);
    } catch (err) {
      const code = /** @type {{ code?: string }} */ (err).code ?? String(err);
      failures.set(code, (failures.get(code) ?? 0) + 1);
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;
await client.close();
operator.clearFaults();
// The checks' own records are not the library's memory: count them, then let them go.
const distinctTokens = tokens.size;
const distinctKeys = keys.size;
tokens.clear();
keys.clear();
await settle();
const after = { sockets: tcpSockets(), heap: process.memoryUsage().heapUsed };
await operator.close();

/** @param {number[]} values @param {number} q */
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN).toFixed(1),
  );
};
const report = {
  calls: CALLS,
  concurrency: CONCURRENCY,
  seconds: Number(seconds.toFixed(2)),
  callsPerSecond: Math.round(CALLS / seconds),
  p50Ms: quantile(latencies, 0.5),
  p99Ms: quantile(latencies, 0.99),
  // Without the first wave, whose calls queue behind the opening of every connection at once.
  p99AfterFirstWaveMs: quantile(steady, 0.99),
  injectedRates: { http503: 0.01, reset: 0.005 },
  attemptsByOutcome: Object.fromEntries([...statuses].sort()),
  failures: Object.fromEntries(failures),
  distinctAdvertisingTokens: distinctTokens,
  distinctRefreshResponseKeys: distinctKeys,
  heapBaselineMB: Number((baseline.heap / 2 ** 20).toFixed(1)),
  heapAfterMB: Number((after.heap / 2 ** 20).toFixed(1)),
  socketsBaseline: baseline.sockets,
  socketsAfter: after.sockets,
  unhandledRejections: unhandled.length,
  gcExposed: gc !== undefined,
};

const problems = [];
if (failures.size > 0) problems.push('some calls failed');
if (distinctTokens !== CALLS || distinctKeys !== CALLS)
  problems.push('identities are not distinct per caller');
if (after.sockets > baseline.sockets) problems.push('sockets left open');
if (gc && after.heap - baseline.heap > HEAP_SLACK_BYTES) problems.push('heap did not return to baseline');
if (unhandled.length > 0) problems.push('unhandled rejections');
const attempts = [...statuses.values()].reduce((a, b) => a + b, 0);
const seen503 = (statuses.get('503') ?? 0) / attempts;
const seenResets = (statuses.get('UID2_NETWORK') ?? 0) / attempts;
// Loose bounds: the point is that faults really happened at about the asked rates.
if (seen503 < 0.004 || seen503 > 0.02 || seenResets < 0.001 || seenResets > 0.012) {
  problems.push('the injected fault rates were not observed');
}

if (values.json) process.stdout.write(`${JSON.stringify({ ...report, problems })}\n`);
else {
  for (const [key, value] of Object.entries(report))
    console.log(`${key.padEnd(28)} ${JSON.stringify(value)}`);
  console.log(problems.length === 0 ? 'load: OK' : `load: FAILED: ${problems.join('; ')}`);
}
process.exitCode = problems.length === 0 ? 0 : 1;
