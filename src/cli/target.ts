/**
 * Which operator a command talks to, and the client it talks through: the UID2_* variables, or a
 * throwaway local operator with `--local`; optionally trusting one extra certificate (`--ca-file`).
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { PublisherClient } from '../client.js';
import { type LocalOperator, startLocalOperator } from '../testing/index.js';
import { agentTrusting } from '../transport.js';
import { UsageError } from './io.js';
import type { Secrets } from './output.js';

/** Options shared by the commands that call an operator. */
export interface TargetFlags {
  local?: boolean | undefined;
  'ca-file'?: string | undefined;
  'timeout-ms'?: string | undefined;
}

const VARIABLES = ['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY'] as const;

/**
 * Runs `work` with a client for the target of `flags`, then closes the client, its dispatcher and any
 * local operator. The API key and secret are added to `secrets` before any request, so nothing printed
 * about a failure can carry them.
 */
export async function withClient<T>(
  flags: TargetFlags,
  env: Readonly<Record<string, string | undefined>>,
  secrets: Secrets,
  work: (client: PublisherClient) => Promise<T>,
): Promise<T> {
  const timeout = flags['timeout-ms'];
  if (timeout !== undefined && !/^\d{1,9}$/.test(timeout))
    throw new UsageError('--timeout-ms must be a whole number of milliseconds');
  const ca = flags['ca-file'] === undefined ? undefined : await readCa(flags['ca-file']);

  let operator: LocalOperator | undefined;
  let settings: { baseUrl: string; apiKey: string; secretKey: string };
  if (flags.local) {
    operator = await startLocalOperator();
    settings = { baseUrl: operator.url, apiKey: operator.apiKey, secretKey: operator.secretKey };
  } else {
    const missing = VARIABLES.filter((name) => !env[name]);
    if (missing.length > 0)
      throw new UsageError(`set ${missing.join(', ')} (or pass --local)`, 'UID2_INVALID_CONFIG');
    settings = {
      baseUrl: env.UID2_BASE_URL as string,
      apiKey: env.UID2_API_KEY as string,
      secretKey: env.UID2_SECRET_KEY as string,
    };
  }
  secrets.add(settings.apiKey);
  secrets.add(settings.secretKey);
  // Node's `ca` replaces the built-in roots, so they are passed too: the file adds trust, it does not
  // take away UID2's public certificates. The client does not own a dispatcher it is given, so this
  // one is closed here.
  const dispatcher = ca === undefined ? undefined : agentTrusting([...rootCertificates, ca]);
  try {
    const client = new PublisherClient({
      ...settings,
      ...(timeout === undefined ? {} : { timeoutMs: Number(timeout) }),
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    try {
      return await work(client);
    } finally {
      await client.close();
    }
  } finally {
    await dispatcher?.close();
    await operator?.close();
  }
}

async function readCa(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read --ca-file ${path}`);
  });
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`--ca-file ${path} holds no PEM certificate`);
  return text;
}
