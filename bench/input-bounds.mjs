// Time to reject a 100 MB input of each kind that a public function accepts (issue 8, point 3).
// Run after `npm run build`:  node bench/input-bounds.mjs
// Each figure is the event-loop time one call blocks for (the input string is built beforehand):
// median and quartiles over repeated calls, in microseconds. Asserts nothing about speed.
import { cpus } from 'node:os';
import {
  decryptTokenGenerateResponse,
  decryptTokenRefreshResponse,
  encryptTokenGenerateRequest,
  hashEmail,
  hashPhone,
  normalizeEmail,
  openIdentity,
  parseIdentity,
} from '../dist/index.js';

const SIZE = Number(process.env.INPUT_BYTES ?? 100 * 1024 * 1024);
const RUNS = Number(process.env.RUNS ?? 25);
const secretKey = Buffer.alloc(32, 1).toString('base64');
const big = 'a'.repeat(SIZE);
const bigEmail = `${'a'.repeat(SIZE - 12)}@example.com`;
const kinds = {
  'email (hashEmail)': () => hashEmail(bigEmail),
  'email (normalizeEmail)': () => normalizeEmail(bigEmail),
  'email (generate input)': () => encryptTokenGenerateRequest(secretKey, { email: bigEmail }),
  'phone (hashPhone)': () => hashPhone(`+${'1'.repeat(SIZE - 1)}`),
  'email hash (generate input)': () => encryptTokenGenerateRequest(secretKey, { emailHash: big }),
  'phone hash (generate input)': () => encryptTokenGenerateRequest(secretKey, { phoneHash: big }),
  'TCF string (generate input)': () =>
    encryptTokenGenerateRequest(secretKey, { email: 'user@example.com', tcfConsentString: big }),
  'identity JSON (parseIdentity)': () => parseIdentity(`{"a":"${big}"}`),
  'identity object with a 100 MB field (parseIdentity)': () =>
    parseIdentity({
      advertising_token: big,
      refresh_token: 'x',
      identity_expires: 1,
      refresh_expires: 1,
      refresh_from: 1,
    }),
  'sealed identity (openIdentity)': () => openIdentity(big, { keys: [secretKey], context: 'user-1' }),
  'generate answer (decryptTokenGenerateResponse)': () =>
    decryptTokenGenerateResponse(secretKey, big, Buffer.alloc(8)),
  'refresh answer (decryptTokenRefreshResponse)': () => decryptTokenRefreshResponse(big, secretKey),
};

function quartiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
  return { q1: at(0.25), median: at(0.5), q3: at(0.75), max: sorted[sorted.length - 1] };
}

console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, input ${SIZE} bytes, ${RUNS} runs`,
);
console.log('| input | outcome | median µs | q1–q3 µs | max µs |');
console.log('|---|---|---:|---:|---:|');
for (const [name, run] of Object.entries(kinds)) {
  const times = [];
  let outcome = '';
  try {
    run(); // warm-up: the first call also loads and compiles code
  } catch {}
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    try {
      outcome = run() === null ? 'null (rejected)' : 'accepted (!)';
    } catch (err) {
      outcome = err.code ?? err.name;
    }
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const q = quartiles(times);
  console.log(
    `| ${name} | ${outcome} | ${q.median.toFixed(1)} | ${q.q1.toFixed(1)}–${q.q3.toFixed(1)} | ${q.max.toFixed(1)} |`,
  );
}
