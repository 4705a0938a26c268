/**
 * TLS for the distance benchmarks when the local operator cannot serve it itself: a self-signed
 * certificate for 127.0.0.1, a TLS terminator (HTTP/1.1, one plain TCP connection to the operator per
 * TLS connection, so keep-alive behaves exactly as the operator's), and an HTTP/2 + HTTP/1.1 TLS server
 * that forwards each request to the operator over a keep-alive pool.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { Pool } from 'undici';

/** A self-signed certificate valid for 127.0.0.1 and localhost; `ca` is what a client must trust. */
export async function makeCertificate() {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    days: 2,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, ca: pems.cert };
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * A TLS terminator on 127.0.0.1 in front of `targetPort`. `maxVersion` ('TLSv1.2') forces the older
 * protocol, whose full handshake costs two round trips instead of one. `tickets: false` turns session
 * resumption off on the server side.
 */
export async function startTlsFront(targetPort, { key, cert, maxVersion, tickets = true }) {
  const sockets = new Set();
  const handshakes = { full: 0, resumed: 0 };
  const server = tls.createServer(
    {
      key,
      cert,
      ALPNProtocols: ['http/1.1'],
      ...(maxVersion ? { maxVersion } : {}),
      ...(tickets ? {} : { secureOptions: tlsNoTicket() }),
    },
    (secure) => {
      if (secure.isSessionReused()) handshakes.resumed++;
      else handshakes.full++;
      const plain = net.connect(targetPort, '127.0.0.1');
      plain.setNoDelay(true);
      secure.setNoDelay?.(true);
      sockets.add(secure);
      // pipe() passes each end on gracefully; destroying the TLS side when the operator closes would
      // drop an answer still being encrypted or flushed (a `Connection: close` reply).
      secure.pipe(plain).pipe(secure);
      const destroy = () => {
        secure.destroy();
        plain.destroy();
      };
      secure.on('error', destroy).on('close', () => {
        plain.destroy();
        sockets.delete(secure);
      });
      plain.on('error', destroy);
    },
  );
  const port = await listen(server);
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    /** TLS handshakes accepted so far, full and resumed; `reset` starts the count again. */
    handshakes(reset = false) {
      const counted = { ...handshakes };
      if (reset) Object.assign(handshakes, { full: 0, resumed: 0 });
      return counted;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** SSL_OP_NO_TICKET: no TLS 1.2 tickets; with TLS 1.3, Node then sends no tickets either. */
function tlsNoTicket() {
  return tls.constants?.SSL_OP_NO_TICKET ?? 0x4000;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

/**
 * An HTTP/2 TLS server (HTTP/1.1 too, by ALPN) on 127.0.0.1 that forwards every request to `targetUrl`
 * (the plain-HTTP operator) and sends the answer back. Both protocols take the same path, so H1 and
 * H2 clients are compared on equal terms.
 */
export async function startH2Front(targetUrl, { key, cert }) {
  const pool = new Pool(targetUrl, { connections: 128, keepAliveTimeout: 60_000 });
  const sessions = new Set();
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const headers = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!name.startsWith(':') && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      const answer = await pool.request({
        path: req.url,
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      const out = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name)) out[name] = value;
      }
      out['content-length'] = String(body.length);
      res.writeHead(answer.statusCode, out);
      res.end(body);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    }
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket) => socket.setNoDelay(true));
  const port = await listen(server);
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
