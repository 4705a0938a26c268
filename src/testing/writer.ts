/**
 * Writes replies to sockets, including the misbehaving ways faults need (stall, truncate, the 413
 * close), and owns every timer of the operator so that `close()` can cancel them all at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Reply, textReply } from './http.js';

/**
 * Writes replies and keeps track of pending timers.
 *
 * @example
 * ```ts
 * const writer = new ReplyWriter();
 * writer.write(res, textReply(200, 'OK'));
 * writer.close(); // cancels every timer
 * ```
 */
export class ReplyWriter {
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;

  /** True once {@link close} ran: handlers stop instead of answering. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Cancels every timer; pending sleeps resolve at once. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.#timers.clear();
  }

  /** Waits `ms`, or less if the operator closes meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
  }

  /** Writes a reply; with `end: false` only the status and headers (with `declaredLength`). */
  write(res: ServerResponse, reply: Reply, end = true, declaredLength = reply.body.length): void {
    if (res.destroyed) return;
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.setHeader('Content-Length', declaredLength);
    if (end) res.end(reply.body);
  }

  /** Headers and half the body now; the rest after `ms`, or never (the client has to give up). */
  stall(res: ServerResponse, reply: Reply, ms: number | undefined): void {
    this.write(res, reply, false);
    const half = Math.floor(reply.body.length / 2);
    res.write(reply.body.subarray(0, half));
    if (ms === undefined) return;
    void this.sleep(ms).then(() => {
      if (!res.destroyed && !this.#closed) res.end(reply.body.subarray(half));
    });
  }

  /** Promises more bytes than it sends, then closes the connection. */
  truncate(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    this.write(res, reply, false, reply.body.length + 16);
    res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => req.socket.destroy());
  }

  /**
   * 413 as Vert.x sends it, without reading further: the rest of the body is discarded unread, and the
   * connection is closed shortly after, which leaves the client time to read the answer.
   */
  tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 forbids connection headers; there, destroying the "socket" ends only this stream.
    if (req.httpVersionMajor < 2) res.setHeader('Connection', 'close');
    this.write(res, textReply(413, 'Request Entity Too Large'));
    req.resume();
    void this.sleep(2000).then(() => req.socket.destroy());
  }
}
