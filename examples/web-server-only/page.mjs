// @ts-check
/**
 * The HTML of the example's one page. The advertising token is handed to page code as JSON inside a
 * nonce'd script (the Content-Security-Policy allows no other script), escaped so that no token value
 * could ever close the script element; it is also shown, HTML-escaped, for the reader.
 */
import { randomBytes } from 'node:crypto';

/** @param {string} text */
const html = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * JSON that is safe inside <script>: `<`, `>`, `&` and the JS line separators as \u escapes.
 * @param {unknown} value
 */
const scriptJson = (value) =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * @param {{ signedIn: false } | { signedIn: true, advertisingToken: string | undefined, note: string }} view
 * @returns {{ body: string, headers: Record<string, string> }}
 */
export function renderPage(view) {
  const nonce = randomBytes(16).toString('base64');
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
  const main = view.signedIn
    ? `<p id="note">${html(view.note)}</p>
<p>Advertising token (rendered by the server): <code id="advertising-token">${html(view.advertisingToken ?? '')}</code></p>
<p>Seen by page script: <code id="token-from-script"></code></p>
<form method="post" action="/logout"><button id="sign-out">Sign out</button></form>
<script nonce="${nonce}">
  // What an ad tag or prebid.js would read: the token only, never the refresh token or its key.
  window.__uid2 = { advertisingToken: ${scriptJson(view.advertisingToken ?? null)} };
  document.getElementById('token-from-script').textContent = window.__uid2.advertisingToken ?? '(none)';
</script>`
    : `<form method="post" action="/login">
  <label>Email <input id="email" name="email" type="email" required></label>
  <button id="sign-in">Sign in</button>
</form>`;
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>UID2 server-only example</title>
<style nonce="${nonce}">body { font: 16px system-ui; margin: 2rem; } code { word-break: break-all; }</style></head>
<body><h1>UID2, server side only</h1>
${main}
</body></html>`;
  return { body, headers };
}
