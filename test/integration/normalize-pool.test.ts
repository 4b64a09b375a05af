/**
 * The normalize worker pool (adapters/normalize-pool.ts) against the in-process path: the same corpus built both
 * ways — forced onto the pool though it is small — gives the same bytes in every output file and every state object,
 * the same events and the same rejections, through a first build and an edit build; a run with fewer sources than
 * the threshold starts no thread; a worker that dies fails the build with a named error instead of hanging it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeArticle } from '../../bench/corpus.ts';
import { NormalizePool } from '../../functions/adapters/normalize-pool.ts';
import { WorkerPoolError } from '../../functions/core/errors.ts';
import type { ParallelNormalizer } from '../../functions/core/ports.ts';
import { type PublishResult, publish } from '../../functions/pipeline/publish.ts';
import { markdownArticle, readTree, Workspace } from '../helpers/workspace.ts';

const spaces: Workspace[] = [];
const pools: NormalizePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  await Promise.all(spaces.splice(0).map((ws) => ws.dispose()));
});

/** More than two batches of sources (64 each), of every kind a build meets: text, Markdown, bad, held, duplicate. */
async function corpus(ws: Workspace): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const article = makeArticle(i, i % 3 === 0 ? 'txt' : 'md');
    await ws.write(article.name, article.text.replaceAll(/20[12]\d-/g, '2019-'));
  }
  await ws.write('empty.md', '');
  await ws.write('binary.txt', new Uint8Array([0x48, 0x00, 0x49]));
  await ws.write('bad-yaml.md', '---\ntitle: [unclosed\n---\n\nBody.\n');
  await ws.write('draft.md', '---\ntitle: A draft\ndraft: true\ndate: 2019-05-01\n---\n\nNot yet.\n');
  await ws.write('later.md', markdownArticle('Scheduled', 'Later.', { date: '2030-01-01' }));
  await ws.write('dup-a.md', markdownArticle('One', 'First.', { id: 'same-id', date: '2019-02-01' }));
  await ws.write('dup-b.md', markdownArticle('Two', 'Second.', { id: 'same-id', date: '2019-02-02' }));
}

/**
 * Every state object, with what differs between two directories by nature taken out: the run id (random per run)
 * in the root's `last`, and the source index's revisions (inode, size and mtime of each source file), in its
 * shards and in its revision summary (`source-revisions.json`: shard revisions and source revisions, the same keys).
 */
async function stateFiles(ws: Workspace): Promise<Record<string, string>> {
  const files = await readTree(ws.stateDir);
  for (const [key, text] of Object.entries(files)) {
    if (!key.startsWith('sources/')) continue;
    const shard = JSON.parse(text) as { sources: Record<string, unknown[]> };
    for (const entry of Object.values(shard.sources)) entry[0] = '<revision>';
    files[key] = JSON.stringify(shard);
  }
  const revisions = files['source-revisions.json'];
  if (revisions !== undefined) {
    // Per shard: the shard's revision, then `[key, revision(, error)]` per source.
    const summary = JSON.parse(revisions) as { shards: Record<string, [string, ...unknown[][]]> };
    for (const [shard, [, ...sources]] of Object.entries(summary.shards)) {
      summary.shards[shard] = ['<revision>', ...sources.map(([key, , ...rest]) => [key, '<revision>', ...rest])];
    }
    files['source-revisions.json'] = JSON.stringify(summary);
  }
  const root = JSON.parse(files['state.json'] as string) as { last?: { run?: string } };
  if (root.last !== undefined) root.last.run = '<run>';
  files['state.json'] = JSON.stringify(root);
  return files;
}

function summary(result: PublishResult) {
  return {
    events: result.events.map((event) => [event.type, event.id, JSON.stringify(event.data)]),
    rejected: result.rejected,
    written: [...result.written].sort(),
    deleted: [...result.deleted].sort(),
    articles: result.articles,
  };
}

async function build(parallel?: ParallelNormalizer) {
  const ws = await Workspace.create();
  spaces.push(ws);
  await corpus(ws);
  const options = parallel === undefined ? {} : { parallel };
  const first = summary(await publish(ws.stores(), options));
  const afterFirst = { out: await ws.outputFiles(), state: await stateFiles(ws) };
  ws.clock.advance(3_600_000);
  const edited = makeArticle(7, 'md');
  await ws.write(edited.name, `${edited.text.replaceAll(/20[12]\d-/g, '2019-')}\nA correction.\n`);
  await ws.remove(makeArticle(8, 'md').name);
  await ws.remove('dup-a.md');
  const second = summary(await publish(ws.stores(), options));
  return { first, afterFirst, second, out: await ws.outputFiles(), state: await stateFiles(ws) };
}

describe('the normalize worker pool', () => {
  it('builds a corpus to the same bytes, state, events and rejections as the single-threaded path', async () => {
    const pool = new NormalizePool({ workers: 2, threshold: 0 });
    pools.push(pool);
    const single = await build();
    const pooled = await build(pool);
    expect(pool.started).toBe(2);
    expect(single.first.rejected.map(({ file }) => file)).toEqual(
      ['bad-yaml.md', 'binary.txt', 'dup-b.md', 'empty.md'].map((name) => `articles/${name}`),
    );
    expect(single.second.events.map(([type]) => type)).toEqual(
      expect.arrayContaining(['article.updated', 'article.deleted']),
    );
    expect(Object.keys(pooled.afterFirst.out).length).toBeGreaterThan(150);
    expect(pooled.first).toEqual(single.first);
    expect(pooled.afterFirst.out).toEqual(single.afterFirst.out);
    expect(pooled.afterFirst.state).toEqual(single.afterFirst.state);
    expect(pooled.second).toEqual(single.second);
    expect(pooled.out).toEqual(single.out);
    expect(pooled.state).toEqual(single.state);
  });

  it('starts no thread for a run with fewer sources than its threshold', async () => {
    const pool = new NormalizePool({ workers: 2, threshold: 1000 });
    pools.push(pool);
    const ws = await Workspace.create();
    spaces.push(ws);
    await ws.write('one.md', markdownArticle('One', 'Body.', { date: '2019-01-01' }));
    const result = await publish(ws.stores(), { parallel: pool });
    expect(result.articles).toBe(1);
    expect(pool.started).toBe(0);
  });

  it('fails the build with WorkerPoolError when a worker dies, and writes no page for the sources it held', async () => {
    const entry = new URL('../helpers/dying-worker.mjs', import.meta.url);
    const pool = new NormalizePool({ workers: 1, threshold: 0, entry });
    pools.push(pool);
    const ws = await Workspace.create();
    spaces.push(ws);
    for (let i = 0; i < 20; i++) await ws.write(`a${i}.md`, markdownArticle(`A${i}`, 'Body.', { date: '2019-01-01' }));
    await expect(publish(ws.stores(), { parallel: pool })).rejects.toThrow(WorkerPoolError);
    await expect(pool.normalize(new Uint8Array(), 'articles/x.md')).rejects.toThrow(/exited|failed/);
    const pages = await readdir(join(ws.outDir, 'articles')).catch(() => []);
    expect(pages).toEqual([]);
    // The next build, in-process, publishes everything.
    const result = await publish(ws.stores());
    expect(result.articles).toBe(20);
    expect(await readFile(join(ws.outDir, 'articles', 'a0.html'), 'utf8')).toContain('A0');
  });
});
