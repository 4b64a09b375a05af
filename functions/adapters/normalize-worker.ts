/**
 * The worker thread of the normalize pool (normalize-pool.ts): runs `normalizeArticle` on the sources it is sent
 * and posts back the article, or the reason an invalid source is rejected. Built as `dist/normalize-worker.js` by
 * bin/bundle-cli.mjs; from the sources it is started through normalize-worker-tsx.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { InvalidArticleError } from '../core/errors.ts';
import { normalizeArticle } from '../core/normalize.ts';
import type { PoolReply, PoolRequest } from './normalize-pool.ts';

const port = parentPort;
if (port === null) throw new Error('normalize-worker.ts runs only as a worker thread of the normalize pool');

port.on('message', ({ id, body, path }: PoolRequest) => {
  let reply: PoolReply;
  try {
    reply = { id, ok: true, article: normalizeArticle(body, { path }) };
  } catch (error) {
    reply =
      error instanceof InvalidArticleError
        ? { id, ok: false, invalid: { file: error.file, reason: error.reason } }
        : { id, ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});
