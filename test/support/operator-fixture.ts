/**
 * One local operator per test file: started in beforeAll, closed in afterAll, and put back to a clean
 * state after every test (faults, clock, opt-outs, statistics), so that no test leaks a fault or a
 * moved clock into the next one and each test can run alone.
 *
 * `UID2_TEST_TLS=1` starts every fixture operator with `tls: true`; `fixture.dispatcher` then trusts
 * `op.ca`, so a suite that sends everything through it runs unchanged over HTTPS.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openGenerateResponse, sealRequestEnvelope } from '../../src/envelope.js';
import { decodeSecretKey } from '../../src/keys.js';
import {
  type LocalOperator,
  type LocalOperatorOptions,
  startLocalOperator,
} from '../../src/testing/index.js';

/** True when the suite is asked to run over TLS. */
export const TEST_TLS = process.env.UID2_TEST_TLS === '1';

/** What a test file gets: the operator and a connection pool that trusts it. */
export interface OperatorFixture {
  readonly op: LocalOperator;
  readonly dispatcher: Agent;
}

/**
 * Registers the hooks and returns the fixture; read `fixture.op` inside tests, not at module level.
 */
export function useLocalOperator(options: LocalOperatorOptions = {}): OperatorFixture {
  let op: LocalOperator | undefined;
  let dispatcher: Agent | undefined;
  beforeAll(async () => {
    op = await startLocalOperator(
      TEST_TLS && options.tls === undefined ? { ...options, tls: true } : options,
    );
    // A private pool: connections broken by faults never reach another file's requests.
    // The certificate is checked against the address really dialled, so that tests sending a foreign
    // Host header (the DNS rebinding cases) still reach the operator over TLS.
    const connect = {
      ca: op.ca,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity('127.0.0.1', cert),
    };
    dispatcher = new Agent({
      keepAliveTimeout: 10,
      ...(op.ca === undefined ? {} : { connect }),
    });
  });
  afterEach(() => {
    if (op === undefined) return;
    op.clearFaults();
    op.setClockOffset(0);
    op.clearOptOuts();
    op.resetStats();
  });
  afterAll(async () => {
    await op?.close();
    await dispatcher?.close();
  });
  return {
    get op() {
      if (op === undefined) throw new Error('the operator starts in beforeAll; use it inside a test');
      return op;
    },
    get dispatcher() {
      if (dispatcher === undefined) throw new Error('the dispatcher starts in beforeAll');
      return dispatcher;
    },
  };
}

/** A raw HTTP answer. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The decrypted JSON of a 200, when it could be opened with the client secret and nonce. */
  decrypted?: Record<string, unknown>;
}

/** POSTs `body` as it is, through the fixture's pool (which trusts `op.ca` over TLS). */
export async function rawPost(
  fixture: OperatorFixture,
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  const res = await request(`${fixture.op.url}${path}`, {
    method: 'POST',
    body,
    headers,
    dispatcher: fixture.dispatcher,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** How {@link rawSecretCall} sends. */
export interface RawCallOptions {
  apiKey?: string;
  secretKey?: string;
  /** Send `application/octet-stream` bytes instead of base64 text. */
  binary?: boolean;
  /** Replaces the sealed envelope with these exact bytes (envelope error tests). */
  body?: string | Buffer;
  /** Extra headers. */
  headers?: Record<string, string>;
  dispatcher?: Agent;
}

/**
 * POSTs `payload` (an object or raw JSON text) sealed in a real request envelope to a secret-envelope
 * endpoint (`/v2/token/generate` or `/v2/token/validate`) and opens a 200 with the same secret.
 */
export async function rawSecretCall(
  target: LocalOperator,
  path: string,
  payload: unknown,
  options: RawCallOptions = {},
): Promise<RawAnswer> {
  const key = decodeSecretKey(options.secretKey ?? target.secretKey);
  const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const { bytes, nonce } = sealRequestEnvelope(key, json);
  const body = options.body ?? (options.binary === true ? bytes : bytes.toString('base64'));
  const res = await request(`${target.url}${path}`, {
    method: 'POST',
    body,
    headers: {
      authorization: `Bearer ${options.apiKey ?? target.apiKey}`,
      'content-type': options.binary === true ? 'application/octet-stream' : 'text/plain',
      ...options.headers,
    },
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const answer: RawAnswer = { status: res.statusCode, headers: res.headers, text: raw.toString('utf8') };
  if (res.statusCode === 200) {
    try {
      const opened = openGenerateResponse(key, options.binary === true ? raw : answer.text, nonce);
      answer.decrypted = JSON.parse(opened.json) as Record<string, unknown>;
    } catch {
      // Left undefined: the test asserts on it.
    }
  }
  return answer;
}
