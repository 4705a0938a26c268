/**
 * No abandoned body can crash the process (issue 8, point 1). Each scenario runs in a child `node`
 * process with no error handlers of its own, so an 'error' event nobody hears, or an unhandled
 * rejection, kills the child and fails the test. Swept: response caps x the ways a body arrives
 * (one read, chunked, lying Content-Length either way) x plain HTTP and TLS, plus the other ways a body
 * is abandoned (error status, redirect, stall, caller abort).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs `script` with node from the repository's .tmp/, where 'uid2-publisher' resolves (through the
 * package's own exports) to dist/, which the vitest global setup has just built from the sources.
 */
function runChild(script: string, env: Record<string, string>): Promise<string> {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const file = join(ROOT, '.tmp', `crash-safety-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [file],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        rmSync(file, { force: true });
        if (error) reject(new Error(`child failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The child: raw servers that answer each way, a client per cap, the codes printed as JSON. */
const SCRIPT = String.raw`
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Agent } from 'undici';
import selfsigned from 'selfsigned';
import { PublisherClient } from 'uid2-publisher';

const secretKey = Buffer.alloc(32, 7).toString('base64');
const modes = JSON.parse(process.env.MODES);
const caps = JSON.parse(process.env.CAPS);

function answer(socket, mode, cap) {
  const big = Buffer.alloc(cap * 2 + 17, 0x41);
  const head = (status, headers) => 'HTTP/1.1 ' + status + '\r\n' + headers.join('\r\n') + '\r\n\r\n';
  switch (mode) {
    case 'one-read':
      return socket.end(Buffer.concat([Buffer.from(head('200 OK', ['Content-Length: ' + big.length])), big]));
    case 'chunked': {
      socket.write(head('200 OK', ['Transfer-Encoding: chunked']));
      for (let i = 0; i < big.length; i += 700) {
        const part = big.subarray(i, i + 700);
        socket.write(part.length.toString(16) + '\r\n');
        socket.write(part);
        socket.write('\r\n');
      }
      return socket.end('0\r\n\r\n');
    }
    case 'lying-short':
      return socket.end(Buffer.concat([Buffer.from(head('200 OK', ['Content-Length: 100'])), big]));
    case 'lying-long':
      socket.write(head('200 OK', ['Content-Length: ' + big.length * 4]));
      return socket.end(big);
    case 'error-status':
      return socket.end(Buffer.concat([Buffer.from(head('503 Service Unavailable', ['Content-Length: ' + big.length])), big]));
    case 'redirect':
      return socket.end(Buffer.concat([Buffer.from(head('302 Found', ['Location: /elsewhere', 'Content-Length: ' + big.length])), big]));
    case 'stall':
    case 'abort':
      // Declared under the cap, then silence: the body is abandoned mid-read.
      socket.write(head('200 OK', ['Content-Length: ' + (cap - 1)]));
      return socket.write(big.subarray(0, 100));
  }
}

async function serve(tls) {
  const onConnection = (socket) => {
    socket.on('error', () => {});
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(seen)?.[1] ?? 0);
      if (seen.length >= end + 4 + length) {
        // The way to answer and the cap are in the path (the client's baseUrl): /MODE/CAP/v2/...
        const [, mode, cap] = /^POST \/([a-z-]+)\/(\d+)\//.exec(seen) ?? [];
        seen = '';
        answer(socket, mode, Number(cap));
      }
    });
  };
  if (!tls) {
    const server = createServer(onConnection);
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    return { server, url: 'http://127.0.0.1:' + server.address().port };
  }
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const server = createTlsServer({ key: pems.private, cert: pems.cert }, onConnection);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: 'https://127.0.0.1:' + server.address().port, ca: pems.cert };
}

const settle = () => new Promise((r) => setImmediate(r));
const servers = [await serve(false), await serve(true)];

// Every (way, cap, transport) at once, each with its own client: they share nothing but the process.
async function one(mode, cap, { url, ca }) {
  const dispatcher = ca === undefined ? undefined : new Agent({ connect: { ca } });
  const client = new PublisherClient({
    baseUrl: url + '/' + mode + '/' + cap, apiKey: 'UID2-C-L-1-abcdef.' + 'x'.repeat(38), secretKey,
    maxResponseBytes: cap, retries: 0, timeoutMs: mode === 'stall' ? 150 : 3000,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  const controller = new AbortController();
  if (mode === 'abort') setTimeout(() => controller.abort(), 100);
  let code;
  try {
    await client.generateToken({ email: 'user@example.com' }, { signal: controller.signal });
    code = 'resolved';
  } catch (err) {
    code = err.code ?? 'not a Uid2Error';
  }
  await settle();
  await client.close();
  await dispatcher?.close();
  await settle();
  return code;
}

const out = {};
await Promise.all(
  modes.map(async (mode) => {
    out[mode] = await Promise.all(servers.flatMap((server) => caps.map((cap) => one(mode, cap, server))));
  }),
);
// Unheard 'error' events fire on later ticks: give them time to crash the process before it reports.
await new Promise((r) => setTimeout(r, 50));
for (const { server } of servers) server.close();
process.stdout.write(JSON.stringify(out));
`;

const CAPS = [1024, 4096, 16_384, 65_536];

/** What every cap and both transports must give, per way of answering. */
const EXPECTED: Record<string, string[]> = {
  'one-read': ['UID2_RESPONSE_TOO_LARGE'],
  chunked: ['UID2_RESPONSE_TOO_LARGE'],
  'lying-short': ['UID2_NETWORK', 'UID2_RESPONSE_TOO_LARGE', 'UID2_DECRYPT_FAILED'],
  'lying-long': ['UID2_RESPONSE_TOO_LARGE'],
  'error-status': ['UID2_RESPONSE_TOO_LARGE'],
  redirect: ['UID2_RESPONSE_TOO_LARGE'],
  stall: ['UID2_TIMEOUT'],
  abort: ['UID2_ABORTED'],
};

describe('no abandoned response body crashes the process', () => {
  it(`every way of answering, caps ${CAPS.join(', ')}, over HTTP and TLS`, async () => {
    const modes = Object.keys(EXPECTED);
    const stdout = await runChild(SCRIPT, { MODES: JSON.stringify(modes), CAPS: JSON.stringify(CAPS) });
    const seen = JSON.parse(stdout) as Record<string, string[]>;
    for (const mode of modes) {
      expect(seen[mode], mode).toHaveLength(CAPS.length * 2);
      for (const code of seen[mode] ?? []) expect(EXPECTED[mode], mode).toContain(code);
    }
  });
});
