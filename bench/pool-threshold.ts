/**
 * Measures the normalize pool's threshold (adapters/normalize-pool.ts, POOL_THRESHOLD): how many Markdown bench
 * articles normalizing on the main thread costs as much as starting one worker from the bundle (`dist/`, built by
 * `npm ci`) and getting its first article back. Medians of 5 interleaved rounds in one run:
 * `npx tsx bench/pool-threshold.ts`.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { normalizeArticle } from '../functions/core/normalize.ts';
import { makeArticle } from './corpus.ts';

const COUNT = 600;
const articles = Array.from({ length: COUNT }, (_, i) => makeArticle(i, 'md'));
const bodies = articles.map((article) => new TextEncoder().encode(article.text));
const starts: number[] = [];
const perArticle: number[] = [];
for (let round = 0; round < 5; round++) {
  const started = performance.now();
  const worker = new Worker(new URL('../dist/normalize-worker.js', import.meta.url));
  await new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.postMessage({ id: 0, body: bodies[0], path: `articles/${articles[0]?.name}` });
  });
  starts.push(performance.now() - started);
  await worker.terminate();
  const before = performance.now();
  for (let i = 0; i < COUNT; i++) normalizeArticle(bodies[i] as Uint8Array, { path: `articles/${articles[i]?.name}` });
  perArticle.push((performance.now() - before) / COUNT);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const start = median(starts);
const each = median(perArticle);
process.stdout.write(
  `worker start to first article: ${start.toFixed(0)} ms; normalize on the main thread: ${each.toFixed(3)} ms/article; ` +
    `break-even: ${Math.round(start / each)} articles\n`,
);
