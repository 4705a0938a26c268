// @ts-check
/**
 * How every example reads its settings from the environment, and the one message it prints (then exit
 * code 2, no stack trace) when the operator credentials are missing or unusable.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isUid2Error } from 'uid2-publisher';

/** The variables that name the operator; all three are required. */
export const OPERATOR_VARIABLES = Object.freeze(['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY']);

/** @param {string} example the example's directory name */
const howToRun = (example) =>
  [
    `examples/${example} needs a UID2 operator: set ${OPERATOR_VARIABLES.join(', ')}.`,
    '  Locally, with no credentials: run `npx uid2-publisher operator` in another terminal and export',
    '  the three UID2_* lines it prints (add `--tls` for HTTPS, with NODE_EXTRA_CA_CERTS=<its CA file>).',
    '  UID2 integration: UID2_BASE_URL=https://operator-integ.uidapi.com with your integration API key',
    '  and client secret. Optional: UID2_OPTOUT_KEY (base64 of 32 bytes, `openssl rand -base64 32`),',
    '  UID2_OPTOUT_DB (the SQLite file of remembered opt-outs), PORT.',
    `  Every setting: examples/${example}/README.md`,
  ].join('\n');

/**
 * Whether `moduleUrl` (an `import.meta.url`) is the script node was started with.
 * @param {string} moduleUrl
 */
export function isMainModule(moduleUrl) {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * The operator settings from the environment, or exit 2 with {@link howToRun}'s message.
 * @param {string} example the example's directory name, for the message
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ baseUrl: string, apiKey: string, secretKey: string }}
 */
export function operatorFromEnv(example, env = process.env) {
  const missing = OPERATOR_VARIABLES.filter((name) => !env[name]);
  if (missing.length > 0) exitWithUsage(example, `missing ${missing.join(', ')}`);
  return {
    baseUrl: /** @type {string} */ (env.UID2_BASE_URL),
    apiKey: /** @type {string} */ (env.UID2_API_KEY),
    secretKey: /** @type {string} */ (env.UID2_SECRET_KEY),
  };
}

/**
 * Where and under which key opt-outs are remembered. Without UID2_OPTOUT_KEY a key for this run only is
 * generated (said on stderr): entries written under it are not recognised after a restart.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ path: string, key: string }}
 */
export function optOutStoreFromEnv(env = process.env) {
  const path = env.UID2_OPTOUT_DB || join(tmpdir(), 'uid2-publisher-example-optouts.db');
  if (env.UID2_OPTOUT_KEY) return { path, key: env.UID2_OPTOUT_KEY };
  process.stderr.write(
    'UID2_OPTOUT_KEY is not set: opt-outs are keyed for this run only (set it to keep them across restarts)\n',
  );
  return { path, key: randomBytes(32).toString('base64') };
}

/**
 * Prints what to set and exits 2: the example cannot start.
 * @param {string} example
 * @param {string} problem one line, holding no secret
 * @returns {never}
 */
export function exitWithUsage(example, problem) {
  process.stderr.write(`examples/${example}: ${problem}\n${howToRun(example)}\n`);
  process.exit(2);
}

/**
 * Runs `start` and turns a configuration error (a bad secret, URL or opt-out key: `UID2_INVALID_CONFIG`)
 * into the usage message and exit 2. Any other failure at start-up prints `CODE: message` and exits 1.
 * @template T
 * @param {string} example
 * @param {() => Promise<T>} start
 * @returns {Promise<T>}
 */
export async function startOrExit(example, start) {
  try {
    return await start();
  } catch (err) {
    if (isUid2Error(err) && err.code === 'UID2_INVALID_CONFIG')
      exitWithUsage(example, `${err.code}: ${err.message}`);
    // Uid2Error and node:net messages name states, never secrets, so they can be printed whole.
    const code = /** @type {{ code?: unknown }} */ (err)?.code ?? 'INTERNAL_ERROR';
    const message = err instanceof Error ? err.message : 'could not start';
    process.stderr.write(`examples/${example}: ${String(code)}: ${message}\n`);
    process.exit(1);
  }
}
