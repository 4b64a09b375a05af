import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import { StoreError } from '../../functions/core/errors.ts';
import type { ObjectInfo, ObjectStore } from '../../functions/core/ports.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';

/**
 * One contract, two adapters. Where they differ by design the harness says so:
 * - a directory keeps no per-object metadata, so FsStore implies Content-Type from the key's
 *   extension and forgets Cache-Control (the local server sets its own);
 * - S3 keeps both exactly as they were put.
 */
interface Harness {
  readonly name: string;
  readonly keepsMetadata: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A store no other test has written to. */
  fresh(): Promise<ObjectStore>;
}

function fsHarness(): Harness {
  const dirs: string[] = [];
  return {
    name: 'FsStore (temp directory)',
    keepsMetadata: false,
    setup: async () => {},
    teardown: async () => {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
    fresh: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'wirefeed-fs-store-'));
      dirs.push(dir);
      return new FsStore(dir);
    },
  };
}

function s3Harness(): Harness {
  let server: S3TestServer | undefined;
  let next = 0;
  return {
    name: 'S3Store (s3rver over HTTP)',
    keepsMetadata: true,
    setup: async () => {
      server = await startS3Server(['contract']);
    },
    teardown: async () => {
      await server?.stop();
    },
    fresh: async () => {
      if (server === undefined) throw new Error('s3rver not started');
      next += 1;
      // A small page so every listing of more than three keys crosses pages.
      return new S3Store({ client: server.client, bucket: 'contract', prefix: `case-${next}`, pageSize: 3 });
    },
  };
}

function quotedMd5(bytes: Uint8Array | string): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of iterable) out.push(info);
  return out;
}

async function keysOf(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await collect(store.list(prefix))).map((info) => info.key);
}

