/**
 * The local operator's listening socket: node:http, node:https, or node:http2 with HTTP/1.1 fallback
 * on the same port, always on 127.0.0.1. It keeps every TCP connection so that `close()` ends them all
 * at once, stalled ones and open HTTP/2 sessions included.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Uid2Error } from '../errors.js';
import type { ResolvedTls } from './tls.js';

/**
 * A request handler for either protocol. The HTTP/2 compatibility API gives objects that behave like
 * node:http's for everything the operator uses (status, headers, body, `socket.destroy()` ends the
 * stream), so one handler serves both.
 *
 * @example
 * ```ts
 * const handler: RequestHandler = (req, res) => res.end('OK');
 * ```
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A listening server.
 *
 * @example
 * ```ts
 * const listening = await listen({ port: 0, handler });
 * listening.url; // 'http://127.0.0.1:40123'
 * await listening.close();
 * ```
 */
export interface Listening {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function createServer(tls: ResolvedTls | undefined, http2: boolean, handler: RequestHandler): Server {
  if (tls === undefined) {
    if (http2)
      throw new Uid2Error(
        'UID2_INVALID_CONFIG',
        'http2 needs tls (browsers and undici speak h2 over TLS only)',
      );
    return createHttpServer(handler);
  }
  const secure = { cert: tls.cert, key: tls.key };
  if (!http2) return createHttpsServer(secure, handler);
  return createSecureServer({ ...secure, allowHTTP1: true }, handler as never) as unknown as Server;
}

/**
 * Starts listening on 127.0.0.1.
 *
 * @example
 * ```ts
 * const listening = await listen({ port: 0, tls, http2: true, handler });
 * ```
 */
export async function listen(options: {
  port: number;
  tls: ResolvedTls | undefined;
  http2: boolean;
  handler: RequestHandler;
}): Promise<Listening> {
  const server = createServer(options.tls, options.http2, options.handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    // The listen error (EADDRINUSE, EACCES) passes unchanged: the CLI turns its code into a usage error.
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
