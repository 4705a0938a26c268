/**
 * `uid2-publisher demo`, the main job: the local operator, the example mobile back end
 * (examples/mobile-backend), and a script that plays the app against them and prints a short trace.
 */
import { PublisherClient } from '../client.js';
import { isDueForRefresh, parseIdentity } from '../identity.js';
import { startLocalOperator } from '../testing/index.js';
import { mobileContractViolations } from './contract.js';
import { type CliIo, EXIT } from './io.js';

/** What examples/mobile-backend/server.mjs exports (it is plain JavaScript, checked with JSDoc). */
interface MobileBackendModule {
  startMobileBackend(options: { client: PublisherClient; port?: number }): Promise<{
    url: string;
    counts: { logins: number; generateCalls: number; refreshes: number; optOutsRemembered: number };
    close(): Promise<void>;
  }>;
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

  const operator = await startLocalOperator({ now });
  const client = new PublisherClient({
    baseUrl: operator.url,
    apiKey: operator.apiKey,
    secretKey: operator.secretKey,
    now,
  });
  const { startMobileBackend } = (await import(BACKEND_URL.href)) as MobileBackendModule;
  const backend = await startMobileBackend({ client });
  try {
    say('uid2-publisher demo: a mobile back end signing users in with UID2, against a local operator');
    say(
      `  local operator   ${operator.url}  (production lifetimes: refresh_from 1 h, identity 3 d, refresh 30 d)`,
    );
    say(`  mobile back end  ${backend.url}  (POST /login, POST /identity/refresh)`);

    const login = await post(`${backend.url}/login`, '{"email":"user@example.com"}');
    expectThat(login.status === 200, `login answered HTTP ${login.status}`);
    const identity = parseIdentity(login.text);
    say(
      `1. app signs in as user@example.com -> identity (advertising token ${identity.advertising_token.slice(0, 2)}..., ${identity.advertising_token.length} chars; refresh token ${identity.refresh_token.length} chars)`,
    );

    const problems = mobileContractViolations(login.text, now());
    expectThat(problems.length === 0, `identity breaks the mobile contract: ${problems.join('; ')}`);
    say(
      '2. identity meets the Android/iOS SDK contract: six keys, integer ms, 32-byte refresh_response_key, refresh_expires ahead',
    );

    shiftMs = identity.refresh_from - Date.now() + 60_000;
    expectThat(isDueForRefresh(identity, now()), 'identity should be due for refresh');
    say(`3. clock advanced by ${minutes(shiftMs)}: now past refresh_from, isDueForRefresh = true`);

    const refreshed = await post(`${backend.url}/identity/refresh`, login.text);
    expectThat(refreshed.status === 200, `refresh answered HTTP ${refreshed.status}`);
    const next = parseIdentity(refreshed.text);
    expectThat(
      next.refresh_response_key !== identity.refresh_response_key,
      'refresh must issue a new refresh_response_key',
    );
    expectThat(
      mobileContractViolations(refreshed.text, now()).length === 0,
      'refreshed identity breaks the mobile contract',
    );
    expectThat(!isDueForRefresh(next, now()), 'refreshed identity should not be due yet');
    say(
      `4. back end refreshes -> new identity, new refresh_response_key, next refresh in ${minutes(next.refresh_from - now())}`,
    );

    const second = await post(`${backend.url}/login`, '{"email":"refresh-optout@example.com"}');
    expectThat(
      second.status === 200,
      `refresh-optout user should get an identity, got HTTP ${second.status} ${second.text}`,
    );
    parseIdentity(second.text);
    say('5. app signs in as refresh-optout@example.com -> identity (this test user opts out on refresh)');

    const optout = await post(`${backend.url}/identity/refresh`, second.text);
    expectThat(optout.text === '{"optout":true}', `refresh should answer optout, got HTTP ${optout.status}`);
    say('6. back end refreshes it -> optout: the identity is dropped and the opt-out remembered');

    const generateCallsBefore = backend.counts.generateCalls;
    const again = await post(`${backend.url}/login`, '{"email":"Refresh-Optout@Example.com"}');
    expectThat(again.text === '{"optout":true}', 'the opted-out user should be answered optout');
    expectThat(
      backend.counts.generateCalls === generateCallsBefore,
      'an opted-out user must not be sent to generate',
    );
    say(
      '7. the same user signs in again -> {"optout":true} with no call to the operator (remembered by hash)',
    );

    const direct = await post(`${backend.url}/login`, '{"phone":"+00000000000"}');
    expectThat(direct.text === '{"optout":true}', 'phone +00000000000 opts out on generate');
    say('8. phone +00000000000 signs in -> optout straight from generate; remembered as well');

    say(
      `done in ${Date.now() - started} ms: ${backend.counts.logins} sign-ins, ${backend.counts.generateCalls} generate calls, ${backend.counts.refreshes} refreshes, ${backend.counts.optOutsRemembered} opt-outs remembered`,
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
  }
}
