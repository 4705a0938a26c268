// @ts-check
/**
 * The web example's two kinds of secrets: the TLS certificate it serves, and the keys that seal the
 * identity cookie.
 */
import { randomBytes } from 'node:crypto';

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for 30 days: for development only
 * (browsers warn; trust it or pass --ignore-certificate-errors in tests).
 * @returns {Promise<{ key: string, cert: string }>}
 */
export async function selfSignedCertificate() {
  // Loaded only when needed: with TLS_CERT_FILE/TLS_KEY_FILE the package is not even required.
  const { generate } = await import('selfsigned');
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * The cookie sealing keys from UID2_SEAL_KEYS (comma-separated base64 of 32 bytes, newest first: it
 * seals, the others still open). Without it, a key for this run only (cookies die with the process).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string[]}
 */
export function sealKeysFromEnv(env = process.env) {
  const keys = (env.UID2_SEAL_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (keys.length > 0) return keys;
  process.stderr.write('UID2_SEAL_KEYS is not set: identity cookies are sealed for this run only\n');
  return [randomBytes(32).toString('base64')];
}
