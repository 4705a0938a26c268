/**
 * Routing of the local operator. The `/_local/*` controls come first, behind their guard
 * (control-guard.ts). Then the order the real operator applies its handlers: CORS, routes (404 and 405
 * from Vert.x, token routes from ENDPOINTS), the 1 MiB body limit (413), auth (401 on generate and
 * validate), then the endpoint logic. Faults are taken after the request is counted and its body read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENDPOINT_LABELS, ENDPOINTS, type EndpointLabel } from '../endpoints/table.js';
import { type ControlSite, refuseControl } from './control-guard.js';
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
import { handleValidate } from './validate.js';
import type { ReplyWriter } from './writer.js';

/** Answers one token request after its body was read and before faults rewrite the answer. */
type TokenHandler = (state: OperatorState, req: IncomingMessage, body: Buffer) => Reply;

/** One handler per endpoint label: a new row in ENDPOINTS that has no handler fails to compile. */
const HANDLERS: Readonly<Record<EndpointLabel, TokenHandler>> = {
  generate: (state, req, body) => {
    // 401 comes before any look at the body, but after the body limit (BodyHandler runs first).
    const client = state.clients.authorizeGenerator(req.headers.authorization);
    if (client === null) return unauthorized();
    return handleGenerate(state, client, body, isBinaryRequest(req));
  },
  refresh: (state, req, body) => {
    const authenticated = state.clients.resolve(req.headers.authorization) !== null;
    return handleRefresh(state, body.toString('utf8'), authenticated, isBinaryRequest(req));
  },
  validate: (state, req, body) => {
    // The same role and the same 401 as generate (PROTOCOL.md §14).
    const client = state.clients.authorizeGenerator(req.headers.authorization);
    if (client === null) return unauthorized();
    return handleValidate(state, client, body, isBinaryRequest(req));
  },
};

/** Path to route, derived from ENDPOINTS: every token endpoint is a POST; the health check a GET. */
const ROUTES: ReadonlyMap<string, { method: string; endpoint: StatsEndpoint }> = new Map<
  string,
  { method: string; endpoint: StatsEndpoint }
>([
  ...ENDPOINT_LABELS.map((label) => [ENDPOINTS[label].path, { method: 'POST', endpoint: label }] as const),
  ['/ops/healthcheck', { method: 'GET', endpoint: 'healthcheck' }],
]);

function unauthorized(): Reply {
  return jsonReply(401, { status: 'unauthorized' });
}

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
 * const listener = createRequestListener(state, writer, null, () => ({ scheme: 'http', port, extraHosts: [] }));
 * createServer((req, res) => void listener(req, res));
 * ```
 */
export function createRequestListener(
  state: OperatorState,
  writer: ReplyWriter,
  control: ControlHandler | null,
  site: () => ControlSite,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const count = (res: ServerResponse, reply: Reply) => {
    state.stats.countStatus(reply.status);
    writer.write(res, reply);
  };

  const tokenRoute = async (req: IncomingMessage, res: ServerResponse, endpoint: EndpointLabel) => {
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
      reply = HANDLERS[endpoint](state, req, body);
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
    // Controls first: they are never answered with CORS headers, and a page may not reach them.
    if (control !== null && url.pathname.startsWith(CONTROL_PREFIX)) {
      const refusal = refuseControl(req, site());
      if (refusal !== null) return writer.write(res, refusal);
      const body = await readBody(req, 64 * 1024);
      if (body === null) return;
      if (body === 'too-large') return writer.tooLarge(req, res);
      return writer.write(res, control(req.method ?? '', url.pathname.slice(CONTROL_PREFIX.length), body));
    }
    if (cors(req, res, url.pathname)) return writer.write(res, textReply(204, ''));
    const route = ROUTES.get(url.pathname);
    const matched = route !== undefined && route.method === req.method;
    const version = req.headers['x-uid2-client-version'];
    const clientVersion =
      typeof version === 'string' ? version : (url.searchParams.get('client') ?? undefined);
    state.stats.countRequest(matched ? route.endpoint : 'other', clientVersion);
    // Vert.x answers an unmatched method with an empty 405 and an unknown path with its HTML 404.
    if (!matched) return count(res, route === undefined ? notFound() : textReply(405, ''));
    if (route.endpoint === 'healthcheck') return count(res, textReply(200, 'OK'));
    await tokenRoute(req, res, route.endpoint as EndpointLabel);
  };
}

/** Vert.x CorsHandler with a match-all origin; true when this was a preflight to answer with 204. */
function cors(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
  res.setHeader('Access-Control-Allow-Methods', 'GET,POST,OPTIONS');
  // The validate route's CORS handler also lets a page send the API key (PROTOCOL.md §14).
  const authorization = pathname === ENDPOINTS.validate.path ? ',Authorization' : '';
  res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS + authorization);
  return true;
}
