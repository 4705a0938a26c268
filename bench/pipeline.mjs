/**
 * In-process cost of one generate and one refresh, network excluded, against the crypto floor: the bare
 * node:crypto work that any UID2 client must do for the same sizes, measured in the same run.
 *
 * Every task is one complete operation; tinybench times each call. Each repetition is a fresh Bench with
 * the tasks in a rotated order, so drift of a noisy machine spreads over all of them.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomFillSync } from 'node:crypto';
import { Bench } from 'tinybench';
import { EMAILS, FIXED_NONCE, identityBody, SECRET_KEY, spread, successJson } from './fixtures.mjs';

/**
 * The library functions the pipeline uses, from a build directory (default: this checkout's dist/).
 * Another directory lets a prototype build be measured against this one in the same run.
 */
export async function loadLibrary(distUrl = new URL('../dist/', import.meta.url)) {
  const [index, envelope, input, results] = await Promise.all(
    ['index.js', 'envelope.js', 'input.js', 'results.js'].map((file) => import(new URL(file, distUrl).href)),
  );
  return {
    decryptTokenGenerateResponse: index.decryptTokenGenerateResponse,
    decryptTokenRefreshResponse: index.decryptTokenRefreshResponse,
    encryptTokenGenerateRequest: index.encryptTokenGenerateRequest,
    decodeSecretKey: envelope.decodeSecretKey,
    openGenerateResponse: envelope.openGenerateResponse,
    sealGenerateResponse: envelope.sealGenerateResponse,
    sealRefreshResponse: envelope.sealRefreshResponse,
    sealRequestEnvelope: envelope.sealRequestEnvelope,
    toTokenGenerateRequest: input.toTokenGenerateRequest,
    interpretGenerateResponse: results.interpretGenerateResponse,
  };
}

/** Builds the recorded responses and the operations to time. */
export function pipelineTasks(lib) {
  const {
    decryptTokenGenerateResponse,
    decryptTokenRefreshResponse,
    encryptTokenGenerateRequest,
    decodeSecretKey,
    openGenerateResponse,
    sealGenerateResponse,
    sealRefreshResponse,
    sealRequestEnvelope,
    toTokenGenerateRequest,
    interpretGenerateResponse,
  } = lib;
  const now = Date.now();
  const secret = decodeSecretKey(SECRET_KEY);
  const secretObject = createSecretKey(secret);
  const identity = identityBody(now);
  // What the operator sends back: generate sealed under the secret echoing the nonce; refresh sealed
  // under the refresh_response_key of the identity being refreshed.
  const generateText = sealGenerateResponse(secret, now, FIXED_NONCE, successJson(identity)).toString(
    'base64',
  );
  const refreshKeyText = identity.refresh_response_key;
  const next = identityBody(now);
  const refreshText = sealRefreshResponse(Buffer.from(refreshKeyText, 'base64'), successJson(next)).toString(
    'base64',
  );

  let i = 0;
  let sink;
  const email = () => EMAILS[i++ & 255];

  /** What PublisherClient.generateToken does around the transport (src/client.ts), step for step. */
  const oursGenerate = () => {
    const json = JSON.stringify(toTokenGenerateRequest({ email: email() }));
    // nonce pinned so that the recorded response matches; IV still comes from the random fill.
    const { bytes, nonce } = sealRequestEnvelope(secret, json, { now: Date.now(), nonce: FIXED_NONCE });
    const body = bytes.toString('base64');
    const opened = openGenerateResponse(secret, generateText, nonce);
    const result = interpretGenerateResponse(opened.json);
    if (result.status !== 'success' || body.length === 0) throw new Error('unexpected result');
    sink = result.identityJson;
  };

  /** The bring-your-own-HTTP public API: decodes the secret text on each call. */
  const oursPublicGenerate = () => {
    const { body, nonce } = encryptTokenGenerateRequest(
      SECRET_KEY,
      { email: email() },
      { nonce: FIXED_NONCE },
    );
    const result = decryptTokenGenerateResponse(SECRET_KEY, generateText, nonce);
    if (result.status !== 'success' || body.length === 0) throw new Error('unexpected result');
    sink = result.identityJson;
  };

  /**
   * The floor: one SHA-256, one random fill (IV; nonce pinned as above), one AES-256-GCM encrypt, base64
   * out, base64 in, one AES-256-GCM decrypt, a nonce compare, one JSON.parse. No validation, no checks.
   */
  const floorGenerate = () => {
    const hash = createHash('sha256').update(email()).digest('base64');
    const iv = randomFillSync(Buffer.allocUnsafe(20)).subarray(8);
    const payload = `{"email_hash":"${hash}"}`;
    const plaintext = Buffer.allocUnsafe(16 + payload.length);
    plaintext.writeBigInt64BE(BigInt(Date.now()), 0);
    FIXED_NONCE.copy(plaintext, 8);
    plaintext.write(payload, 16, 'latin1');
    const cipher = createCipheriv('aes-256-gcm', secretObject, iv);
    const sealed = cipher.update(plaintext);
    cipher.final();
    const envelope = Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]);
    const body = envelope.toString('base64');
    const answer = Buffer.from(generateText, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', secretObject, answer.subarray(0, 12));
    decipher.setAuthTag(answer.subarray(answer.length - 16));
    const opened = decipher.update(answer.subarray(12, answer.length - 16));
    decipher.final();
    if (!opened.subarray(8, 16).equals(FIXED_NONCE) || body.length === 0) throw new Error('nonce');
    sink = JSON.parse(opened.toString('utf8', 16));
  };

  /** decryptTokenRefreshResponse: key decode, strict base64, decrypt, zod, expiry checks, identityJson. */
  const oursRefresh = () => {
    const result = decryptTokenRefreshResponse(refreshText, refreshKeyText);
    if (result.status !== 'success') throw new Error('unexpected result');
    sink = result.identityJson;
  };

  /** The floor of a refresh answer: key base64 in, body base64 in, one AES-256-GCM decrypt, JSON.parse. */
  const floorRefresh = () => {
    const key = Buffer.from(refreshKeyText, 'base64');
    const answer = Buffer.from(refreshText, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, answer.subarray(0, 12));
    decipher.setAuthTag(answer.subarray(answer.length - 16));
    const opened = decipher.update(answer.subarray(12, answer.length - 16));
    decipher.final();
    sink = JSON.parse(opened.toString('utf8'));
  };

  // Check every operation once before timing anything, so a broken one fails fast.
  for (const fn of [oursGenerate, oursPublicGenerate, floorGenerate, oursRefresh, floorRefresh]) fn();
  if (sink === undefined) throw new Error('no result');

  return {
    pairs: [
      { name: 'generate', ours: oursGenerate, floor: floorGenerate },
      { name: 'refresh', ours: oursRefresh, floor: floorRefresh },
    ],
    extra: [{ name: 'generate via public encrypt/decrypt functions', fn: oursPublicGenerate }],
    sizes: {
      requestJsonBytes: JSON.stringify(toTokenGenerateRequest({ email: EMAILS[0] })).length,
      generateResponseChars: generateText.length,
      refreshResponseChars: refreshText.length,
      identityJsonChars: JSON.stringify(identity).length,
    },
  };
}

