/**
 * The public types say what the runtime enforces: exactly one identifier per input, result unions that
 * narrow by `status`, call options that take a signal and nothing else. `expectTypeOf` and the
 * `@ts-expect-error` lines are checked by `npm run typecheck` (tsconfig.json includes test/): an
 * expected error that stops being an error fails the typecheck. The runtime `it`s keep vitest honest
 * about the file and check the one runtime fact each group relies on.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  CallOptions,
  EmailHashInput,
  EmailInput,
  GenerateInput,
  GenerateResult,
  Identity,
  IdentityCurrent,
  IdentityIssued,
  InsufficientConsent,
  OptedOut,
  PhoneHashInput,
  PhoneInput,
  PublisherClient,
  RefreshResult,
  RefreshTokenExpired,
  RefreshTokenInvalid,
  Uid2Error,
  Uid2ErrorCode,
  ValidateInput,
  ValidateResult,
} from '../src/index.js';
import { UID2_ERROR_CODES } from '../src/index.js';

describe('GenerateInput: exactly one identifier', () => {
  it('each single identifier is an input, with or without a TCF string', () => {
    expectTypeOf<{ email: string }>().toExtend<GenerateInput>();
    expectTypeOf<{ phone: string }>().toExtend<GenerateInput>();
    expectTypeOf<{ emailHash: string }>().toExtend<GenerateInput>();
    expectTypeOf<{ phoneHash: string; tcfConsentString: string }>().toExtend<GenerateInput>();
    expectTypeOf<GenerateInput>().toEqualTypeOf<EmailInput | PhoneInput | EmailHashInput | PhoneHashInput>();
  });

  it('two identifiers, none, or a non-string are type errors', () => {
    // @ts-expect-error email and phone together
    const both: GenerateInput = { email: 'a@example.com', phone: '+12345678901' };
    // @ts-expect-error the two hashes together
    const hashes: GenerateInput = { emailHash: 'x', phoneHash: 'y' };
    // @ts-expect-error a raw and a hashed email together
    const mixed: GenerateInput = { email: 'a@example.com', emailHash: 'x' };
    // @ts-expect-error no identifier
    const none: GenerateInput = {};
    // @ts-expect-error only a TCF string
    const consentOnly: GenerateInput = { tcfConsentString: 'CP' };
    // @ts-expect-error not a string
    const numeric: GenerateInput = { email: 42 };
    // @ts-expect-error unknown field (a typo of email)
    const typo: GenerateInput = { emial: 'a@example.com' };
    expectTypeOf([both, hashes, mixed, none, consentOnly, numeric, typo]).toBeArray();
  });

  it('two identifiers are refused structurally too, not only by the literal excess-property check', () => {
    // A value built elsewhere (not a fresh literal) skips excess-property checks: the `?: never`
    // fields are what refuse it.
    expectTypeOf<{ email: string; phone: string }>().not.toExtend<GenerateInput>();
    expectTypeOf<{ email: string; emailHash: string }>().not.toExtend<GenerateInput>();
    expectTypeOf<{ emailHash: string; phoneHash: string }>().not.toExtend<GenerateInput>();
    expectTypeOf<{ phone: string; phoneHash: string }>().not.toExtend<GenerateInput>();
    expectTypeOf<{ tcfConsentString: string }>().not.toExtend<GenerateInput>();
  });

  it('generateToken and rememberOptOut take it', () => {
    expectTypeOf<PublisherClient['generateToken']>().parameter(0).toEqualTypeOf<GenerateInput>();
    expectTypeOf<PublisherClient['generateToken']>().parameter(1).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf<PublisherClient['rememberOptOut']>().parameter(0).toEqualTypeOf<GenerateInput>();
  });

  it('ValidateInput has no TCF string', () => {
    expectTypeOf<{ email: string }>().toExtend<ValidateInput>();
    expectTypeOf<{ phoneHash: string }>().toExtend<ValidateInput>();
    expectTypeOf<ValidateInput>().not.toHaveProperty('tcfConsentString');
    // Omit applied member by member: still exactly one identifier.
    // @ts-expect-error email and phone together
    const both: ValidateInput = { email: 'a@example.com', phone: '+12345678901' };
    // @ts-expect-error no identifier
    const none: ValidateInput = {};
    // @ts-expect-error no TCF string on validate
    const consent: ValidateInput = { email: 'a@example.com', tcfConsentString: 'CP' };
    expectTypeOf([both, none, consent]).toBeArray();
  });
});

describe('result unions narrow by status', () => {
  it('GenerateResult: success carries the identity, optout whether it was remembered', () => {
    expectTypeOf<GenerateResult['status']>().toEqualTypeOf<
      'success' | 'optout' | 'insufficient_user_consent'
    >();
    expectTypeOf<Extract<GenerateResult, { status: 'success' }>>().toEqualTypeOf<IdentityIssued>();
    expectTypeOf<Extract<GenerateResult, { status: 'optout' }>>().toEqualTypeOf<OptedOut>();
    expectTypeOf<
      Extract<GenerateResult, { status: 'insufficient_user_consent' }>
    >().toEqualTypeOf<InsufficientConsent>();
    expectTypeOf<IdentityIssued['identity']>().toEqualTypeOf<Identity>();
    expectTypeOf<IdentityIssued['identityJson']>().toEqualTypeOf<string>();
    expectTypeOf<OptedOut['remembered']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<PublisherClient['generateToken']>().returns.resolves.toEqualTypeOf<GenerateResult>();

    const read = (result: GenerateResult): string => {
      switch (result.status) {
        case 'success':
          return result.identityJson;
        case 'optout':
          return String(result.remembered);
        case 'insufficient_user_consent':
          // @ts-expect-error no identity without success
          return result.identity;
        default:
          expectTypeOf(result).toBeNever();
          return result;
      }
    };
    expectTypeOf(read).returns.toBeString();
  });

  it('RefreshResult: four statuses, detail on the two refusals only', () => {
    expectTypeOf<RefreshResult['status']>().toEqualTypeOf<
      'success' | 'optout' | 'expired_token' | 'invalid_token'
    >();
    expectTypeOf<Extract<RefreshResult, { status: 'expired_token' }>>().toEqualTypeOf<RefreshTokenExpired>();
    expectTypeOf<Extract<RefreshResult, { status: 'invalid_token' }>>().toEqualTypeOf<RefreshTokenInvalid>();
    expectTypeOf<RefreshTokenExpired['detail']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PublisherClient['refreshToken']>().parameter(0).toEqualTypeOf<Identity | string>();
    expectTypeOf<PublisherClient['refreshToken']>().returns.resolves.toEqualTypeOf<RefreshResult>();
    const identityOf = (result: RefreshResult): Identity | undefined => {
      if (result.status === 'success') return result.identity;
      // @ts-expect-error not narrowed to success: no identity
      return result.identity;
    };
    expectTypeOf(identityOf).returns.toEqualTypeOf<Identity | undefined>();
  });

  it('refreshIfDue adds current, which carries the identity without a request', () => {
    type DueResult = Awaited<ReturnType<PublisherClient['refreshIfDue']>>;
    expectTypeOf<DueResult>().toEqualTypeOf<IdentityCurrent | RefreshResult>();
    expectTypeOf<Extract<DueResult, { status: 'current' }>>().toEqualTypeOf<IdentityCurrent>();
    const token = (result: DueResult): string | undefined =>
      result.status === 'current' || result.status === 'success'
        ? result.identity.advertising_token
        : undefined;
    expectTypeOf(token).returns.toEqualTypeOf<string | undefined>();
  });

  it('ValidateResult: four statuses and an optional detail', () => {
    expectTypeOf<ValidateResult['status']>().toEqualTypeOf<
      'match' | 'mismatch' | 'invalid_token' | 'not_owner'
    >();
    expectTypeOf<ValidateResult['detail']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PublisherClient['validateToken']>().parameter(1).toEqualTypeOf<ValidateInput>();
    expectTypeOf<PublisherClient['validateToken']>().returns.resolves.toEqualTypeOf<ValidateResult>();
  });

  it('results are read-only', () => {
    const mutate = (issued: IdentityIssued, error: Uid2Error) => {
      // @ts-expect-error status is readonly
      issued.status = 'optout';
      // @ts-expect-error attempts is set once, at construction
      error.attempts = 3;
    };
    expectTypeOf(mutate).returns.toBeVoid();
  });
});

describe('CallOptions and errors', () => {
  it('CallOptions takes an AbortSignal and nothing else', () => {
    expectTypeOf<CallOptions>().toEqualTypeOf<{ signal?: AbortSignal }>();
    expectTypeOf({ signal: AbortSignal.timeout(10) }).toExtend<CallOptions>();
    // @ts-expect-error a signal must be an AbortSignal
    const stringSignal: CallOptions = { signal: 'x' };
    // @ts-expect-error unknown call option
    const timeout: CallOptions = { timeoutMs: 100 };
    expectTypeOf([stringSignal, timeout]).toBeArray();
    expectTypeOf<PublisherClient['warmUp']>()
      .parameter(0)
      .toEqualTypeOf<(CallOptions & { connections?: number }) | undefined>();
  });

  it('Uid2Error.code is the closed union of codes, UID2_CLIENT_CLOSED among them', () => {
    expectTypeOf<Uid2Error['code']>().toEqualTypeOf<Uid2ErrorCode>();
    expectTypeOf<'UID2_CLIENT_CLOSED'>().toExtend<Uid2ErrorCode>();
    // @ts-expect-error not a code
    const unknown: Uid2ErrorCode = 'UID2_NOPE';
    expectTypeOf(unknown).toBeString();
    expectTypeOf(UID2_ERROR_CODES).toEqualTypeOf<readonly Uid2ErrorCode[]>();
    if (!UID2_ERROR_CODES.includes('UID2_CLIENT_CLOSED')) throw new Error('UID2_CLIENT_CLOSED missing');
  });
});
