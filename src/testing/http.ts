/**
 * HTTP plumbing of the local operator: answers as values (so faults can rewrite them before they are
 * written), the operator's JSON bodies, encrypted 200 bodies, and body reading under the 1 MiB limit.
 */
import type { IncomingMessage } from 'node:http';
import { ENDPOINTS, type EndpointLabel } from '../endpoints/table.js';
import { sealGenerateResponse, sealRefreshResponse } from '../envelope.js';

/**
 * The operator's body limit (UIDOperatorVerticle MAX_REQUEST_BODY_SIZE = 1 << 20).
 *
 * @example
 * ```ts
 * readBody(req, MAX_REQUEST_BODY_BYTES); // 'too-large' past 1 MiB
 * ```
 */
export const MAX_REQUEST_BODY_BYTES = 1 << 20;

/**
 * What an encrypted 200 was made of, kept so that faults can re-seal the same JSON differently.
 *
 * @example
 * ```ts
 * sealedReply({ endpoint: 'refresh', json: '{"status":"optout"}', key, binary: false });
 * ```
 */
export interface SealedBody {
  /** Which endpoint answers; its envelope kind (ENDPOINTS) decides how the JSON is sealed. */
  endpoint: EndpointLabel;
  json: string;
  key: Buffer;
  /** Secret-envelope endpoints only: the request nonce and the operator timestamp of the prefix. */
  nonce?: Buffer;
  timestamp?: number;
  binary: boolean;
}

/**
 * One HTTP answer, not yet written.
 *
 * @example
 * ```ts
 * const reply: Reply = jsonReply(401, { status: 'unauthorized' });
 * ```
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  sealed?: SealedBody;
}

/**
 * An answer with a JSON body; keys keep their order, which mirrors the operator's (message first).
 *
 * @example
 * ```ts
 * jsonReply(401, { status: 'unauthorized' }).body.toString(); // '{"status":"unauthorized"}'
 * ```
 */
export function jsonReply(status: number, value: unknown): Reply {
  return {
    status,
    headers: { 'Content-Type': 'application/json' },
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}

/**
 * The operator's 400 `{"message":…,"status":"client_error"}`.
 *
 * @example
 * ```ts
 * clientError('Invalid Identifier'); // 400 {"message":"Invalid Identifier","status":"client_error"}
 * ```
 */
export function clientError(message: string): Reply {
  return jsonReply(400, { message, status: 'client_error' });
}

/**
 * A text answer; Vert.x writes its 404/405/413 and health-check bodies without a Content-Type.
 *
 * @example
 * ```ts
 * textReply(200, 'OK'); // the health check
 * ```
 */
export function textReply(status: number, text: string, contentType?: string): Reply {
  const headers: Record<string, string> = contentType === undefined ? {} : { 'Content-Type': contentType };
  return { status, headers, body: Buffer.from(text, 'utf8') };
}

/**
 * An encrypted 200: generate and validate bodies carry the ts || nonce prefix, refresh bodies do not. Binary mode
 * answers raw bytes, text mode base64 (V2PayloadHandler.writeResponseBody). A key the cipher refuses
 * gives the operator's 500 `{"message":"","status":"error"}`.
 *
 * @example
 * ```ts
 * sealedReply({ endpoint: 'generate', json, key: secret, nonce, timestamp: now, binary: false });
 * ```
 */
export function sealedReply(sealed: SealedBody): Reply {
  let bytes: Buffer;
  try {
    bytes =
      ENDPOINTS[sealed.endpoint].envelope === 'secret'
        ? sealGenerateResponse(
            sealed.key,
            sealed.timestamp ?? 0,
            sealed.nonce ?? Buffer.alloc(8),
            sealed.json,
          )
        : sealRefreshResponse(sealed.key, sealed.json);
  } catch {
    return jsonReply(500, { message: '', status: 'error' });
  }
  return encodedReply(bytes, sealed.binary, sealed);
}

/**
 * Bytes as a 200 in the request's mode.
 *
 * @example
 * ```ts
 * encodedReply(bytes, false).body.toString(); // base64 of bytes, text/plain
 * ```
 */
export function encodedReply(bytes: Buffer, binary: boolean, sealed?: SealedBody): Reply {
  const reply: Reply = binary
    ? { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: bytes }
    : { status: 200, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(bytes.toString('base64')) };
  if (sealed !== undefined) reply.sealed = sealed;
  return reply;
}

/**
 * Binary mode: the whole Content-Type value equals `application/octet-stream`, ignoring case.
 *
 * @example
 * ```ts
 * isBinaryRequest(req); // true for 'Application/Octet-Stream', false with '; charset=...'
 * ```
 */
export function isBinaryRequest(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase() === 'application/octet-stream';
}

/**
 * Reads the body, stopping as soon as it passes `limit` (a declared Content-Length over the limit
 * stops it before any byte is read). Resolves null when the client went away first.
 *
 * @example
 * ```ts
 * const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
 * if (body === 'too-large') writer.tooLarge(req, res);
 * ```
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: Buffer | 'too-large' | null) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done('too-large');
      else chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onAbort = () => done(null);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

/**
 * Vert.x's answer when no route matches (RoutingContextImpl DEFAULT_404).
 *
 * @example
 * ```ts
 * notFound().status; // 404
 * ```
 */
export function notFound(): Reply {
  return textReply(404, '<html><body><h1>Resource not found</h1></body></html>', 'text/html; charset=utf-8');
}
