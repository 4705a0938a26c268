/**
 * Why two harnesses disagree about the in-process generate pipeline (issue 12: an independent harness
 * found 1.48x a bare node:crypto floor, bench/RESULTS.md 1.20): the same ours and floor timed several
 * ways, the floor varied one ingredient at a time, and the cost of each ingredient alone.
 *
 * Usage (after `npm run build`): node bench/pipeline-explain.mjs [--quick]
 * (`--cold-child` is internal: one fresh process timing the first calls, with no warm-up.)
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomFillSync } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { EMAILS, FIXED_NONCE, identityBody, quantile, SECRET_KEY, successJson } from './fixtures.mjs';
import { alone, paired, showQuartiles } from './paired.mjs';
import { loadLibrary, pipelineTasks } from './pipeline.mjs';

const quick = process.argv.includes('--quick');
const lib = await loadLibrary();
const tasks = pipelineTasks(lib);
const pair = tasks.pairs.find((p) => p.name === 'generate');
const ours = pair.ours;
const floor = pair.floor;

if (process.argv.includes('--cold-child')) {
  // No warm-up: the first calls of each, alternating in batches of 10, as a short harness would see them.
  const calls = 300;
  let a = 0n;
  let b = 0n;
  for (let i = 0; i < calls; i += 10) {
    let t = process.hrtime.bigint();
    for (let k = 0; k < 10; k++) ours();
    a += process.hrtime.bigint() - t;
    t = process.hrtime.bigint();
    for (let k = 0; k < 10; k++) floor();
    b += process.hrtime.bigint() - t;
  }
  console.log(JSON.stringify({ ratio: Number(a) / Number(b) }));
  process.exit(0);
}

const opts = quick
  ? { samples: 10, batch: 5, warmupCalls: 50 }
  : { samples: 600, batch: 10, warmupCalls: 3_000 };
const two = (n) => n.toFixed(2);
const ns = (n) => Math.round(n).toLocaleString('en-US');

// Floor variants: one ingredient changed each.
const secret = lib.decodeSecretKey(SECRET_KEY);
const secretObject = createSecretKey(secret);
const now = Date.now();
const generateText = lib
  .sealGenerateResponse(secret, now, FIXED_NONCE, successJson(identityBody(now)))
  .toString('base64');
let i = 0;
let sink;
const email = () => EMAILS[i++ & 255];
const iv12 = Buffer.alloc(12, 1);
/** The crypto floor with one change: its IVs come from a pool, as ours do (src/envelope.ts). */
let pool = Buffer.alloc(0);
let poolOffset = 0;
const pooledIv = () => {
  if (poolOffset + 12 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(256 * 20));
    poolOffset = 0;
  }
  poolOffset += 12;
  return pool.subarray(poolOffset - 12, poolOffset);
};
const floorPooled = () => {
  const hash = createHash('sha256').update(email()).digest('base64');
  const payload = `{"email_hash":"${hash}"}`;
  const plaintext = Buffer.allocUnsafe(16 + payload.length);
  plaintext.writeBigInt64BE(BigInt(Date.now()), 0);
  FIXED_NONCE.copy(plaintext, 8);
  plaintext.write(payload, 16, 'latin1');
  const iv = pooledIv();
  const cipher = createCipheriv('aes-256-gcm', secretObject, iv);
  const sealed = cipher.update(plaintext);
  cipher.final();
  const body = Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]).toString('base64');
  const answer = Buffer.from(generateText, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', secretObject, answer.subarray(0, 12));
  decipher.setAuthTag(answer.subarray(answer.length - 16));
  const opened = decipher.update(answer.subarray(12, answer.length - 16));
  decipher.final();
  if (!opened.subarray(8, 16).equals(FIXED_NONCE) || body.length === 0) throw new Error('nonce');
  sink = JSON.parse(opened.toString('utf8', 16));
};
const variants = [
  ['crypto floor (bench/pipeline.mjs)', floor],
  ['same-work floor (pooled IVs, normalise, shape check, identityJson)', tasks.pairs[1].floor],
  [
    'floor + key import each call (createSecretKey)',
    () => {
      sink = createSecretKey(Buffer.from(SECRET_KEY, 'base64'));
      floor();
    },
  ],
  ['floor with pooled random IVs (as ours draws them)', floorPooled],
  ['binary-envelope floor (no base64; ours still text)', tasks.pairs[4].floor],
];

