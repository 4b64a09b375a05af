/** What the directory store leaves on disk: owner-only files for secrets, and errors in words when a file is in the way. */
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { StoreError } from '../../functions/core/errors.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-fs-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('FsStore', () => {
  it('creates a new file in place, and replaces an existing one by rename so a reader keeps the old bytes whole', async () => {
    const store = new FsStore(dir);
    await store.put('articles/a.html', 'first', { createInPlace: true });
    const created = await stat(join(dir, 'articles', 'a.html'));
    // A reader that opened the first version before the second was written.
    const reader = await open(join(dir, 'articles', 'a.html'), 'r');
    try {
      await store.put('articles/a.html', 'second version', { createInPlace: true });
      const replaced = await stat(join(dir, 'articles', 'a.html'));
      expect(replaced.ino).not.toBe(created.ino);
      expect((await reader.readFile()).toString()).toBe('first');
    } finally {
      await reader.close();
    }
    expect(await readFile(join(dir, 'articles', 'a.html'), 'utf8')).toBe('second version');
    // A wiped directory is made again.
    await rm(join(dir, 'articles'), { recursive: true });
    await store.put('articles/b.html', 'again', { createInPlace: true });
    expect(await readFile(join(dir, 'articles', 'b.html'), 'utf8')).toBe('again');
    expect(await readdir(join(dir, 'articles'))).toEqual(['b.html']);
  });

  it('writes a confidential object 0600 in a 0700 directory, tightening a directory an earlier version left open', async () => {
    await mkdir(join(dir, 'subscribers'), { mode: 0o755 });
    await chmod(join(dir, 'subscribers'), 0o755);
    const store = new FsStore(dir);
    await store.put('subscribers/sub_a.json', '{"secret": "whsec_x"}', { confidential: true });
    await store.put('subscribers/sub_a.json', '{"secret": "whsec_y"}', { confidential: true });
    await store.put('keys/new/sub_b.json', '{}', { confidential: true });
    expect(await mode(join(dir, 'subscribers'))).toBe(0o700);
    expect(await mode(join(dir, 'subscribers', 'sub_a.json'))).toBe(0o600);
    expect(await mode(join(dir, 'keys', 'new'))).toBe(0o700);
    expect(await mode(join(dir, 'keys', 'new', 'sub_b.json'))).toBe(0o600);
    await store.put('feed.xml', '<rss/>');
    expect((await mode(join(dir, 'feed.xml'))) & 0o044).toBe(0o044 & ~process.umask());
  });

  it('fails with a one-line StoreError, in words, when a file stands where a directory must be', async () => {
    await writeFile(join(dir, 'articles'), 'a file');
    const error = await new FsStore(dir).put('articles/a.html', '<p>a</p>').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe(
      `put ${dir}/articles/a.html: ${dir}/articles: a file stands where a directory must be (EEXIST)`,
    );
    const below = await new FsStore(join(dir, 'articles', 'x')).put('a.html', '').catch((caught: unknown) => caught);
    expect((below as StoreError).message).toMatch(/: a file stands where a directory must be \((ENOTDIR|EEXIST)\)$/);
  });
});
