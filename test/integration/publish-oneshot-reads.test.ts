/**
 * A one-shot build (a full reconcile, as `wirefeed build` runs after an edit) reads the source index — the one
 * structure a reconcile compares the listing with — and otherwise only what the change touches: the same records
 * and collection objects at 250 and at 500 articles, and never a listing of the records.
 */
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
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
      // The source index is read whole on a reconcile, but it is at most 256 small shards.
      expect(large.indexShards).toBeLessThanOrEqual(256);
    }, 60_000);
  }
});
