import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { parseSite } from '../../functions/core/site.ts';
import { parseTopicFilter, topicFilterTerm, topicSlug, topicsOf } from '../../functions/core/topics.ts';

const base = { title: 'T', siteUrl: 'https://example.com' };

describe('topics', () => {
  it('slug names stably, with a hash for names that have no Latin letter or digit', () => {
    expect(topicSlug('São Paulo')).toBe('sao-paulo');
    expect(topicSlug('日本')).toMatch(/^t-[0-9a-f]{12}$/);
    expect(topicSlug('日本')).toBe(topicSlug('日本'));
  });

  it('spell + and # after a letter or digit, so C++, C# and C are three topics; accents and case still merge', () => {
    expect(['C++', 'C#', 'C', 'F#', 'g++ 13'].map(topicSlug)).toEqual([
      'c-plus-plus',
      'c-sharp',
      'c',
      'f-sharp',
      'g-plus-plus-13',
    ]);
    expect(topicSlug('#breaking')).toBe('breaking');
    expect(topicSlug('Économie')).toBe(topicSlug('economie'));
    expect(parseTopicFilter('tag:C++,tag:c-plus-plus')).toEqual(['tags/c-plus-plus']);
  });

  it('parses a subscriber filter into sorted collection ids, refusing an unknown kind with a one-line reason', () => {
    expect(parseTopicFilter('tag:Markets, category:politics,author:Ana Lima')).toEqual([
      'authors/ana-lima',
      'categories/politics',
      'tags/markets',
    ]);
    expect(topicFilterTerm('tags/markets')).toBe('tag:markets');
    expect(() => parseTopicFilter('topic:markets')).toThrow(ConfigError);
    expect(() => parseTopicFilter('tag:')).toThrow(/--topics: "tag:" is not a topic \(expected category:NAME/);
  });

  it('site.json turns kinds off and sets per-kind item limits, and names a bad setting', () => {
    const site = parseSite({ ...base, topics: { authors: false, tags: { itemLimit: 5 } } }, 'site.json');
    expect(site.topics).toEqual({ categories: { itemLimit: 50 }, tags: { itemLimit: 5 }, authors: null });
    const article = { category: 'News', tags: ['A', 'a'], authors: ['Ana'] };
    expect(topicsOf(site, article).map((t) => t.id)).toEqual(['categories/news', 'tags/a']);
    expect(() => parseSite({ ...base, topics: { people: false } }, 'site.json')).toThrow(
      'site.json: "topics.people" is not a topic kind (categories, tags, authors)',
    );
    expect(() => parseSite({ ...base, topics: { tags: { itemLimit: 0 } } }, 'site.json')).toThrow(
      'site.json: "topics.tags.itemLimit" must be an integer from 1 to 1000',
    );
    expect(() => parseSite({ ...base, favicon: 'javascript:alert(1)' }, 'site.json')).toThrow(/"favicon" must be/);
  });
});
