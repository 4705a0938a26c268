/**
 * Transport options at distance (issue 12, item 3), for bench/distance.mjs:
 * - HTTP/2 (undici `allowH2: true`) against HTTP/1.1, both through the same TLS server (node:http2
 *   `createSecureServer` with `allowHTTP1`, forwarding to the local operator), so only the protocol
 *   differs: cold call, warm p50, throughput, and a burst of first calls on a new client.
 * - TLS session resumption: a new connection for every call (`Connection: close`), with undici's
 *   per-origin session cache (default, `maxCachedSessions` 100) and without it (0), over TLS 1.3 and
 *   TLS 1.2. The TLS server counts full and resumed handshakes, to show resumption really happened.
 */
import tls from 'node:tls';
import { keepAliveAgent, minimalClient, oursClient } from './clients.mjs';
import { iqr, pct, range } from './distance-context.mjs';
import { burst, cold, throughput, warm } from './distance-measure.mjs';

/**
 * An Agent whose connector keeps the last TLS session of the origin strongly. undici's own cache holds
 * sessions through WeakRefs, so a session it caught is often collected before the next connection.
 */
function strongSessionAgent() {
  let session;
  const connect = (opts, callback) => {
    const socket = tls.connect({
      host: opts.hostname,
      port: Number(opts.port),
      session,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    socket.on('session', (s) => {
      session = s;
    });
    socket.once('secureConnect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, null));
    return socket;
  };
  return keepAliveAgent({ connect });
}

/** PublisherClient on a given Agent (the Agent settings of its own, plus `allowH2`); closes both. */
function oursWithAgent(url, credentials, agent) {
  const c = oursClient(url, { ...credentials, options: { dispatcher: agent } });
  return {
    ...c,
    close: async () => {
      await c.close();
      await agent.close();
    },
  };
}

export async function runTransportOptions({ far, credentials, quick, print }) {
  const rttMs = quick ? 20 : 50;
  const reps = quick ? 1 : 3;
  const n = quick ? 1 : 5;
  const warmCalls = quick ? 3 : 30;
  const tput = { maxCalls: quick ? 50 : 3_000, maxMs: quick ? 200 : 1_500 };
  const bursts = quick ? [16] : [16, 64];

  /** Client factories over one front; `h2` makes the Agent offer h2 by ALPN. */
  const variants = {
    'ours, HTTP/1.1': (url) => () => oursWithAgent(url, credentials, keepAliveAgent()),
    'ours, HTTP/2': (url) => () => oursWithAgent(url, credentials, keepAliveAgent({ allowH2: true })),
    'minimal, HTTP/1.1': (url) => () => minimalClient(url, credentials),
    'minimal, HTTP/2': (url) => () =>
      minimalClient(url, { ...credentials, agent: keepAliveAgent({ allowH2: true }) }),
  };
  const h2 = {};
  const names = Object.keys(variants);
  for (const name of names) {
    h2[name] = {
      cold: [],
      warm: [],
      rps16: [],
      rps64: [],
      burst: Object.fromEntries(bursts.map((b) => [b, []])),
    };
  }
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + rep) % names.length];
      const make = variants[name](await far.proxyUrl('h2', rttMs));
      const r = h2[name];
      r.cold.push(...(await cold(make, n)));
      r.warm.push(...(await warm(make, warmCalls)));
      r.rps16.push((await throughput(make, { concurrency: 16, ...tput })).rps);
      if (!quick) r.rps64.push((await throughput(make, { concurrency: 64, ...tput })).rps);
      for (const b of bursts) r.burst[b].push((await burst(make, b)).allMs);
      await far.ask('closeProxies');
    }
  }
  print();
  print(
    `## HTTP/2 against HTTP/1.1 at ${rttMs} ms RTT, same TLS server (node:http2 with allowHTTP1 in front ` +
      `of the local operator); ${reps} repetitions`,
  );
  print();
  print(
    `| client | cold ms | warm p50 ms | calls/s c=16 | calls/s c=64 | ${bursts.map((b) => `${b} first calls at once, ms`).join(' | ')} |`,
  );
  print(`|---|---:|---:|---:|---:|${bursts.map(() => '---:|').join('')}`);
  for (const [name, r] of Object.entries(h2)) {
    print(
      `| ${name} | ${iqr(r.cold)} | ${pct(r.warm, 0.5)} | ${range(r.rps16)} | ${range(r.rps64)} | ` +
        `${bursts.map((b) => iqr(r.burst[b], 0)).join(' | ')} |`,
    );
  }

  const resumption = [];
  // The bench's own TLS 1.3 terminator even when the operator has TLS: it counts resumed handshakes.
  for (const front of ['h1-own', 'h1-tls12']) {
    for (const maxCachedSessions of [100, 0, 'strong']) {
      const url = await far.proxyUrl(front, rttMs);
      await far.ask('reused');
      const agent = () =>
        maxCachedSessions === 'strong'
          ? strongSessionAgent()
          : keepAliveAgent({ connect: { maxCachedSessions } });
      const make = () => minimalClient(url, { ...credentials, reset: true, agent: agent() });
      const times = await warm(make, quick ? 3 : 30);
      const handshakes = await far.ask('reused');
      resumption.push({ front, maxCachedSessions, times, handshakes });
      await far.ask('closeProxies');
    }
  }
  print();
  print(
    `## TLS session resumption at ${rttMs} ms RTT: a new connection for every call (minimal client, ` +
      '`Connection: close`), one undici Agent',
  );
  print();
  print(
    '| TLS | undici maxCachedSessions | call incl. new connection, p50 ms | p99 ms | handshakes full / resumed |',
  );
  print('|---|---:|---:|---:|---:|');
  for (const r of resumption) {
    const version = r.front === 'h1-own' ? '1.3' : '1.2';
    print(
      `| ${version} | ${{ 100: '100 (default)', 0: '0 (off)', strong: 'off; a connector holding the last session' }[r.maxCachedSessions]} | ${pct(r.times, 0.5)} | ` +
        `${pct(r.times, 0.99)} | ${r.handshakes.full} / ${r.handshakes.resumed} |`,
    );
  }
  return { rttMs, h2, resumption };
}
