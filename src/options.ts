/**
 * The options type of PublisherClient (checked and defaulted in config.ts).
 */
import type { Dispatcher } from 'undici';
import type { OptOutStore } from './state/opt-out.js';

/**
 * Options of {@link PublisherClient}. Times are milliseconds, sizes bytes. Unknown keys are refused.
 *
 * @example
 * ```ts
 * const options: PublisherClientOptions = {
 *   baseUrl: Environments.uid2.integration,
 *   apiKey: process.env.UID2_API_KEY!,
 *   secretKey: process.env.UID2_SECRET_KEY!,
 *   timeoutMs: 3_000,
 * };
 * ```
 */
export interface PublisherClientOptions {
  /** Operator base URL, e.g. `Environments.uid2.production`. A trailing `/` or `/v2` is ignored. */
  baseUrl: string;
  /** The API key (bearer token) issued by UID2. Never logged. */
  apiKey: string;
  /** The client secret: standard base64 of 32 bytes. Never logged. */
  secretKey: string;
  /** Deadline of a whole call, every attempt and backoff included. Default 5000. */
  timeoutMs?: number;
  /**
   * Longest one HTTP attempt may take before it is abandoned and, if time is left, retried.
   * Default: 70% of `timeoutMs` (the last attempt always gets whatever time is left).
   */
  attemptTimeoutMs?: number;
  /** Extra attempts after the first on connection failures, 429 and 5xx. Default 2; 0 disables. */
  retries?: number;
  /** Largest response body read before failing with `UID2_RESPONSE_TOO_LARGE`. Default 65536, at most 1 MiB. */
  maxResponseBytes?: number;
  /** An undici Dispatcher (Agent, Pool, ProxyAgent, MockAgent). Default: a keep-alive Agent owned by the client. */
  dispatcher?: Dispatcher;
  /** The local clock, epoch ms (fractions allowed). Default `Date.now`. */
  now?: () => number;
  /** Allow `http:` to non-loopback hosts (for a TLS-terminating test proxy). Default false. */
  allowInsecureHttp?: boolean;
  /**
   * Where opt-outs are remembered (`MemoryOptOutStore`, `SqliteOptOutStore`, `RedisOptOutStore`, or
   * your own). `generateToken` consults it first; a store failure never fails a call. Not closed by
   * `close()`: it is yours.
   */
  optOuts?: OptOutStore;
  /** Longest a store lookup may take before the call goes to the operator instead. Default 250. */
  optOutTimeoutMs?: number;
  /**
   * Request envelopes as base64 text (`'text'`, what the official SDKs send) or raw bytes
   * (`'binary'`, `application/octet-stream`: about 25% smaller). Default `'text'`.
   */
  envelope?: 'text' | 'binary';
  /** Open connections at construction (as `warmUp()` does), in the background. Default false. */
  warmUp?: boolean;
  /**
   * Keep pooled connections open across idle periods: when nothing ran for this long, send one health
   * check. Set it below the operator's (or its load balancer's) idle timeout. Default: with `warmUp`,
   * half of what the operator's `Keep-Alive` hint lets an idle connection live (20 s with no hint);
   * otherwise 0 (off).
   */
  keepWarmMs?: number;
}
