/**
 * A real redis-server (the Debian package) on a free 127.0.0.1 port, for tests: started, stopped and
 * restarted on the same port (to simulate an outage), frozen with SIGSTOP (to simulate a hung server).
 *
 * When the binary is missing, tests that need it are skipped with a loud warning, except under CI
 * (`process.env.CI` set), where loading this module throws so the run fails instead of skipping.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findBinary(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  return path.length > 0 ? path : null;
}

const binary = findBinary();

/** True when redis-server is installed; the Redis tests run only then. */
export const redisServerAvailable = binary !== null;

if (binary === null) {
  const message =
    'redis-server is not installed: the Redis opt-out store tests cannot run (apt-get install -y redis-server).';
  if (process.env.CI) throw new Error(`${message} CI must run them.`);
  console.warn(`\n${'!'.repeat(100)}\n!!! SKIPPED: ${message}\n${'!'.repeat(100)}\n`);
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released before redis-server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Sends PING on a fresh connection; true when the answer is +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}

/** A running (or stopped) redis-server the test controls. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The process id while running. */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, waits for exit). Data is not kept: no RDB, no AOF. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP: the port stays open but nothing answers. `resume()` sends SIGCONT. */
  freeze(): void;
  resume(): void;
  /** Stops the server for good and removes its working directory. */
  dispose(): Promise<void>;
}

/** Starts redis-server on a free 127.0.0.1 port and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  if (binary === null) throw new Error('redis-server is not installed');
  const path = binary;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'uid2-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function start(): Promise<void> {
    if (child !== undefined) return;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const started = spawn(path, [...args, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    started.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    started.once('exit', () => {
      if (child === started) child = undefined;
    });
    child = started;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await ping(port)) return;
      if (child === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server did not answer PING on port ${port}:\n${output}`);
  }

  async function stop(): Promise<void> {
    const running = child;
    if (running === undefined) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    freeze: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async dispose() {
      await stop();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { force: true, recursive: true });
    },
  };
}
