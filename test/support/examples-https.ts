/**
 * A tiny HTTPS "browser" for the web example's node test: undici requests that trust one certificate,
 * a cookie jar that honours Max-Age=0, and the raw Set-Cookie lines for attribute checks.
 */
import { Agent, request } from 'undici';

export interface Page {
  status: number;
  body: string;
  location: string | undefined;
  /** The Set-Cookie lines of this answer, as sent. */
  setCookies: string[];
}

export class CookieBrowser {
  readonly jar = new Map<string, string>();
  readonly #agent: Agent;
  readonly #base: string;

  constructor(base: string, ca: string) {
    this.#base = base;
    this.#agent = new Agent({ connect: { ca } });
  }

  async get(path: string): Promise<Page> {
    return this.#send('GET', path);
  }

  async postForm(path: string, form: Record<string, string>): Promise<Page> {
    return this.#send('POST', path, new URLSearchParams(form).toString());
  }

  async #send(method: 'GET' | 'POST', path: string, body?: string): Promise<Page> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await request(`${this.#base}${path}`, {
      method,
      dispatcher: this.#agent,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    const raw = res.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (/;\s*Max-Age=0(\s*;|$)/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1));
    }
    const location = res.headers.location;
    return {
      status: res.statusCode,
      body: await res.body.text(),
      location: typeof location === 'string' ? location : undefined,
      setCookies,
    };
  }

  /** The Set-Cookie line for `name` in `page`, if any. */
  static cookieLine(page: Page, name: string): string | undefined {
    return page.setCookies.find((line) => line.startsWith(`${name}=`));
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** The advertising token the page rendered (HTML-escaped text of #advertising-token). */
export function renderedToken(body: string): string {
  const match = /<code id="advertising-token">([^<]*)<\/code>/.exec(body);
  if (!match) throw new Error('no #advertising-token element in the page');
  return match[1] ?? '';
}
