/**
 * A one-shot build (a full reconcile, as `wirefeed build` runs after an edit) reads the source index — the one
 * structure a reconcile compares the listing with — and otherwise only what the change touches: the same records
 * and collection objects at 250 and at 500 articles, and never a listing of the records.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import {
  COLLECTION_PREFIX,
  directoryKey,
  pageVersionKey,
  SOURCE_REVISIONS_KEY,
} from '../../functions/core/state-keys.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { markdownArticle, Workspace } from '../helpers/workspace.ts';

const dated = (i: number) =>
  `2025-12-01T${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`;
const name = (i: number) => `n${String(i).padStart(4, '0')}.md`;

/** State reads of one reconcile after editing article `edited`, grouped by what they read. */
async function readsOfOneShotEdit(size: number, edited: (size: number) => number) {
  const ws = await Workspace.create();
  try {
    for (let i = 0; i < size; i++) {
      await ws.write(name(i), markdownArticle(`News ${i}`, `Body ${i}.`, { date: dated(i) }));
    }
    await ws.publish();
    const i = edited(size);
    await ws.write(name(i), markdownArticle(`News ${i}`, 'Corrected body.', { date: dated(i) }));
    const state = new CountingStore(new FsStore(ws.stateDir));
    const result = await publish({ ...ws.stores(), state });
    expect(result.events.map((e) => e.type)).toContain('article.updated');
    const group = (prefix: string) => state.seen.get.filter((key) => key.startsWith(prefix)).sort();
    return {
      records: group('records/'),
      collections: group('collections/'),
      indexShards: group('sources/').length,
      other: state.seen.get.filter((key) => !/^(records|collections|sources)\//.test(key)).sort(),
      listed: [...state.seen.list].sort(),
    };
  } finally {
    await ws.dispose();
  }
}

describe('a one-shot build after a one-article edit', () => {
  for (const [where, edited] of [
    ['the newest article', (size: number) => size - 1],
    ['an article on a sealed archive page', () => 5],
  ] as const) {
    it(`reads the same records and collection objects at 250 and 500 articles (${where})`, async () => {
      const small = await readsOfOneShotEdit(250, edited);
      const large = await readsOfOneShotEdit(500, edited);
      // Only the edited article's record (its id differs between the two corpora when it is the newest).
      expect(small.records).toEqual([`records/${name(edited(250)).replace('.md', '.json')}`]);
      expect(large.records).toEqual([`records/${name(edited(500)).replace('.md', '.json')}`]);
      expect(large.collections.length).toEqual(small.collections.length);
      expect(large.other).toEqual(small.other);
      expect(large.listed).toEqual(small.listed);
      expect(large.listed.some((prefix) => prefix.startsWith('records'))).toBe(false);
      // The revision summary names every source's revision: only the edited source's shard is read.
      expect(small.indexShards).toBe(1);
      expect(large.indexShards).toBe(1);
      expect(large.other).toContain('source-revisions.json');
    }, 60_000);
  }
});

/** Page versions stored under each collection, and those its directory names. */
async function pageVersions(stateDir: string) {
  const state = new FsStore(stateDir);
  const stored: string[] = [];
  const named: string[] = [];
  for await (const info of state.list(COLLECTION_PREFIX)) {
    if (info.key.includes('/pages/')) stored.push(info.key);
    if (!info.key.endsWith('/pages.json')) continue;
    const id = info.key.slice(COLLECTION_PREFIX.length, -'/pages.json'.length);
    const directory = JSON.parse(new TextDecoder().decode((await state.get(directoryKey(id)))?.body)) as {
      pages: { version: string }[];
    };
    for (const page of directory.pages) named.push(pageVersionKey(id, page.version));
  }
  return { stored: stored.sort(), named: named.sort() };
}

describe('a one-shot build clearing superseded page versions', () => {
  it('lists only the collections the edit changed, and leaves no superseded version in them', async () => {
    const ws = await Workspace.create();
    try {
      const category = (i: number) => (i % 2 === 0 ? 'Even' : 'Odd');
      for (let i = 0; i < 40; i++) {
        await ws.write(name(i), markdownArticle(`News ${i}`, `Body ${i}.`, { date: dated(i), category: category(i) }));
      }
      await ws.publish();
      expect((await pageVersions(ws.stateDir)).stored).toEqual((await pageVersions(ws.stateDir)).named);
      await ws.write(name(39), markdownArticle('News 39', 'Corrected body.', { date: dated(39), category: 'Odd' }));
      const state = new CountingStore(new FsStore(ws.stateDir));
      const result = await publish({ ...ws.stores(), state });
      expect(result.events.map((e) => e.type)).toContain('article.updated');
      // The edit rewrote the open page of the site and of its category: their old versions are gone.
      const after = await pageVersions(ws.stateDir);
      expect(after.stored).toEqual(after.named);
      const listedVersions = state.seen.list.filter((prefix) => prefix.includes('/pages/')).sort();
      expect(listedVersions).toEqual([`${COLLECTION_PREFIX}categories/odd/pages/`, `${COLLECTION_PREFIX}site/pages/`]);
    } finally {
      await ws.dispose();
    }
  }, 60_000);
});

describe('a one-shot build with the revision summary', () => {
  const corpus = async (ws: Workspace, n: number) => {
    for (let i = 0; i < n; i++) await ws.write(name(i), markdownArticle(`News ${i}`, `Body ${i}.`, { date: dated(i) }));
  };

  it('reads no index shard and writes nothing when nothing changed', async () => {
    const ws = await Workspace.create();
    try {
      await corpus(ws, 300);
      await ws.publish();
      const state = new CountingStore(new FsStore(ws.stateDir));
      const result = await publish({ ...ws.stores(), state });
      expect(result.written).toEqual([]);
      expect(state.seen.get.filter((key) => key.startsWith('sources/'))).toEqual([]);
      expect(state.seen.get).toContain(SOURCE_REVISIONS_KEY);
      expect(state.counts.put + state.counts.delete).toBe(0);
    } finally {
      await ws.dispose();
    }
  }, 60_000);

  it('finds what named-key runs changed behind the summary: a new source, its deletion, an edit', async () => {
    const ws = await Workspace.create();
    try {
      await corpus(ws, 40);
      await ws.publish();
      // Named-key runs (the watcher, S3 events) change shards without rewriting the summary.
      await ws.write('late.md', markdownArticle('Late', 'Late body.', { date: dated(50) }));
      await publish(ws.stores(), { changed: ['articles/late.md'] });
      await ws.write(name(3), markdownArticle('News 3', 'Edited by name.', { date: dated(3) }));
      await publish(ws.stores(), { changed: [`articles/${name(3)}`] });
      // Then changes only a full reconcile can find: the new source deleted, another edited.
      await ws.remove('late.md');
      await ws.write(name(7), markdownArticle('News 7', 'Edited behind the watcher.', { date: dated(7) }));
      const result = await ws.publish();
      const events = result.events
        .filter((e) => e.type !== 'feed.updated')
        .map((e) => `${e.type} ${'id' in e.data ? e.data.id : ''}`);
      expect(events.sort()).toEqual(['article.deleted late', `article.updated ${name(7).replace('.md', '')}`]);
      expect((await ws.publish()).events).toEqual([]);
    } finally {
      await ws.dispose();
    }
  }, 60_000);

  it('reads every shard when the summary is missing or damaged, and still finds the edit', async () => {
    for (const damage of ['missing', 'damaged'] as const) {
      const ws = await Workspace.create();
      try {
        await corpus(ws, 40);
        await ws.publish();
        const summary = join(ws.stateDir, SOURCE_REVISIONS_KEY);
        if (damage === 'missing') await rm(summary);
        else await writeFile(summary, '{"format":1,"shards":{"00":[');
        await ws.write(name(5), markdownArticle('News 5', 'Corrected.', { date: dated(5) }));
        const state = new CountingStore(new FsStore(ws.stateDir));
        const result = await publish({ ...ws.stores(), state });
        expect(result.events.map((e) => e.type)).toContain('article.updated');
        expect(state.seen.get.filter((key) => key.startsWith('sources/')).length).toBeGreaterThan(1);
        // The run rewrote the summary: the next one reads no shard.
        const next = new CountingStore(new FsStore(ws.stateDir));
        expect((await publish({ ...ws.stores(), state: next })).events).toEqual([]);
        expect(next.seen.get.filter((key) => key.startsWith('sources/'))).toEqual([]);
      } finally {
        await ws.dispose();
      }
    }
  }, 60_000);
});
