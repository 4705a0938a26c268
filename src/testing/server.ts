/**
 * Routing of the local operator, in the order the real one applies its handlers: CORS, routes (404 and
 * 405 from Vert.x), the 1 MiB body limit (413), auth (401 on generate), then the endpoint logic. Faults
 * are taken after the request is counted and its body read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTROL_PREFIX } from './controls.js';
import { replacementReply, transformReply } from './faults.js';
import { handleGenerate } from './generate.js';
import {
  isBinaryRequest,
  jsonReply,
  MAX_REQUEST_BODY_BYTES,
  notFound,
  type Reply,
  readBody,
  textReply,
} from './http.js';
import { handleRefresh } from './refresh.js';
import type { OperatorState } from './state.js';
import type { StatsEndpoint } from './stats.js';
import type { ReplyWriter } from './writer.js';

const ROUTES: Record<string, { method: string; endpoint: StatsEndpoint }> = {
  '/v2/token/generate': { method: 'POST', endpoint: 'generate' },
  '/v2/token/refresh': { method: 'POST', endpoint: 'refresh' },
  '/ops/healthcheck': { method: 'GET', endpoint: 'healthcheck' },
};

const CORS_ALLOWED_HEADERS =
  'X-UID2-Client-Version,Access-Control-Request-Method,Access-Control-Allow-Credentials,' +
  'Access-Control-Allow-Origin,Access-Control-Allow-Headers,Content-Type';

/**
 * Answers a control request (`path` without the prefix), or null when the control route is off.
 *
 * @example
 * ```ts
 * const control: ControlHandler = (method, path, body) => handleControl(op, method, path, body);
 * ```
 */
export type ControlHandler = (method: string, path: string, body: Buffer) => Reply;

/**
 * The operator's request listener.
 *
 * @example
 * ```ts
 * const listener = createRequestListener(state, writer, null);
 * createServer((req, res) => void listener(req, res));
 * ```
 */
export function createRequestListener(
  state: OperatorState,
  writer: ReplyWriter,
  control: ControlHandler | null,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const count = (res: ServerResponse, reply: Reply) => {
    state.stats.countStatus(reply.status);
    writer.write(res, reply);
  };

  const tokenRoute = async (req: IncomingMessage, res: ServerResponse, endpoint: 'generate' | 'refresh') => {
    const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    if (body === null || writer.closed) return;
    if (body === 'too-large') {
      state.stats.countStatus(413);
      return writer.tooLarge(req, res);
    }
    const fault = state.faults.take(endpoint);
    if (fault?.kind === 'delay') await writer.sleep(fault.ms);
    if (writer.closed || res.destroyed) return;
    if (fault?.kind === 'reset') {
      state.stats.countStatus('reset');
      req.socket.destroy();
      return;
    }
    let reply = fault === undefined ? undefined : replacementReply(fault, endpoint);
    if (reply === undefined) {
      reply = endpoint === 'generate' ? generate(state, req, body) : refresh(state, req, body);
      if (fault !== undefined) reply = transformReply(fault, reply);
    }
    state.stats.countStatus(reply.status);
    if (fault?.kind === 'stall') return writer.stall(res, reply, fault.ms);
    if (fault?.kind === 'truncated') return writer.truncate(req, res, reply);
    writer.write(res, reply);
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The Date header shows the operator's clock, offset included, as a real operator's would: clients
    // learn their skew from it.
    res.setHeader('Date', new Date(state.now()).toUTCString());
    if (cors(req, res)) return writer.write(res, textReply(204, ''));
    if (control !== null && url.pathname.startsWith(CONTROL_PREFIX)) {
      const body = await readBody(req, 64 * 1024);
      if (body === null) return;
      if (body === 'too-large') return writer.tooLarge(req, res);
      return writer.write(res, control(req.method ?? '', url.pathname.slice(CONTROL_PREFIX.length), body));
    }
    const route = ROUTES[url.pathname];
    const matched = route !== undefined && route.method === req.method;
    const version = req.headers['x-uid2-client-version'];
    const clientVersion =
      typeof version === 'string' ? version : (url.searchParams.get('client') ?? undefined);
    state.stats.countRequest(matched ? route.endpoint : 'other', clientVersion);
    // Vert.x answers an unmatched method with an empty 405 and an unknown path with its HTML 404.
    if (!matched) return count(res, route === undefined ? notFound() : textReply(405, ''));
    if (route.endpoint === 'healthcheck') return count(res, textReply(200, 'OK'));
    await tokenRoute(req, res, route.endpoint as 'generate' | 'refresh');
  };
}

/** Vert.x CorsHandler with a match-all origin; true when this was a preflight to answer with 204. */
function cors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
  res.setHeader('Access-Control-Allow-Methods', 'GET,POST,OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
  return true;
}

function generate(state: OperatorState, req: IncomingMessage, body: Buffer): Reply {
  // 401 comes before any look at the body, but after the body limit (BodyHandler runs first).
  const client = state.clients.authorizeGenerator(req.headers.authorization);
  if (client === null) return jsonReply(401, { status: 'unauthorized' });
  return handleGenerate(state, client, body, isBinaryRequest(req));
}

function refresh(state: OperatorState, req: IncomingMessage, body: Buffer): Reply {
  const authenticated = state.clients.resolve(req.headers.authorization) !== null;
  return handleRefresh(state, body.toString('utf8'), authenticated, isBinaryRequest(req));
}
