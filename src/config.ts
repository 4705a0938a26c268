/**
 * PublisherClient options: every option checked, defaulted and frozen here, once. Every problem is a
 * `UID2_INVALID_CONFIG` error that names the option, never its value. Unknown keys are refused, so a
 * misspelt `timeoutMS` fails loudly instead of silently keeping the default.
 */
import { decodeSecretKey } from './keys.js';
import { configError, integerOption } from './option-checks.js';

/** Bounds of the numeric options: named once, used by the checks and the docs. */
export const BOUNDS = Object.freeze({
  timeoutMs: { min: 1, max: 600_000 },
  retries: { min: 0, max: 10 },
  maxResponseBytes: { min: 1024, max: 1024 * 1024 },
  optOutTimeoutMs: { min: 1, max: 60_000 },
  keepWarmMs: { min: 0, max: 3_600_000 },
});

/** Defaults of the client options, in one place for code and docs. */
export const DEFAULTS = Object.freeze({
  timeoutMs: 5_000,
  /**
   * Share of `timeoutMs` one attempt may use when `attemptTimeoutMs` is not set. 0.7 lets an operator
   * that answers within ~60% of the budget succeed, and still leaves time to retry a stalled attempt.
   */
  attemptShare: 0.7,
  retries: 2,
  maxResponseBytes: 64 * 1024,
  maxRetryAfterMs: 2_000,
  backoffBaseMs: 100,
  /** A store lookup that takes longer than this is abandoned and the call goes to the operator. */
  optOutTimeoutMs: 250,
  keepWarmMs: 0,
});

/**
 * The largest offset to the operator's clock the client will learn, ms (one hour). A machine whose
 * clock is further off needs NTP, not a correction; and no single answer can move the clock further.
 */
export const MAX_CLOCK_OFFSET_MS = 60 * 60_000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const API_KEY = /^[\x21-\x7e]{1,1024}$/;

/** The option names PublisherClient accepts; anything else is refused. */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'baseUrl',
  'apiKey',
  'secretKey',
  'timeoutMs',
  'attemptTimeoutMs',
  'retries',
  'maxResponseBytes',
  'dispatcher',
  'now',
  'allowInsecureHttp',
  'optOuts',
  'optOutTimeoutMs',
  'envelope',
  'warmUp',
  'keepWarmMs',
]);

const invalid = configError;

/** True for `localhost`, `[::1]` and any 127.0.0.0/8 address. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** A base URL split into what undici needs: origin and a path prefix without a trailing `/` or `/v2`. */
export interface ParsedBaseUrl {
  origin: string;
  basePath: string;
  /** The normalised base URL, for display. */
  href: string;
}

/**
 * Parses and normalises `baseUrl`: a trailing `/` or `/v2` is dropped; https is required except for
 * loopback hosts unless `allowInsecureHttp` is set.
 */
export function parseBaseUrl(baseUrl: unknown, allowInsecureHttp = false): ParsedBaseUrl {
  if (typeof baseUrl !== 'string' || baseUrl.length === 0 || baseUrl.length > 2048)
    throw invalid('baseUrl must be a non-empty URL string (at most 2048 characters)');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid('baseUrl is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('baseUrl must use https');
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw invalid(
      'baseUrl must use https (plain http is allowed only for loopback hosts or with allowInsecureHttp)',
    );
  }
  if (url.username !== '' || url.password !== '') throw invalid('baseUrl must not contain credentials');
  if (url.search !== '' || url.hash !== '') throw invalid('baseUrl must not have a query or fragment');
  let basePath = url.pathname.replace(/\/+$/, '');
  if (basePath.toLowerCase().endsWith('/v2')) basePath = basePath.slice(0, -3).replace(/\/+$/, '');
  return { origin: url.origin, basePath, href: url.origin + basePath };
}

/** Checks the API key's shape (visible ASCII, no spaces), since it goes into a header. */
export function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || !API_KEY.test(apiKey)) {
    throw invalid('apiKey must be a non-empty string of visible ASCII characters without spaces');
  }
  return apiKey;
}

function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(`${name} must be a boolean`);
  return value;
}

/** What the client needs of an undici Dispatcher: checked by shape, as undici itself does. */
function dispatcherOption(value: unknown): object | undefined {
  if (value === undefined) return undefined;
  const candidate = value as { request?: unknown; dispatch?: unknown } | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.request !== 'function' ||
    typeof candidate.dispatch !== 'function'
  ) {
    throw invalid('dispatcher must be an undici Dispatcher (Agent, Pool, ProxyAgent, MockAgent)');
  }
  return candidate;
}

