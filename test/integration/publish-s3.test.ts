import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import { markdownArticle, Workspace } from '../helpers/workspace.ts';

let s3: S3TestServer;
let ws: Workspace;
beforeAll(async () => {
  s3 = await startS3Server(['site', 'state']);
  ws = await Workspace.create();
});
afterAll(async () => {
  await ws.dispose();
  await s3.stop();
});

/** Runs `wirefeed build --json` in-process against the S3 server; returns the exit code and summary. */
async function build(...extra: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: { ...s3.env },
    cwd: ws.root,
  };
  const code = await main(
    ['build', '--json', '--content', 'content', '--out', 's3://site/www', '--state', 's3://state/wf', ...extra],
    io,
  );
  return {
    code,
    err,
    summary: JSON.parse(out || '{}') as { events: { type: string; id: string }[]; written: string[] },
  };
}

const writes = () => s3.count('PutObject') + s3.count('DeleteObject') + s3.count('DeleteObjects');

describe('publishing to S3 (s3rver over HTTP, real SDK)', () => {
  it('publishes what the directory mode publishes, with content types and cache control', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-02-01' }));
    await ws.write('beta.md', markdownArticle('Beta', 'Second.', { date: '2025-02-02' }));
    const { code, summary } = await build();
    expect(code).toBe(0);
    expect(summary.events.map((e) => `${e.type} ${e.id}`)).toEqual([
      'article.published alpha',
      'article.published beta',
    ]);

    await ws.publish(); // the same content into a directory
    const local = await ws.outputFiles();
    const site = new S3Store({ client: s3.client, bucket: 'site', prefix: 'www' });
    const keys: string[] = [];
    for await (const info of site.list('')) keys.push(info.key);
    expect(keys).toEqual(Object.keys(local).sort());
    for (const key of keys) {
      const object = await site.get(key);
      expect(Buffer.from(object?.body ?? []).toString('utf8'), key).toBe(local[key]);
    }
    expect((await site.get('feed.xml'))?.contentType).toBe('application/rss+xml; charset=utf-8');
    expect((await site.get('atom.xml'))?.contentType).toBe('application/atom+xml; charset=utf-8');
    expect((await site.get('feed.json'))?.contentType).toBe('application/feed+json; charset=utf-8');
    expect((await site.get('articles/alpha.html'))?.contentType).toBe('text/html; charset=utf-8');
    const maxAge = (cc: string | undefined) => Number(/max-age=(\d+)/.exec(cc ?? '')?.[1]);
    expect(maxAge((await site.get('feed.xml'))?.cacheControl)).toBeLessThan(
      maxAge((await site.get('articles/alpha.html'))?.cacheControl),
    );
  });

  it('makes zero PUTs and DELETEs on an unchanged rebuild', async () => {
    s3.resetCounts();
    const { code, summary } = await build();
    expect(code).toBe(0);
    expect(summary.events).toEqual([]);
    expect(summary.written).toEqual([]);
    expect(writes()).toBe(0);
    // The root state, site.json, the content listing, the front page, the index listing and its shards (one per source here).
    expect(s3.requests.length).toBeLessThanOrEqual(5 + 2);
    expect(
      s3.requests.filter((r) => r.kind === 'GetObject' && r.path.includes('/sources/')).length,
    ).toBeLessThanOrEqual(2);
  });

  it('announces add, edit, whitespace-only edit and delete exactly, writing only what changed', async () => {
    await ws.write('gamma.md', markdownArticle('Gamma', 'Third.', { date: '2025-02-03' }));
    let r = await build();
    expect(r.summary.events.map((e) => `${e.type} ${e.id}`)).toEqual(['article.published gamma']);
    expect(r.summary.written.sort()).toEqual([
      'archive/1.html',
      'articles/gamma.html',
      'atom.xml',
      'feed.json',
      'feed.xml',
      'index.html',
    ]);

    await ws.write('alpha.md', markdownArticle('Alpha', 'First, corrected.', { date: '2025-02-01' }));
    r = await build();
    expect(r.summary.events.map((e) => `${e.type} ${e.id}`)).toEqual(['article.updated alpha']);

    await ws.write('alpha.md', markdownArticle('Alpha', '   First,   corrected.\n\n\n', { date: '2025-02-01' }));
    s3.resetCounts();
    r = await build();
    expect(r.summary.events).toEqual([]);
    expect(r.summary.written).toEqual([]);
    // The source's new fingerprint (one index shard), inside the writer lease (taken and released).
    expect(s3.requests.filter((r) => r.kind === 'PutObject').map((r) => r.path.split('?')[0])).toEqual([
      '/state/wf/lock.json',
      expect.stringMatching(/^\/state\/wf\/sources\/[0-9a-f]{2}\.json$/),
    ]);
    expect(s3.count('DeleteObject')).toBe(1); // the lease

    await ws.remove('beta.md');
    s3.resetCounts();
    r = await build();
    expect(r.summary.events.map((e) => `${e.type} ${e.id}`)).toEqual(['article.deleted beta']);
    // The page, and the state's cache shard when the article was its only entry.
    const deletes = s3.requests.filter((r) => r.kind === 'DeleteObject').map((r) => r.path.split('?')[0]);
    expect(deletes).toContain('/site/www/articles/beta.html');
    expect(deletes.filter((path) => path?.startsWith('/site/'))).toHaveLength(1);
    const site = new S3Store({ client: s3.client, bucket: 'site', prefix: 'www' });
    expect(await site.head('articles/beta.html')).toBeNull();
  });

  it('stops with one line naming the bucket and operation when the bucket does not exist', async () => {
    let err = '';
    const io: CliIo = {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
      env: { ...s3.env },
      cwd: ws.root,
    };
    const code = await main(
      ['build', '--content', 'content', '--out', 's3://no-such-bucket', '--state', 's3://state/wf2'],
      io,
    );
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/no-such-bucket/);
    expect(err).toMatch(/PutObject|HeadObject|GetObject/);
  });
});
