// @ts-check
/**
 * The Express 5 application: two routes and one error handler. It takes the client from its caller
 * (one client per process, made in server.mjs), so tests and other entry points can reuse it.
 *
 *   POST /login             {"email"} or {"phone"} -> the identity JSON for the app, {"optout":true},
 *                           or {"consent":false}
 *   POST /identity/refresh  the identity JSON -> the same (not due), a new one, {"optout":true}, or 401
 *
 * Every answer, good or bad, goes through `answerFor` (../shared/answers.mjs; table in README.md).
 */
import express from 'express';
import { answerFor, REQUEST_ANSWERS } from '../shared/answers.mjs';
import { createIdentityService } from '../shared/identity-service.mjs';

/**
 * @param {import('express').Response} res
 * @param {import('../shared/answers.mjs').HttpAnswer} answer
 */
function send(res, { status, body, retryAfterSeconds }) {
  if (retryAfterSeconds !== undefined) res.set('retry-after', String(retryAfterSeconds));
  res.status(status).type('application/json').send(body);
}

/**
 * @param {{ client: import('uid2-publisher').PublisherClient,
 *   onOutcome?: (outcome: import('../shared/identity-service.mjs').Outcome) => void,
 *   log?: (line: string) => void }} options `log` gets one line per 5xx answer (default: stderr)
 */
export function createApp({ client, onOutcome, log = (line) => process.stderr.write(`${line}\n`) }) {
  const service = createIdentityService({ client, ...(onOutcome ? { onOutcome } : {}) });
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // Identities are per user: no cache on the way may keep one.
    res.set('cache-control', 'no-store');
    next();
  });
  // An identity JSON is under 2 KB; anything much larger is not one.
  app.use(express.json({ limit: '16kb' }));

  // Express 5 hands a rejected promise to the error handler below, so the routes need no try/catch.
  app.post('/login', async (req, res) => send(res, answerFor(await service.login(req.body))));
  app.post('/identity/refresh', async (req, res) => send(res, answerFor(await service.refresh(req.body))));
  app.use((_req, res) => send(res, REQUEST_ANSWERS.notFound));

  /** @type {import('express').ErrorRequestHandler} */
  const onError = (err, _req, res, _next) => {
    // body-parser's own errors: malformed or oversized JSON is the app's mistake.
    const type = /** @type {{ type?: unknown }} */ (err)?.type;
    if (type === 'entity.parse.failed') return send(res, REQUEST_ANSWERS.invalidJson);
    if (type === 'entity.too.large') return send(res, REQUEST_ANSWERS.tooLarge);
    const answer = answerFor(err);
    // The code names a state, never a value; the message is not logged (an operator message may echo input).
    if (answer.status >= 500) log(`express example: ${answer.status} ${String(err?.code ?? 'internal')}`);
    send(res, answer);
  };
  app.use(onError);
  return app;
}
