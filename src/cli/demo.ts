/**
 * `uid2-publisher demo`, the main job: the local operator, the example mobile back end
 * (examples/mobile-backend, with its SQLite opt-out store), and a script that plays the app against them
 * and prints a short trace. Every expectation is checked; the first one that fails stops the demo.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublisherClient } from '../client.js';
import { isDueForRefresh, parseIdentity } from '../identity.js';
import { checkMobileIdentity, startLocalOperator } from '../testing/index.js';
import { type CliIo, EXIT } from './io.js';

/** One thing the back end did (examples/shared/identity-service.mjs): no token and no DII in it. */
interface Outcome {
  route: 'login' | 'refresh';
  status: string;
  remembered?: boolean;
}

/** What examples/mobile-backend/server.mjs exports (it is plain JavaScript, checked with JSDoc). */
interface MobileBackendModule {
  startMobileBackend(options: {
    client: PublisherClient;
    port?: number;
    onOutcome?: (outcome: Outcome) => void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/** The example back end lives outside src/ so that it reads like an application; found from here. */
const BACKEND_URL = new URL('../../examples/mobile-backend/server.mjs', import.meta.url);

/** A failed expectation of the demo: it stops and exits non-zero. */
class DemoFailure extends Error {}

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new DemoFailure(what);
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, text: await res.text() };
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The SQLite store is an optional peer dependency: loaded only here, so other commands never need it. */
async function openOptOutStore(path: string) {
  const { SqliteOptOutStore } = await import('../state/sqlite.js');
  // A key for this run only: the demo's database is thrown away with it.
  return new SqliteOptOutStore({ path, key: randomBytes(32).toString('base64') });
}

/** Flags of `uid2-publisher demo`. */
export interface DemoFlags {
  serve?: boolean | undefined;
}

/**
 * Runs the demo; resolves to the exit code (0 when every step behaved as UID2 specifies).
 *
 * @example
 * ```ts
 * process.exitCode = await demoCommand({}, processIo());
 * ```
 */
export async function demoCommand(flags: DemoFlags, io: CliIo): Promise<number> {
  // One clock for the whole world (operator and back end), so "advance the clock" moves both.
  let shiftMs = 0;
  const now = () => Date.now() + shiftMs;
  const started = Date.now();
  const say = (line: string) => io.stdout(`${line}\n`);

  const directory = mkdtempSync(join(tmpdir(), 'uid2-publisher-demo-'));
  const storePath = join(directory, 'opt-outs.db');
  const optOuts = await openOptOutStore(storePath);
  const operator = await startLocalOperator({ now });
  const client = new PublisherClient({
    baseUrl: operator.url,
    apiKey: operator.apiKey,
    secretKey: operator.secretKey,
    now,
    optOuts,
  });
  const outcomes: Outcome[] = [];
  const { startMobileBackend } = (await import(BACKEND_URL.href)) as MobileBackendModule;
  const backend = await startMobileBackend({ client, onOutcome: (outcome) => outcomes.push(outcome) });
  const requests = () => operator.stats().byEndpoint;
  const last = () => outcomes.at(-1);
  try {
    say('uid2-publisher demo: a mobile back end signing users in with UID2, against a local operator');
    say(
      `  local operator   ${operator.url}  (production lifetimes: refresh_from 1 h, identity 3 d, refresh 30 d)`,
    );
    say(`  mobile back end  ${backend.url}  (POST /login, POST /identity/refresh)`);
    say(`  opt-out store    SQLite ${storePath}  (HMAC-keyed; key made for this run)`);

    const login = await post(`${backend.url}/login`, '{"email":"user@example.com"}');
    expectThat(login.status === 200, `login answered HTTP ${login.status}`);
    const identity = parseIdentity(login.text);
    say('1. app signs in as user@example.com -> the identity JSON the app receives, exactly:');
    // The local operator's tokens are throwaway, so the whole string can be shown.
    say(`   ${login.text}`);

    const problems = checkMobileIdentity(login.text, now());
    expectThat(problems.length === 0, `identity breaks the mobile contract: ${problems.join('; ')}`);
    say(
      '2. it meets the Android/iOS SDK contract: six keys, integer ms, 32-byte refresh_response_key, refresh_expires ahead',
    );

    shiftMs = identity.refresh_from - Date.now() + 60_000;
    expectThat(isDueForRefresh(identity, now()), 'identity should be due for refresh');
    say(`3. clock advanced by ${minutes(shiftMs)}: now past refresh_from, isDueForRefresh = true`);

    const refreshed = await post(`${backend.url}/identity/refresh`, login.text);
    expectThat(refreshed.status === 200, `refresh answered HTTP ${refreshed.status}`);
    const next = parseIdentity(refreshed.text);
    expectThat(last()?.status === 'success', `refresh should succeed, got ${last()?.status}`);
    expectThat(
      next.refresh_response_key !== identity.refresh_response_key,
      'refresh must issue a new refresh_response_key',
    );
    expectThat(
      checkMobileIdentity(refreshed.text, now()).length === 0,
      'refreshed identity breaks the mobile contract',
    );
    expectThat(!isDueForRefresh(next, now()), 'refreshed identity should not be due yet');
    say(
      `4. back end refreshes (refreshIfDue) -> new identity, new refresh_response_key, next refresh in ${minutes(next.refresh_from - now())}`,
    );

    const second = await post(`${backend.url}/login`, '{"email":"refresh-optout@example.com"}');
    expectThat(
      second.status === 200,
      `refresh-optout user should get an identity, got HTTP ${second.status}`,
    );
    parseIdentity(second.text);
    say('5. app signs in as refresh-optout@example.com -> identity (this test user opts out on refresh)');

    shiftMs += 61 * 60_000;
    const optout = await post(`${backend.url}/identity/refresh`, second.text);
    expectThat(optout.text === '{"optout":true}', `refresh should answer optout, got HTTP ${optout.status}`);
    expectThat(last()?.remembered === true, 'the back end should know whose identity opted out');
    say(
      '6. an hour later the back end refreshes it -> optout: identity dropped, opt-out remembered for that user (rememberOptOut)',
    );

    const before = requests().generate;
    const again = await post(`${backend.url}/login`, '{"email":"Refresh-Optout@Example.com"}');
    expectThat(again.text === '{"optout":true}', 'the opted-out user should be answered optout');
    expectThat(last()?.remembered === true, 'the opt-out should come from the store');
    expectThat(requests().generate === before, 'an opted-out user must not be sent to generate');
    say(
      `7. the same user signs in again -> {"optout":true}, remembered: true, generate requests still ${before} (the store answered)`,
    );

    const direct = await post(`${backend.url}/login`, '{"phone":"+00000000000"}');
    expectThat(direct.text === '{"optout":true}', 'phone +00000000000 opts out on generate');
    expectThat(last()?.remembered === false, 'a fresh opt-out comes from the operator');
    const directAgain = await post(`${backend.url}/login`, '{"phone":"+00000000000"}');
    expectThat(
      directAgain.text === '{"optout":true}' && last()?.remembered === true,
      'the phone opt-out should be remembered',
    );
    expectThat(requests().generate === before + 1, 'the second phone sign-in must not reach the operator');
    say(
      '8. phone +00000000000 signs in -> optout from generate (remembered: false); again -> remembered: true, no request',
    );

    const counted = requests();
    say(
      `done in ${Date.now() - started} ms: ${outcomes.filter((o) => o.route === 'login').length} sign-ins, ${counted.generate} generate and ${counted.refresh} refresh requests to the operator, opt-outs kept in SQLite`,
    );

    if (flags.serve) {
      shiftMs = 0;
      say('');
      say('serving until Ctrl-C. Try:');
      say(`  curl -s -XPOST ${backend.url}/login -d '{"email":"you@example.com"}'`);
      say(`  curl -s -XPOST ${backend.url}/identity/refresh -d '<identity JSON from above>'`);
      say(`  a mobile app in development can refresh against ${operator.url} (its SDK's custom server URL)`);
      await io.untilStopped();
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof DemoFailure) {
      io.stderr(`demo failed: ${err.message}\n`);
      return EXIT.internal;
    }
    throw err;
  } finally {
    await backend.close();
    await client.close();
    await operator.close();
    await optOuts.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
