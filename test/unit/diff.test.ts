import { describe, expect, it } from 'vitest';
import type { Article } from '../../functions/core/article.ts';
import { changeEvent, eventId, feedUpdatedEvent } from '../../functions/core/diff.ts';
import type { LiveRecord, Tombstone } from '../../functions/core/records.ts';

const article = (id: string, contentHash: string): Article => ({
  id,
  title: id.toUpperCase(),
  summary: `About ${id}`,
  keyPoints: [],
  authors: ['A'],
  category: null,
  tags: [],
  published: null,
  updated: null,
  body: [],
  dropped: [],
  contentHash,
  source: `articles/${id}.md`,
  format: 'md',
  draft: false,
  image: null,
  assets: [],
  canonicalUrl: null,
  lang: null,
});
const live = (id: string, contentHash: string, version: number): LiveRecord => ({
  format: 3,
  state: 'live',
  id,
  source: `articles/${id}.md`,
  claimants: [],
  contentHash,
  version,
  firstSeen: '2026-01-01T00:00:00.000Z',
  published: '2026-01-01T00:00:00.000Z',
  updated: '2026-01-01T00:00:00.000Z',
  normalizer: '1',
  collections: ['site'],
  article: article(id, contentHash),
});
const tombstone = (record: LiveRecord): Tombstone => {
  const { source: _s, normalizer: _n, collections: _c, article: _a, ...rest } = record;
  return { ...rest, state: 'deleted' };
};
const context = (timestamp = '2026-01-02T00:00:00.000Z') => ({
  feeds: { rss: 'r', atom: 'a', json: 'j', home: 'h' },
  articleUrl: (id: string) => `https://x/${id}.html`,
  timestamp,
});

describe('changeEvent', () => {
  it('announces a new article, an announced change, a deletion and a restore, carrying the version', () => {
    const v1 = live('a', '1', 1);
    const v2 = live('a', '2', 2);
    const gone = tombstone(v2);
    const back = live('a', '2', 3);
    const kinds = [
      changeEvent(null, v1, context()),
      changeEvent(v1, v2, context()),
      changeEvent(v2, gone, context()),
      changeEvent(gone, back, context()),
    ].map((e) => [e?.type, e && 'version' in e.data ? e.data.version : null]);
    expect(kinds).toEqual([
      ['article.published', 1],
      ['article.updated', 2],
      ['article.deleted', 2],
      ['article.published', 3],
    ]);
  });

  it('announces nothing when the version did not grow (a silent re-normalization or no change)', () => {
    expect(changeEvent(live('a', '1', 1), live('a', '1b', 1), context())).toBeNull();
    expect(changeEvent(null, null, context())).toBeNull();
    expect(changeEvent(tombstone(live('a', '1', 1)), tombstone(live('a', '1', 1)), context())).toBeNull();
  });

  it('derives the same ids for the same change at another time, and new ids for a new version', () => {
    const first = changeEvent(null, live('a', '1', 1), context('2026-01-01T00:00:00.000Z'));
    const retried = changeEvent(null, live('a', '1', 1), context('2026-03-01T00:00:00.000Z'));
    const restored = changeEvent(tombstone(live('a', '1', 1)), live('a', '1', 2), context());
    expect(retried?.id).toBe(first?.id);
    expect(restored?.id).not.toBe(first?.id);
    expect(eventId('article.updated', 'a', '1', 1)).not.toBe(eventId('article.published', 'a', '1', 1));
  });

  it('names the changed ids and feed URLs in one feed.updated whose id follows the feed bytes', () => {
    const ids = { published: ['d'], updated: ['b'], deleted: ['c'] };
    const urls = ['https://example.com/feed.xml', 'https://example.com/tags/markets/feed.xml'];
    const event = feedUpdatedEvent(ids, 'hash-1', context(), urls);
    expect(event.data).toMatchObject({ ...ids, changedFeeds: urls });
    expect(feedUpdatedEvent(ids, 'hash-1', context('2027-01-01T00:00:00.000Z'), urls).id).toBe(event.id);
    expect(feedUpdatedEvent(ids, 'hash-2', context(), urls).id).not.toBe(event.id);
  });
});
