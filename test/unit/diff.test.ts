import { describe, expect, it } from 'vitest';
import { diffArticles, eventId } from '../../functions/core/diff.ts';
import type { ArticleRecord } from '../../functions/core/manifest.ts';

const record = (id: string, contentHash: string): ArticleRecord => ({
  id,
  source: `articles/${id}.md`,
  contentHash,
  firstSeen: '2026-01-01T00:00:00.000Z',
  published: '2026-01-01T00:00:00.000Z',
  updated: '2026-01-01T00:00:00.000Z',
  title: id.toUpperCase(),
  summary: `About ${id}`,
  authors: ['A'],
  category: null,
});
const feeds = { rss: 'r', atom: 'a', json: 'j', home: 'h' };
const context = (feedFilesHash: string | null, timestamp = '2026-01-02T00:00:00.000Z') => ({
  feeds,
  articleUrl: (id: string) => `https://x/${id}.html`,
  timestamp,
  feedFilesHash,
});

describe('diffArticles', () => {
  it('announces published, updated and deleted articles, then one feed.updated', () => {
    const before = { a: record('a', '1'), b: record('b', '1'), c: record('c', '1') };
    const after = { a: record('a', '1'), b: record('b', '2'), d: record('d', '1') };
    const events = diffArticles(before, after, context('feeds-hash'));
    expect(events.map((e) => [e.type, 'id' in e.data ? e.data.id : null])).toEqual([
      ['article.published', 'd'],
      ['article.updated', 'b'],
      ['article.deleted', 'c'],
      ['feed.updated', null],
    ]);
    expect(events[3]?.data).toMatchObject({ published: ['d'], updated: ['b'], deleted: ['c'] });
  });

  it('announces nothing for identical states', () => {
    const state = { a: record('a', '1') };
    expect(diffArticles(state, state, context(null))).toEqual([]);
  });

  it('derives the same event ids for the same change at another time, and different ids for other content', () => {
    const first = diffArticles({}, { a: record('a', '1') }, context(null, '2026-01-01T00:00:00.000Z'));
    const retried = diffArticles({}, { a: record('a', '1') }, context(null, '2026-03-01T00:00:00.000Z'));
    const other = diffArticles({}, { a: record('a', '2') }, context(null));
    expect(retried[0]?.id).toBe(first[0]?.id);
    expect(other[0]?.id).not.toBe(first[0]?.id);
    expect(eventId('article.updated', 'a', '1')).not.toBe(eventId('article.published', 'a', '1'));
  });
});
