/**
 * A scripted operator for tests that need answers no honest operator gives: it opens each request
 * envelope with the client secret (so it knows the nonce) and answers whatever the test's script says
 * (any status, headers, timestamp or JSON), sealed like the real operator's when asked to.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gcmOpen, sealGenerateResponse, sealRefreshResponse } from '../../src/envelope.js';

/** What the script sees of one request. */
export interface ScriptedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** For envelope endpoints: the request's timestamp, nonce and JSON. */
  envelope?: { timestamp: number; nonce: Buffer; json: string };
}

/** What the script answers. */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Raw text body. */
  text?: string;
  /** A 200 sealed under the client secret with this timestamp and the request's nonce. */
  sealed?: { json: string; timestamp?: number | bigint };
  /** A 200 sealed under a refresh response key (refresh answers). */
  sealedRefresh?: { json: string; key: string };
  /** Wait this long before answering, ms. */
  delayMs?: number;
}

export interface ScriptedOperator {
  url: string;
  requests: ScriptedRequest[];
  script: (request: ScriptedRequest) => ScriptedAnswer;
  close(): Promise<void>;
}

/** Starts a scripted operator on 127.0.0.1 for the client secret `secretKey` (base64). */
export async function startScriptedOperator(
  secretKey: string,
  script: (request: ScriptedRequest) => ScriptedAnswer,
): Promise<ScriptedOperator> {
  const key = Buffer.from(secretKey, 'base64');
  const state: ScriptedOperator = { url: '', requests: [], script, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const request: ScriptedRequest = { path: req.url ?? '', headers: req.headers, body };
    const bytes = Buffer.from(body, 'base64');
    const plain = bytes.length > 45 ? gcmOpen(key, bytes, 1) : null;
    if (plain !== null) {
      request.envelope = {
        timestamp: Number(plain.readBigInt64BE(0)),
        nonce: plain.subarray(8, 16),
        json: plain.toString('utf8', 16),
      };
    }
    state.requests.push(request);
    const answer = state.script(request);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    let text = answer.text ?? '';
    if (answer.sealed && request.envelope) {
      const timestamp = answer.sealed.timestamp ?? Date.now();
      text = sealGenerateResponse(key, timestamp, request.envelope.nonce, answer.sealed.json).toString(
        'base64',
      );
    }
    if (answer.sealedRefresh) {
      text = sealRefreshResponse(
        Buffer.from(answer.sealedRefresh.key, 'base64'),
        answer.sealedRefresh.json,
      ).toString('base64');
    }
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** An identity body valid for an hour from `now`, with a given refresh key. */
export function freshIdentity(now: number, refreshResponseKey: string): Record<string, unknown> {
  return {
    advertising_token: `A4AAAB${'x'.repeat(212)}`,
    refresh_token: `AAAAAB${'y'.repeat(382)}`,
    identity_expires: now + 3_600_000,
    refresh_expires: now + 86_400_000,
    refresh_from: now + 1_800_000,
    refresh_response_key: refreshResponseKey,
  };
}