/** What the client needs of an opt-out store: `has` and `add`, `close` optional. */
function optOutsOption(value: unknown): object | undefined {
  if (value === undefined) return undefined;
  const store = value as { has?: unknown; add?: unknown; close?: unknown } | null;
  if (
    store === null ||
    typeof store !== 'object' ||
    typeof store.has !== 'function' ||
    typeof store.add !== 'function' ||
    (store.close !== undefined && typeof store.close !== 'function')
  ) {
    throw invalid('optOuts must be an OptOutStore: an object with has() and add() methods');
  }
  return store;
}

/** The client's options after checking: complete, frozen, secrets decoded. */
export interface ResolvedOptions {
  readonly base: ParsedBaseUrl;
  readonly apiKey: string;
  readonly secret: Buffer;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly retries: number;
  readonly maxResponseBytes: number;
  readonly maxRetryAfterMs: number;
  readonly backoffBaseMs: number;
  readonly dispatcher: object | undefined;
  readonly now: () => number;
  readonly optOuts: object | undefined;
  readonly optOutTimeoutMs: number;
  readonly envelope: 'text' | 'binary';
  readonly warmUp: boolean;
  /** A fixed interval, 0 (off), or `auto` (follow the operator's Keep-Alive hint; with `warmUp`). */
  readonly keepWarmMs: number | 'auto';
}

/**
 * Checks every client option once and returns them complete and frozen. Throws `UID2_INVALID_CONFIG`
 * naming the first bad or unknown option.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('options must be an object with baseUrl, apiKey and secretKey');
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(key)) throw invalid(`unknown option "${key.slice(0, 40)}"`);
  }
  const allowInsecureHttp = booleanOption('allowInsecureHttp', given.allowInsecureHttp);
  const base = parseBaseUrl(given.baseUrl, allowInsecureHttp);
  const apiKey = checkApiKey(given.apiKey);
  if (typeof given.secretKey !== 'string' && !(given.secretKey instanceof Uint8Array)) {
    throw invalid('secretKey must be standard base64 of exactly 32 bytes (44 characters)');
  }
  const secret = decodeSecretKey(given.secretKey, 'secretKey');
  if (given.now !== undefined && typeof given.now !== 'function') {
    throw invalid('now must be a function returning epoch milliseconds');
  }
  const timeoutMs = integerOption(
    'timeoutMs',
    given.timeoutMs,
    DEFAULTS.timeoutMs,
    BOUNDS.timeoutMs.min,
    BOUNDS.timeoutMs.max,
  );
  const envelope = given.envelope ?? 'text';
  if (envelope !== 'text' && envelope !== 'binary') throw invalid('envelope must be "text" or "binary"');
  return Object.freeze({
    base: Object.freeze(base),
    apiKey,
    secret,
    timeoutMs,
    attemptTimeoutMs: integerOption(
      'attemptTimeoutMs',
      given.attemptTimeoutMs,
      Math.ceil(timeoutMs * DEFAULTS.attemptShare),
      1,
      timeoutMs,
    ),
    retries: integerOption(
      'retries',
      given.retries,
      DEFAULTS.retries,
      BOUNDS.retries.min,
      BOUNDS.retries.max,
    ),
    maxResponseBytes: integerOption(
      'maxResponseBytes',
      given.maxResponseBytes,
      DEFAULTS.maxResponseBytes,
      BOUNDS.maxResponseBytes.min,
      BOUNDS.maxResponseBytes.max,
    ),
    maxRetryAfterMs: DEFAULTS.maxRetryAfterMs,
    backoffBaseMs: DEFAULTS.backoffBaseMs,
    dispatcher: dispatcherOption(given.dispatcher),
    now: (given.now as (() => number) | undefined) ?? Date.now,
    optOuts: optOutsOption(given.optOuts),
    optOutTimeoutMs: integerOption(
      'optOutTimeoutMs',
      given.optOutTimeoutMs,
      DEFAULTS.optOutTimeoutMs,
      BOUNDS.optOutTimeoutMs.min,
      BOUNDS.optOutTimeoutMs.max,
    ),
    envelope,
    warmUp: booleanOption('warmUp', given.warmUp),
    // A client asked to warm up also stays warm, at the pace the operator's Keep-Alive hint allows.
    keepWarmMs:
      given.keepWarmMs === undefined && given.warmUp === true
        ? 'auto'
        : integerOption(
            'keepWarmMs',
            given.keepWarmMs,
            DEFAULTS.keepWarmMs,
            BOUNDS.keepWarmMs.min,
            BOUNDS.keepWarmMs.max,
          ),
  });
}
