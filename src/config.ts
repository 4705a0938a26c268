/**
 * Validation of PublisherClient options. Every problem is a `UID2_INVALID_CONFIG` error that names the
 * option, never its value.
 */
import { Uid2Error } from './errors.js';

/** Defaults of the client options, in one place for code and docs. */
export const DEFAULTS = Object.freeze({
  timeoutMs: 5_000,
  /** Share of `timeoutMs` one attempt may use when `attemptTimeoutMs` is not set. */
  attemptShare: 0.5,
  retries: 2,
  maxResponseBytes: 64 * 1024,
  maxRetryAfterMs: 2_000,
  backoffBaseMs: 100,
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const API_KEY = /^[\x21-\x7e]{1,1024}$/;

function invalid(message: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_CONFIG', message);
}

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
  if (typeof baseUrl !== 'string' || baseUrl.length === 0)
    throw invalid('baseUrl must be a non-empty URL string');
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

/** A positive integer option within [min, max], or its default. */
export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
