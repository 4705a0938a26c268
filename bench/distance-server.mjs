/**
 * The far side of the distance benchmarks, in its own process (forked by bench/distance.mjs): the local
 * operator over TLS, TLS variants for the HTTP/2 and resumption measurements, and delaying proxies in
 * front of them, created on request over IPC.
 *
 * TLS: `startLocalOperator({ tls: true })` when dist/testing supports it (its `url` is https), else the
 * bench's own TLS terminator in front of the plain-HTTP operator (bench/tls-front.mjs). The HTTP/2 and
 * TLS 1.2 variants are always the bench's own.
 *
 * Messages: `{ id, cmd: 'proxy', front, rttMs }` -> `{ id, port }`; `{ id, cmd: 'ping', rttMs }` ->
 * `{ id, p50, p99 }`; `{ id, cmd: 'reused' }` -> `{ id, full, resumed }` (TLS connections accepted by
 * the bench's own fronts since the last call); `{ id, cmd: 'closeProxies' }`; `{ id, cmd: 'cpu' }`.
 */
import { startLocalOperator } from '../dist/testing/index.js';
import { pingRtt, startDelayProxy } from './delay-proxy.mjs';
import { makeCertificate, startH2Front, startTlsFront } from './tls-front.mjs';

const certificate = await makeCertificate();
const operator = await startLocalOperator({ tls: true });
const nativeTls = operator.url.startsWith('https:');
// The bench's own fronts need a plain-HTTP operator; with native TLS, a second one with the same client.
const plain = nativeTls
  ? await startLocalOperator({ clients: [{ apiKey: operator.apiKey, secretKey: operator.secretKey }] })
  : operator;
const plainPort = Number(new URL(plain.url).port);

const fronts = new Map();
/** The TLS endpoint named by `front`, started on first use: { port }. */
async function front(name) {
  if (fronts.has(name)) return fronts.get(name);
  let started;
  if (name === 'h1' && nativeTls) started = { port: Number(new URL(operator.url).port) };
  else if (name === 'h1' || name === 'h1-own') started = await startTlsFront(plainPort, certificate);
  else if (name === 'h1-tls12')
    started = await startTlsFront(plainPort, { ...certificate, maxVersion: 'TLSv1.2' });
  else if (name === 'h1-tls12-noticket')
    started = await startTlsFront(plainPort, { ...certificate, maxVersion: 'TLSv1.2', tickets: false });
  else if (name === 'h2') started = await startH2Front(plain.url, certificate);
  else throw new Error(`unknown front ${name}`);
  fronts.set(name, started);
  return started;
}

const proxies = [];
const handlers = {
  async proxy({ front: name, rttMs }) {
    const target = await front(name);
    const proxy = await startDelayProxy({ port: target.port }, { rttMs });
    proxies.push(proxy);
    return { port: proxy.port };
  },
  ping: ({ rttMs }) => pingRtt(rttMs),
  async closeProxies() {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    return {};
  },
  cpu: () => ({ cpu: process.cpuUsage() }),
  reused() {
    const total = { full: 0, resumed: 0 };
    for (const f of fronts.values()) {
      const counted = f.handshakes?.(true) ?? { full: 0, resumed: 0 };
      total.full += counted.full;
      total.resumed += counted.resumed;
    }
    return total;
  },
};

process.on('message', async (message) => {
  try {
    const answer = await handlers[message.cmd](message);
    process.send({ id: message.id, ...answer });
  } catch (error) {
    process.send({ id: message.id, error: String(error?.message ?? error) });
  }
});
process.send({
  ready: true,
  // Both, when the operator has its own: the HTTP/2 and TLS 1.2 fronts are always the bench's.
  ca: nativeTls ? `${operator.ca}\n${certificate.ca}` : certificate.ca,
  nativeTls,
  apiKey: operator.apiKey,
  secretKey: operator.secretKey,
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