/**
 * Runs `reps` repetitions; returns per pair the median and spread of ns/op (mean and p50 of each
 * repetition) and of the ours/floor ratio paired within each repetition.
 *
 * @param {{ reps: number, timeMs: number, warmupMs: number }} options
 */
export async function runPipeline({ reps, timeMs, warmupMs }) {
  const { pairs, extra, sizes } = pipelineTasks(await loadLibrary());
  const entries = [
    ...pairs.flatMap((p) => [
      { key: `${p.name}:ours`, fn: p.ours },
      { key: `${p.name}:floor`, fn: p.floor },
    ]),
    ...extra.map((e) => ({ key: `extra:${e.name}`, fn: e.fn })),
  ];
  const samples = Object.fromEntries(entries.map((e) => [e.key, { mean: [], p50: [], p99: [] }]));
  for (let rep = 0; rep < reps; rep++) {
    const bench = new Bench({
      time: timeMs,
      warmupTime: warmupMs,
      throws: true,
      timestampProvider: 'hrtimeNow',
    });
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[(k + rep) % entries.length];
      bench.add(entry.key, entry.fn);
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
      const s = samples[task.name];
      s.mean.push(result.latency.mean * 1e6);
      s.p50.push(result.latency.p50 * 1e6);
      s.p99.push(result.latency.p99 * 1e6);
    }
  }
  const rows = pairs.map((p) => {
    const ours = samples[`${p.name}:ours`];
    const floor = samples[`${p.name}:floor`];
    return {
      name: p.name,
      ours: { mean: spread(ours.mean), p50: spread(ours.p50), p99: spread(ours.p99) },
      floor: { mean: spread(floor.mean), p50: spread(floor.p50), p99: spread(floor.p99) },
      ratioMean: spread(ours.mean.map((v, r) => v / floor.mean[r])),
      ratioP50: spread(ours.p50.map((v, r) => v / floor.p50[r])),
    };
  });
  const extras = extra.map((e) => {
    const s = samples[`extra:${e.name}`];
    return { name: e.name, mean: spread(s.mean), p50: spread(s.p50) };
  });
  return { reps, timeMs, rows, extras, sizes };
}
