/**
 * Keeps the `/_local/*` controls out of reach of web pages. The operator listens on 127.0.0.1 only,
 * but any page a developer opens can still send it requests:
 * - DNS rebinding: a page on `evil.example` re-points its name at 127.0.0.1 and then reads and writes
 *   the controls as "same origin". Its requests carry `Host: evil.example:PORT`, so only loopback
 *   names (and IP literals the developer chose, which cannot be rebound) are accepted.
 * - CSRF: a form or `fetch(…, { mode: 'no-cors' })` can POST `text/plain` from any origin. Browsers
 *   send `Origin` with such POSTs, and cannot send `Content-Type: application/json` cross-origin
 *   without a preflight, which the controls never grant. So a foreign `Origin`, a cross-site
 *   `Sec-Fetch-Site`, or a POST that is not JSON is refused.
 * The UID2 routes are not guarded: they keep the operator's open CORS behaviour.
 */
import type { IncomingMessage } from 'node:http';
import { jsonReply, type Reply } from './http.js';

/**
 * Where the operator is reachable: its scheme and port, and host names besides the loopback ones.
 *
 * @example
 * ```ts
 * const site: ControlSite = { scheme: 'https', port: 40123, extraHosts: ['10.0.2.2'] };
 * ```
 */
export interface ControlSite {
  scheme: 'http' | 'https';
  port: number;
  /** Lower-case names or IP literals (IPv6 without brackets) also accepted in `Host` and `Origin`. */
  extraHosts: readonly string[];
}

const IPV4_LOOPBACK =
  /^127\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * `name[:port]` or `[v6][:port]` split, the name lower-cased and IPv6 brackets removed; without a port,
 * the scheme's default (what browsers leave out).
 */
function splitHost(host: string, scheme: ControlSite['scheme']): { name: string; port: number } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/@]+))(?::(\d{1,5}))?$/.exec(host);
  if (match === null) return null;
  const port = match[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(match[3]);
  return { name: (match[1] ?? match[2] ?? '').toLowerCase(), port };
}

/** Whether `host` (a Host header or an origin's host) names this operator. */
function isOwnHost(host: string, site: ControlSite): boolean {
  const parts = splitHost(host, site.scheme);
  if (parts === null || parts.port !== site.port) return false;
  const { name } = parts;
  return name === 'localhost' || name === '::1' || IPV4_LOOPBACK.test(name) || site.extraHosts.includes(name);
}

function forbidden(message: string): Reply {
  return jsonReply(403, { message, status: 'forbidden' });
}

/**
 * The 403 to answer instead of running a control request, or null when the request may run.
 *
 * @example
 * ```ts
 * const refusal = refuseControl(req, { scheme: 'http', port: 40123, extraHosts: [] });
 * if (refusal !== null) return writer.write(res, refusal);
 * ```
 */
export function refuseControl(req: IncomingMessage, site: ControlSite): Reply | null {
  // HTTP/2 carries the host as :authority; the compatibility API leaves Host unset then.
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
  if (host === undefined || !isOwnHost(host, site)) {
    return forbidden(
      'control routes answer only requests addressed to a loopback host and the operator port',
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const prefix = `${site.scheme}://`;
    if (!origin.startsWith(prefix) || !isOwnHost(origin.slice(prefix.length), site)) {
      return forbidden('control routes refuse cross-origin requests');
    }
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return forbidden('control routes refuse cross-site requests');
  }
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return forbidden('control POSTs must be sent with Content-Type: application/json');
    }
  }
  return null;
}
