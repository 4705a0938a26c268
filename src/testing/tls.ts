/**
 * The local operator's TLS material: a caller's own certificate, or a self-signed one made at start by
 * the `selfsigned` package (an optional peer dependency, loaded only when TLS is asked for, so that
 * plain-HTTP users need not install it). The certificate is its own CA, so that a client, an Android
 * emulator or an iOS simulator can trust it by installing that one PEM.
 */
import { isIP } from 'node:net';
import { Uid2Error } from '../errors.js';

/**
 * Names every generated certificate covers: the loopback names, and `10.0.2.2`, the address under
 * which the Android emulator reaches its host's loopback.
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({ tls: true, tlsHosts: ['dev.example.test'] }); // plus these
 * DEFAULT_TLS_HOSTS.includes('10.0.2.2'); // true
 * ```
 */
export const DEFAULT_TLS_HOSTS: readonly string[] = Object.freeze([
  '127.0.0.1',
  '::1',
  'localhost',
  '10.0.2.2',
]);

/**
 * A certificate and key in PEM, as `tls: { cert, key }` takes them. `ca` is what `op.ca` reports
 * (default: `cert`, right for a self-signed certificate).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * const op = await startLocalOperator({ tls: { cert: readFileSync('cert.pem', 'utf8'), key: readFileSync('key.pem', 'utf8') } });
 * ```
 */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
}

/** What the server is started with. */
export interface ResolvedTls {
  cert: string;
  key: string;
  ca: string;
}

type SelfSigned = typeof import('selfsigned');

async function loadSelfsigned(): Promise<SelfSigned> {
  try {
    return await import('selfsigned');
  } catch {
    throw new Uid2Error(
      'UID2_INVALID_CONFIG',
      'tls: true needs the optional dependency selfsigned: install selfsigned (npm install --save-dev selfsigned), or pass tls: { cert, key }',
    );
  }
}

function checkHosts(hosts: unknown): readonly string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string' && /^[\w.:-]+$/.test(h))) {
    throw new Uid2Error('UID2_INVALID_CONFIG', 'tlsHosts must be an array of host names or IP addresses');
  }
  return hosts as string[];
}

/**
 * Generates a self-signed CA certificate (EC P-256, SHA-256, valid from a day ago for a year, so that
 * an emulator whose clock lags still accepts it) for the default names plus `extraHosts`.
 *
 * @example
 * ```ts
 * const { cert, key } = await generateCertificate(['192.168.1.20']);
 * ```
 */
export async function generateCertificate(extraHosts: readonly string[] = []): Promise<ResolvedTls> {
  const { generate } = await loadSelfsigned();
  const hosts = [...new Set([...DEFAULT_TLS_HOSTS, ...checkHosts(extraHosts)])];
  const altNames = hosts.map((host) =>
    isIP(host) === 0 ? { type: 2 as const, value: host } : { type: 7 as const, ip: host },
  );
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'uid2-publisher local operator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 366 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private, ca: pems.cert };
}

/**
 * The TLS material for the `tls` / `tlsHosts` options, or undefined for plain HTTP.
 *
 * @example
 * ```ts
 * const tls = await resolveTls({ tls: true }); // tls.ca: the PEM clients must trust
 * ```
 */
export async function resolveTls(options: {
  tls?: boolean | TlsMaterial;
  tlsHosts?: readonly string[];
}): Promise<ResolvedTls | undefined> {
  const { tls } = options;
  if (tls === undefined || tls === false) {
    if (options.tlsHosts !== undefined) {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'tlsHosts needs tls: true');
    }
    return undefined;
  }
  if (tls === true) return generateCertificate(options.tlsHosts);
  if (
    tls === null ||
    typeof tls !== 'object' ||
    typeof tls.cert !== 'string' ||
    typeof tls.key !== 'string'
  ) {
    throw new Uid2Error('UID2_INVALID_CONFIG', 'tls must be true or { cert, key } PEM strings');
  }
  if (tls.ca !== undefined && typeof tls.ca !== 'string') {
    throw new Uid2Error('UID2_INVALID_CONFIG', 'tls.ca must be a PEM string');
  }
  return { cert: tls.cert, key: tls.key, ca: tls.ca ?? tls.cert };
}
