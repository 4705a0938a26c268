/**
 * A delaying TCP proxy on 127.0.0.1 that puts a network distance between a client and a server, so that
 * TCP and TLS handshakes pay real round trips (bench/distance.mjs).
 *
 * The model, for a round trip time RTT (one-way delay d = RTT / 2):
 * - Every chunk, in both directions, is delivered d after it arrived, in arrival order.
 * - The client's own connect to the proxy completes at once on loopback, so the client sends its first
 *   bytes (the TLS ClientHello) at t = 0, where over a real network it could only send them after the
 *   SYN / SYN-ACK round trip, at t = RTT. The proxy therefore holds client bytes until one RTT after the
 *   accept (and connects upstream d after the accept, when the modelled SYN would reach the server):
 *   the ClientHello reaches the server at RTT + d, as it would. A cold TLS 1.3 request then costs
 *   3 RTT (TCP, TLS, request), a warm one 1 RTT.
 * - No bandwidth limit, no loss, no jitter beyond the timer's (~1 ms, measured by `pingRtt`).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One direction of a connection: a FIFO of chunks, each released at its due time by a single timer, so
 * order is kept however the timers round.
 */
class DelayedPipe {
  #queue = [];
  #timer = null;
  #ended = false;

  /** @param {net.Socket} target @param {number} delayMs */
  constructor(target, delayMs) {
    this.target = target;
    this.delayMs = delayMs;
  }

  /** Queues a chunk (or the end, as null) due at `notBefore` + the one-way delay. */
  push(chunk, notBefore = performance.now()) {
    const due = Math.max(performance.now(), notBefore) + this.delayMs;
    this.#queue.push({ chunk, due });
    this.#schedule();
  }

  #schedule() {
    if (this.#timer !== null || this.#queue.length === 0) return;
    const wait = this.#queue[0].due - performance.now();
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, Math.ceil(wait)));
  }

  #drain() {
    this.#timer = null;
    const now = performance.now();
    // Timers may fire a fraction of a millisecond early after rounding: allow 0.5 ms.
    while (this.#queue.length > 0 && this.#queue[0].due <= now + 0.5) {
      const { chunk } = this.#queue.shift();
      if (this.target.destroyed || this.#ended) continue;
      if (chunk === null) {
        this.#ended = true;
        this.target.end();
      } else {
        this.target.write(chunk);
      }
    }
    this.#schedule();
  }

  close() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

/**
 * Starts the proxy in front of `target` (`{ host, port }`).
 *
 * @param {{ host?: string, port: number }} target
 * @param {{ rttMs: number }} options
 * @returns {Promise<{ port: number, host: string, setRtt(ms: number): void, connections(): number, close(): Promise<void> }>}
 */
export async function startDelayProxy(target, { rttMs }) {
  let rtt = rttMs;
  const open = new Set();
  const server = net.createServer((client) => {
    const acceptedAt = performance.now();
    const oneWay = rtt / 2;
    client.setNoDelay(true);
    const upstream = new net.Socket();
    upstream.setNoDelay(true);
    const toServer = new DelayedPipe(upstream, oneWay);
    const toClient = new DelayedPipe(client, oneWay);
    // Client bytes cannot leave before the modelled TCP handshake is over (see the header).
    const handshakeDone = acceptedAt + rtt;
    const pair = { client, upstream };
    open.add(pair);
    // A close is passed on like data, after the queued chunks, with a graceful end(): destroying the
    // other side at once would drop bytes still queued or unflushed. Errors destroy both at once.
    const destroy = () => {
      toServer.close();
      toClient.close();
      client.destroy();
      upstream.destroy();
      open.delete(pair);
    };
    client.on('data', (chunk) => toServer.push(chunk, handshakeDone));
    client.on('end', () => toServer.push(null, handshakeDone));
    client.on('close', () => toServer.push(null, handshakeDone));
    upstream.on('data', (chunk) => toClient.push(chunk));
    upstream.on('end', () => toClient.push(null));
    upstream.on('close', () => toClient.push(null));
    client.on('error', destroy);
    upstream.on('error', destroy);
    let closed = 0;
    const bothClosed = () => {
      if (++closed === 2) destroy();
    };
    client.once('close', bothClosed);
    upstream.once('close', bothClosed);
    // Connect upstream when the modelled SYN reaches the server (d after the accept); no client byte
    // is due before handshakeDone + d, so nothing waits on this connect.
    setTimeout(() => {
      if (!client.destroyed) upstream.connect(target.port, target.host ?? '127.0.0.1');
    }, oneWay);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    host: '127.0.0.1',
    port: server.address().port,
    /** Changes the RTT of connections accepted from now on. */
    setRtt(ms) {
      rtt = ms;
    },
    connections: () => open.size,
    close: () =>
      new Promise((resolve) => {
        for (const { client, upstream } of open) {
          client.destroy();
          upstream.destroy();
        }
        open.clear();
        server.close(() => resolve());
      }),
  };
}

/**
 * The proxy's real round trip, without TLS or HTTP: a TCP echo server behind a fresh proxy, `count`
 * one-byte ping-pongs on one connection after the first. Returns the median and p99 in ms; the excess
 * over the configured RTT is the timer overhead that every figure through the proxy includes.
 */
export async function pingRtt(rttMs, count = 20) {
  const echo = net.createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxy = await startDelayProxy({ port: echo.address().port }, { rttMs });
  const socket = net.connect(proxy.port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const times = [];
  try {
    for (let i = 0; i <= count; i++) {
      const start = performance.now();
      await new Promise((resolve) => {
        socket.once('data', resolve);
        socket.write('x');
      });
      // The first ping also pays the modelled TCP handshake.
      if (i > 0) times.push(performance.now() - start);
    }
  } finally {
    socket.destroy();
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p99: times[times.length - 1] };
}