console.log('# Why the generate ratio depends on the harness\n');
console.log(
  `Machine load at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.\n`,
);
console.log('## The same ours against different floors (paired, median [quartiles])\n');
console.log('| floor | floor ns/op | ours ns/op | ours/floor |');
console.log('|---|---:|---:|---:|');
for (const [name, fn] of variants) {
  const r = paired(ours, fn, opts);
  console.log(
    `| ${name} | ${showQuartiles(r.b, ns)} | ${showQuartiles(r.a, ns)} | **${showQuartiles(r.ratio, two)}** |`,
  );
}
const pub = paired(tasks.pairs.find((p) => p.name.includes('public')).ours, floor, opts);
console.log(
  `| ours via the public functions (secret decoded per call) against the crypto floor | ${showQuartiles(pub.b, ns)} | ${showQuartiles(pub.a, ns)} | **${showQuartiles(pub.ratio, two)}** |`,
);

console.log('\n## The same ours and crypto floor, timed differently\n');
console.log('| harness | ours/floor |');
console.log('|---|---:|');
const p = paired(ours, floor, opts);
console.log(
  `| paired batches of ${opts.batch}, alternating, ${opts.samples} samples (median [quartiles]) | ${showQuartiles(p.ratio, two)} |`,
);
const reps = quick ? 1 : 5;
const means = [];
const p50s = [];
for (let rep = 0; rep < reps; rep++) {
  const bench = new Bench({
    time: quick ? 50 : 500,
    warmupTime: quick ? 20 : 200,
    timestampProvider: 'hrtimeNow',
  });
  if (rep % 2 === 0) bench.add('ours', ours).add('floor', floor);
  else bench.add('floor', floor).add('ours', ours);
  await bench.run();
  const get = (name) => bench.tasks.find((t) => t.name === name).result.latency;
  means.push(get('ours').mean / get('floor').mean);
  p50s.push(get('ours').p50 / get('floor').p50);
}
const spread = (xs) => `${two(quantile(xs, 0.5))} [${two(Math.min(...xs))}–${two(Math.max(...xs))}]`;
console.log(
  `| tinybench, one call per sample, tasks one after the other, ratio of means (the issue-5 harness), ${reps} reps (median [min–max]) | ${spread(means)} |`,
);
console.log(`| the same, ratio of p50s | ${spread(p50s)} |`);
const coldRatios = [];
for (let k = 0; k < (quick ? 1 : 5); k++) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--cold-child'], {
    encoding: 'utf8',
  });
  coldRatios.push(JSON.parse(out.trim().split('\n').pop()).ratio);
}
console.log(
  `| no warm-up: the first 300 calls of a fresh process, ${coldRatios.length} processes (median [min–max]) | ${spread(coldRatios)} |`,
);

console.log('\n## Ingredients alone, ns/op (median [quartiles])\n');
console.log('| ingredient | ns/op |');
console.log('|---|---:|');
const generateBytes = Buffer.from(generateText, 'latin1');
const identity = identityBody(now);
const answerJson = successJson(identity);
const ingredients = [
  ['SHA-256 of an email, base64', () => (sink = createHash('sha256').update(email()).digest('base64'))],
  [
    'toTokenGenerateRequest (validate, normalise, hash)',
    () => (sink = lib.toTokenGenerateRequest({ email: email() })),
  ],
  ['randomFillSync 20 bytes', () => (sink = randomFillSync(Buffer.allocUnsafe(20)))],
  ['createSecretKey (key import)', () => (sink = createSecretKey(secret))],
  ['createCipheriv, raw key', () => (sink = createCipheriv('aes-256-gcm', secret, iv12))],
  ['createCipheriv, KeyObject', () => (sink = createCipheriv('aes-256-gcm', secretObject, iv12))],
  ['answer bytes to latin1 text (client.ts textOrBytes)', () => (sink = generateBytes.toString('latin1'))],
  ['Buffer.from(answer, base64), 1,180 chars', () => (sink = Buffer.from(generateText, 'base64'))],
  ['JSON.parse of the 850-char answer', () => (sink = JSON.parse(answerJson))],
  ['JSON.stringify of the body (identityJson)', () => (sink = JSON.stringify(identity))],
  [
    'interpretGenerateResponse (parse, check, identityJson)',
    () => (sink = lib.interpretGenerateResponse(answerJson)),
  ],
  ['decodeSecretKey (public functions do it per call)', () => (sink = lib.decodeSecretKey(SECRET_KEY))],
];
for (const [name, fn] of ingredients) console.log(`| ${name} | ${showQuartiles(alone(fn, opts), ns)} |`);
if (sink === undefined) throw new Error('no result');