describe.each([fsHarness(), s3Harness()])('ObjectStore contract: $name', (harness) => {
  let store: ObjectStore;

  beforeAll(() => harness.setup());
  afterAll(() => harness.teardown());
  beforeEach(async () => {
    store = await harness.fresh();
  });

  it('returns null from get and head for a key that was never written', async () => {
    expect(await store.get('missing.xml')).toBeNull();
    expect(await store.head('missing.xml')).toBeNull();
    expect(await store.get('no/such/dir/page.html')).toBeNull();
  });

  it('round-trips every byte value, including sequences that are not UTF-8', async () => {
    const bytes = new Uint8Array([...Array.from({ length: 256 }, (_, i) => i), 0xc3, 0x28, 0xff, 0xfe, 0x00, 0x80]);
    await store.put('bin/all-bytes.bin', bytes);
    const got = await store.get('bin/all-bytes.bin');
    expect(got).not.toBeNull();
    expect(got?.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(got?.body ?? []).equals(Buffer.from(bytes))).toBe(true);
    expect(got?.size).toBe(bytes.byteLength);
    expect(got?.key).toBe('bin/all-bytes.bin');
    expect((await store.head('bin/all-bytes.bin'))?.size).toBe(bytes.byteLength);
  });

  it('stores an empty body as an object of size zero, distinct from a missing one', async () => {
    await store.put('empty.txt', new Uint8Array());
    const got = await store.get('empty.txt');
    expect(got?.body.byteLength).toBe(0);
    expect(got?.size).toBe(0);
    expect(got?.etag).toBe(quotedMd5(''));
    expect((await store.head('empty.txt'))?.size).toBe(0);
    expect(await keysOf(store, '')).toEqual(['empty.txt']);
  });

  it('stores a string body as its UTF-8 bytes', async () => {
    await store.put('note.txt', 'héllo ✓ 𝄞');
    const got = await store.get('note.txt');
    expect(Buffer.from(got?.body ?? []).toString('utf8')).toBe('héllo ✓ 𝄞');
    expect(got?.size).toBe(Buffer.byteLength('héllo ✓ 𝄞'));
  });

  it('replaces the whole object on overwrite, shorter bytes included', async () => {
    await store.put('feed.xml', 'a much longer first version of the feed');
    await store.put('feed.xml', 'short');
    const got = await store.get('feed.xml');
    expect(Buffer.from(got?.body ?? []).toString()).toBe('short');
    expect(got?.size).toBe(5);
    expect(await keysOf(store, '')).toEqual(['feed.xml']);
  });

  it('reports the quoted MD5 as ETag, stable for unchanged bytes and different for changed bytes', async () => {
    const first = await store.put('atom.xml', '<feed>one</feed>');
    expect(first.etag).toBe(quotedMd5('<feed>one</feed>'));
    expect((await store.head('atom.xml'))?.etag).toBe(first.etag);
    expect((await store.get('atom.xml'))?.etag).toBe(first.etag);
    expect((await collect(store.list('atom')))[0]?.etag).toBe(first.etag);

    const again = await store.put('atom.xml', new TextEncoder().encode('<feed>one</feed>'));
    expect(again.etag).toBe(first.etag);

    const changed = await store.put('atom.xml', '<feed>two</feed>');
    expect(changed.etag).toBe(quotedMd5('<feed>two</feed>'));
    expect(changed.etag).not.toBe(first.etag);
    expect((await store.head('atom.xml'))?.etag).toBe(changed.etag);
  });

  it('returns Content-Type as put (S3) or as implied by the extension (directory)', async () => {
    await store.put('feed.xml', '<rss/>', { contentType: 'application/rss+xml; charset=utf-8' });
    await store.put('articles/a.html', '<p>a</p>', { contentType: 'text/html; charset=utf-8' });
    const feed = await store.get('feed.xml');
    const page = await store.get('articles/a.html');
    expect(feed?.contentType).toBe(
      harness.keepsMetadata ? 'application/rss+xml; charset=utf-8' : 'application/xml; charset=utf-8',
    );
    expect(page?.contentType).toBe('text/html; charset=utf-8');
  });

  it('keeps Cache-Control on S3 and drops it in a directory', async () => {
    await store.put('feed.json', '{}', { contentType: 'application/feed+json', cacheControl: 'public, max-age=300' });
    await store.put('articles/b.html', '<p>b</p>', { cacheControl: 'public, max-age=86400' });
    expect((await store.get('feed.json'))?.cacheControl).toBe(
      harness.keepsMetadata ? 'public, max-age=300' : undefined,
    );
    expect((await store.get('articles/b.html'))?.cacheControl).toBe(
      harness.keepsMetadata ? 'public, max-age=86400' : undefined,
    );
  });

  it('lists keys in ascending order and filters by prefix', async () => {
    const keys = ['b.txt', 'a/2.html', 'a/10.html', 'ab.txt', 'articles/x.html', 'a.txt', 'a/1.html'];
    for (const key of keys) await store.put(key, key);
    const all = await collect(store.list(''));
    expect(all.map((info) => info.key)).toEqual([
      'a.txt',
      'a/1.html',
      'a/10.html',
      'a/2.html',
      'ab.txt',
      'articles/x.html',
      'b.txt',
    ]);
    for (const info of all) {
      expect(info.size).toBe(Buffer.byteLength(info.key));
      expect(info.etag).toBe(quotedMd5(info.key));
      expect(info.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(info.lastModified.getTime())).toBe(false);
    }
    expect(await keysOf(store, 'a/')).toEqual(['a/1.html', 'a/10.html', 'a/2.html']);
    expect(await keysOf(store, 'a/1')).toEqual(['a/1.html', 'a/10.html']);
    expect(await keysOf(store, 'a')).toEqual([
      'a.txt',
      'a/1.html',
      'a/10.html',
      'a/2.html',
      'ab.txt',
      'articles/x.html',
    ]);
    expect(await keysOf(store, 'articles/')).toEqual(['articles/x.html']);
    expect(await keysOf(store, 'zzz')).toEqual([]);
    expect(await keysOf(store, 'nope/')).toEqual([]);
  });

  it('lists every key across pages when there are more keys than fit in one page', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `articles/post-${String(i).padStart(2, '0')}.html`);
    for (const key of [...keys].reverse()) await store.put(key, key);
    await store.put('feed.xml', 'not under the prefix');
    expect(await keysOf(store, 'articles/')).toEqual(keys);
    expect(await keysOf(store, '')).toEqual([...keys, 'feed.xml']);
  });

  it('keeps nested keys distinct from their siblings and parents', async () => {
    await store.put('articles/2024/01/deep.html', 'deep');
    await store.put('articles/2024/01.html', 'month');
    await store.put('articles/2024.html', 'year');
    expect(Buffer.from((await store.get('articles/2024/01/deep.html'))?.body ?? []).toString()).toBe('deep');
    expect(Buffer.from((await store.get('articles/2024/01.html'))?.body ?? []).toString()).toBe('month');
    expect(await store.get('articles/2024')).toBeNull();
    expect(await keysOf(store, 'articles/2024/')).toEqual(['articles/2024/01.html', 'articles/2024/01/deep.html']);
  });

  it('deletes idempotently: a deleted or never-written key is not an error', async () => {
    await store.put('articles/gone.html', 'bye');
    await store.put('articles/kept.html', 'hi');
    await store.delete('articles/gone.html');
    expect(await store.get('articles/gone.html')).toBeNull();
    expect(await store.head('articles/gone.html')).toBeNull();
    expect(await keysOf(store, '')).toEqual(['articles/kept.html']);
    await expect(store.delete('articles/gone.html')).resolves.toBeUndefined();
    await expect(store.delete('never/written.html')).resolves.toBeUndefined();
    expect(await keysOf(store, '')).toEqual(['articles/kept.html']);
  });

  it.each([
    '',
    '/abs.xml',
    'a//b.xml',
    '../escape.xml',
    'a/./b.xml',
    'a/../b.xml',
    'back\\slash.xml',
    'trailing/',
    'nul\0.xml',
  ])('rejects the invalid key %j on every operation without writing', async (key) => {
    for (const attempt of [
      () => store.put(key, 'x'),
      () => store.get(key),
      () => store.head(key),
      () => store.delete(key),
    ]) {
      const error = await attempt().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).retryable).toBe(false);
      expect((error as StoreError).message).toContain('invalid key');
    }
    expect(await keysOf(store, '')).toEqual([]);
  });
});
