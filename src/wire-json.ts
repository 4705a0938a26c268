/**
 * JSON from outside (decrypted answers, stored identities) parsed so that it can never touch a
 * prototype. `JSON.parse` itself only defines own properties, but a `"__proto__"` key becomes an own
 * property that a later `Object.assign`, spread into a setter, or a schema library's copy turns into a
 * prototype change. No operator sends such a key, so text holding one is refused outright.
 */
import { Uid2Error, type Uid2ErrorCode } from './errors.js';

const FORBIDDEN_KEY = '__proto__';

function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === FORBIDDEN_KEY) throw new SyntaxError('forbidden key');
  return value;
}

/**
 * Parses JSON text, refusing a `__proto__` key anywhere (also when written with `\u` escapes).
 * Throws a {@link Uid2Error} with `code` and `what` in the message, never the text.
 */
export function parseWireJson(text: string, code: Uid2ErrorCode, what: string): unknown {
  try {
    // The reviver costs a few µs, so it runs only when the key could be there: literally, or escaped.
    const suspicious = text.includes(FORBIDDEN_KEY) || text.includes('\\u');
    return suspicious ? JSON.parse(text, refuseProtoKey) : JSON.parse(text);
  } catch {
    throw new Uid2Error(code, `${what} is not valid JSON (or holds a forbidden "__proto__" key)`);
  }
}

/**
 * A copy of a plain object's own enumerable fields made with `defineProperty`, so that no key (not
 * even `__proto__`) can invoke a setter or change the copy's prototype.
 */
export function copyFields<T extends object>(prototype: object | null, source: object): T {
  const copy = Object.create(prototype) as T;
  // Assignment is safe (and several times faster) when no own key can reach a setter: the only such key
  // on a fresh Object.create() chain of ours is `__proto__`.
  if (!Object.hasOwn(source, FORBIDDEN_KEY)) return Object.assign(copy, source);
  for (const key of Object.keys(source)) {
    Object.defineProperty(copy, key, {
      value: (source as Record<string, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
