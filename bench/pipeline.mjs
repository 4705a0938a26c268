/**
 * In-process cost of one generate and one refresh, network excluded, against floors measured in the
 * same run as paired ratios (bench/paired.mjs: alternating batches, quartiles of the per-sample ratio):
 * - the crypto floor: the bare node:crypto work any UID2 client must do for the same sizes (hash,
 *   random IV, GCM seal, base64 out and in, GCM open, nonce check, JSON.parse), nothing else;
 * - the same-work floor: the crypto floor plus what the library must also deliver, each done the
 *   cheapest way: IVs from a random pool (as ours), email normalisation, a typeof check of the success
 *   shape, and `identityJson` (JSON.stringify of the body). This is "the floor doing the same work"
 *   of issue 12.
 * Text envelopes (base64, what the client sends today) and binary envelopes (application/octet-stream,
 * no base64) are both measured.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomFillSync } from 'node:crypto';
import { EMAILS, FIXED_NONCE, identityBody, SECRET_KEY, successJson } from './fixtures.mjs';
import { paired } from './paired.mjs';

/**
 * The library functions the pipeline uses, from a build directory (default: this checkout's dist/).
 * Another directory lets a prototype build be measured against this one in the same run.
 */
export async function loadLibrary(distUrl = new URL('../dist/', import.meta.url)) {
  const load = (file) => import(new URL(file, distUrl).href);
  const [index, envelope, input, results] = await Promise.all(
    ['index.js', 'envelope.js', 'input.js', 'results.js'].map(load),
  );
  // Later builds keep the generate answer's interpretation in endpoints/generate.js, with the clock.
  const generate = await load('endpoints/generate.js').catch(() => undefined);
  const interpret = generate?.interpretGenerateResponse ?? results.interpretGenerateResponse;
  return {
    decryptTokenGenerateResponse: index.decryptTokenGenerateResponse,
    decryptTokenRefreshResponse: index.decryptTokenRefreshResponse,
    encryptTokenGenerateRequest: index.encryptTokenGenerateRequest,
    decodeSecretKey: envelope.decodeSecretKey ?? (await load('keys.js')).decodeSecretKey,
    sealGenerateResponse: envelope.sealGenerateResponse,
    sealRefreshResponse: envelope.sealRefreshResponse,
    sealRequestEnvelope: envelope.sealRequestEnvelope,
    toTokenGenerateRequest: input.toTokenGenerateRequest,
    interpretGenerateResponse: (json) => interpret(json, Date.now()),
  };
}

