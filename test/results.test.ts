/**
 * The success fast path (results.ts readSuccessAnswer): identityJson is the operator's own text of the
 * body in its usual layout, and every other layout takes the general path with the same result.
 */
import { describe, expect, it } from 'vitest';
import { interpretGenerateResponse } from '../src/endpoints/generate.js';
import { readSuccessAnswer } from '../src/results.js';

const now = Date.now();
const body = {
  advertising_token: 'A4AAAB',
  refresh_token: 'AAAAAB',
  identity_expires: now + 3_600_000,
  refresh_expires: now + 86_400_000,
  refresh_from: now + 1_800_000,
  refresh_response_key: Buffer.alloc(32, 1).toString('base64'),
};
const operatorText = `{"body":${JSON.stringify(body)},"status":"success"}`;

describe('the success fast path', () => {
  it("keeps the operator's text of the body as identityJson (equal to serialising it)", () => {
    const fast = readSuccessAnswer(operatorText);
    expect(fast?.identityJson).toBe(JSON.stringify(body));
    const result = interpretGenerateResponse(operatorText, now);
    expect(result.status === 'success' && result.identityJson).toBe(JSON.stringify(body));
  });

  it('other layouts, a second body, exponent timestamps, or a __proto__ key take the general path', () => {
    const second = { ...body, advertising_token: 'A4SECOND' };
    const cases = [
      `{"status":"success","body":${JSON.stringify(body)}}`,
      `{"body":${JSON.stringify(body)},"body":${JSON.stringify(second)},"status":"success"}`,
      operatorText.replace(
        `"identity_expires":${body.identity_expires}`,
        `"identity_expires":${body.identity_expires / 1000}e3`,
      ),
      operatorText.replace('{"advertising_token"', '{"__proto__":{},"advertising_token"'),
    ];
    for (const text of cases) expect(readSuccessAnswer(text), text.slice(0, 60)).toBeUndefined();
    // The general path: the last body wins (as JSON.parse has it) and is re-serialised.
    const dup = interpretGenerateResponse(cases[1] as string, now);
    expect(dup.status === 'success' && dup.identityJson).toBe(JSON.stringify(second));
    const exp = interpretGenerateResponse(cases[2] as string, now);
    expect(exp.status === 'success' && exp.identityJson).toBe(JSON.stringify(body));
    expect(() => interpretGenerateResponse(cases[3] as string, now)).toThrow(
      expect.objectContaining({ code: 'UID2_RESPONSE_INVALID' }),
    );
  });
});