/** Builds the recorded responses and the operations to time. */
export function pipelineTasks(lib) {
  const {
    decryptTokenGenerateResponse,
    decryptTokenRefreshResponse,
    encryptTokenGenerateRequest,
    decodeSecretKey,
    sealGenerateResponse,
    sealRefreshResponse,
    sealRequestEnvelope,
    toTokenGenerateRequest,
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

  // The client reads the answer as bytes and, in text mode, takes it as latin1 text (src/client.ts).
  const generateBytes = Buffer.from(generateText, 'latin1');
  const generateBinary = Buffer.from(generateText, 'base64');
  const refreshBytes = Buffer.from(refreshText, 'latin1');
  const refreshBinary = Buffer.from(refreshText, 'base64');

  // What src/client.ts passes for the answer's timestamp (it learns the clock offset from it).
  const decryptOptions = { onTimestamp: () => {} };
  /** What PublisherClient.generateToken does around the transport (src/client.ts), step for step. */
  const oursGenerate = () => {
    const json = JSON.stringify(toTokenGenerateRequest({ email: email() }));
    // nonce pinned so that the recorded response matches; IV still comes from the random fill.
    const { bytes, nonce } = sealRequestEnvelope(secret, json, { now: Date.now(), nonce: FIXED_NONCE });
    const body = bytes.toString('base64');
    const text = generateBytes.toString('latin1');
    const result = decryptTokenGenerateResponse(secret, text, nonce, decryptOptions);
    if (result.status !== 'success' || body.length === 0) throw new Error('unexpected result');
    sink = result.identityJson;
  };

  /** The same with binary envelopes: the sealed bytes are the body, the answer bytes are opened as is. */
  const oursGenerateBinary = () => {
    const json = JSON.stringify(toTokenGenerateRequest({ email: email() }));
    const { bytes, nonce } = sealRequestEnvelope(secret, json, { now: Date.now(), nonce: FIXED_NONCE });
    const result = decryptTokenGenerateResponse(secret, generateBinary, nonce, decryptOptions);
    if (result.status !== 'success' || bytes.length === 0) throw new Error('unexpected result');
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

  /** IVs from a pool refilled every 256 draws: the cheapest safe way, which ours uses too. */
  let pool = Buffer.alloc(0);
  let poolOffset = 0;
  const pooledIv = () => {
    if (poolOffset + 12 > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafeSlow(256 * 12));
      poolOffset = 0;
    }
    poolOffset += 12;
    return pool.subarray(poolOffset - 12, poolOffset);
  };
  /** A fresh random fill per request (nonce + IV), as the issue-5 crypto floor does. */
  const freshIv = () => randomFillSync(Buffer.allocUnsafe(20)).subarray(8);

  /** Request side of the floor: SHA-256, random IV (nonce pinned), GCM seal; the envelope bytes. */
  const floorSeal = (address, drawIv = freshIv) => {
    const hash = createHash('sha256').update(address).digest('base64');
    const iv = drawIv();
    const payload = `{"email_hash":"${hash}"}`;
    const plaintext = Buffer.allocUnsafe(16 + payload.length);
    plaintext.writeBigInt64BE(BigInt(Date.now()), 0);
    FIXED_NONCE.copy(plaintext, 8);
    plaintext.write(payload, 16, 'latin1');
    const cipher = createCipheriv('aes-256-gcm', secretObject, iv);
    const sealed = cipher.update(plaintext);
    cipher.final();
    return Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]);
  };
  /** Answer side of the floor: GCM open, nonce compare, JSON.parse. */
  const floorOpen = (answer) => {
    const decipher = createDecipheriv('aes-256-gcm', secretObject, answer.subarray(0, 12));
    decipher.setAuthTag(answer.subarray(answer.length - 16));
    const opened = decipher.update(answer.subarray(12, answer.length - 16));
    decipher.final();
    if (!opened.subarray(8, 16).equals(FIXED_NONCE)) throw new Error('nonce');
    return JSON.parse(opened.toString('utf8', 16));
  };
  /** The least check of a success body, and identityJson: what ours must deliver beyond the crypto. */
  const sameWork = (parsed) => {
    const b = parsed.body;
    if (
      parsed.status !== 'success' ||
      typeof b?.advertising_token !== 'string' ||
      typeof b.refresh_token !== 'string' ||
      typeof b.refresh_response_key !== 'string' ||
      !Number.isSafeInteger(b.identity_expires) ||
      !Number.isSafeInteger(b.refresh_expires) ||
      !Number.isSafeInteger(b.refresh_from)
    ) {
      throw new Error('shape');
    }
    return JSON.stringify(b);
  };

  /** The crypto floor of a generate, text envelopes. No normalisation, no validation. */
  const floorGenerate = () => {
    const body = floorSeal(email()).toString('base64');
    sink = floorOpen(Buffer.from(generateText, 'base64'));
    if (body.length === 0) throw new Error('empty');
  };
  /** The crypto floor of a generate, binary envelopes (no base64 either way). */
  const floorGenerateBinary = () => {
    const body = floorSeal(email());
    sink = floorOpen(generateBinary);
    if (body.length === 0) throw new Error('empty');
  };
  /** The same-work floor of a generate: pooled IVs, normalised email, shape check, identityJson. */
  const floorGenerateSameWork = () => {
    const body = floorSeal(email().trim().toLowerCase(), pooledIv).toString('base64');
    sink = sameWork(floorOpen(Buffer.from(generateText, 'base64')));
    if (body.length === 0) throw new Error('empty');
  };

  /** decryptTokenRefreshResponse: key decode, strict base64, decrypt, checks, expiry, identityJson. */
  const oursRefresh = () => {
    const result = decryptTokenRefreshResponse(refreshBytes.toString('latin1'), refreshKeyText);
    if (result.status !== 'success') throw new Error('unexpected result');
    sink = result.identityJson;
  };
  const oursRefreshBinary = () => {
    const result = decryptTokenRefreshResponse(refreshBinary, refreshKeyText);
    if (result.status !== 'success') throw new Error('unexpected result');
    sink = result.identityJson;
  };
  /** The crypto floor of a refresh answer: key base64, GCM open, JSON.parse. */
  const floorRefreshOpen = (answer) => {
    const key = Buffer.from(refreshKeyText, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, answer.subarray(0, 12));
    decipher.setAuthTag(answer.subarray(answer.length - 16));
    const opened = decipher.update(answer.subarray(12, answer.length - 16));
    decipher.final();
    return JSON.parse(opened.toString('utf8'));
  };
  const floorRefresh = () => {
    sink = floorRefreshOpen(Buffer.from(refreshText, 'base64'));
  };
  const floorRefreshBinary = () => {
    sink = floorRefreshOpen(refreshBinary);
  };
  const floorRefreshSameWork = () => {
    const parsed = floorRefreshOpen(Buffer.from(refreshText, 'base64'));
    if (parsed.body.refresh_expires <= Date.now()) throw new Error('expired');
    sink = sameWork(parsed);
  };

  const all = [
    oursGenerate,
    oursGenerateBinary,
    oursPublicGenerate,
    floorGenerate,
    floorGenerateBinary,
    floorGenerateSameWork,
    oursRefresh,
    oursRefreshBinary,
    floorRefresh,
    floorRefreshBinary,
    floorRefreshSameWork,
  ];
  // Check every operation once before timing anything, so a broken one fails fast.
  for (const fn of all) fn();
  if (sink === undefined) throw new Error('no result');

  const requestJson = JSON.stringify(toTokenGenerateRequest({ email: EMAILS[0] }));
  const requestBytes = sealRequestEnvelope(secret, requestJson, { nonce: FIXED_NONCE }).bytes;
  return {
    pairs: [
      { name: 'generate', ours: oursGenerate, floor: floorGenerate, floorName: 'crypto floor' },
      { name: 'generate', ours: oursGenerate, floor: floorGenerateSameWork, floorName: 'same-work floor' },
      { name: 'refresh', ours: oursRefresh, floor: floorRefresh, floorName: 'crypto floor' },
      { name: 'refresh', ours: oursRefresh, floor: floorRefreshSameWork, floorName: 'same-work floor' },
      {
        name: 'generate, binary',
        ours: oursGenerateBinary,
        floor: floorGenerateBinary,
        floorName: 'crypto floor, binary',
      },
      {
        name: 'refresh, binary',
        ours: oursRefreshBinary,
        floor: floorRefreshBinary,
        floorName: 'crypto floor, binary',
      },
      {
        name: 'generate, public functions',
        ours: oursPublicGenerate,
        floor: floorGenerate,
        floorName: 'crypto floor',
      },
    ],
    /** ours binary against ours text: what binary envelopes save in-process. */
    modes: [
      { name: 'generate', binary: oursGenerateBinary, text: oursGenerate },
      { name: 'refresh', binary: oursRefreshBinary, text: oursRefresh },
    ],
    sizes: {
      requestJsonBytes: requestJson.length,
      requestTextChars: requestBytes.toString('base64').length,
      requestBinaryBytes: requestBytes.length,
      generateResponseChars: generateText.length,
      generateResponseBytes: generateBinary.length,
      refreshResponseChars: refreshText.length,
      refreshResponseBytes: refreshBinary.length,
      identityJsonChars: JSON.stringify(identity).length,
    },
  };
}

/**
 * Paired ratios of every pair, and binary against text for ours.
 *
 * @param {{ samples: number, batch: number, warmupCalls: number }} options
 */
export async function runPipeline(options) {
  const { pairs, modes, sizes } = pipelineTasks(await loadLibrary());
  const rows = pairs.map((p) => ({
    name: p.name,
    floorName: p.floorName,
    ...paired(p.ours, p.floor, options),
  }));
  const binary = modes.map((m) => ({ name: m.name, ...paired(m.binary, m.text, options) }));
  return { ...options, rows, binary, sizes };
}
