import { describe, expect, it } from 'vitest';
import { generateCorpus, makeArticle, makeMarkdownArticle, makeTextArticle } from '../../bench/corpus.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';

describe('benchmark corpus', () => {
  it('generates the same corpus on every call', () => {
    expect(generateCorpus(25, 'txt')).toEqual(generateCorpus(25, 'txt'));
    expect(generateCorpus(25, 'md')).toEqual(generateCorpus(25, 'md'));
  });

  it('gives article i the same text whether the corpus has 10 or 100 articles', () => {
    const small = generateCorpus(10, 'txt');
    const large = generateCorpus(100, 'txt');
    expect(large.slice(0, 10)).toEqual(small);
    expect(generateCorpus(100, 'md').slice(0, 10)).toEqual(generateCorpus(10, 'md'));
  });

  it('makes different articles for different indices', () => {
    const texts = new Set(generateCorpus(200, 'txt').map((a) => a.text));
    expect(texts.size).toBe(200);
  });

  it('keeps articles around 4 KiB', () => {
    const sizes = [...generateCorpus(300, 'txt'), ...generateCorpus(300, 'md')]
      .map((a) => Buffer.byteLength(a.text, 'utf8'))
      .sort((a, b) => a - b);
    const median = sizes[Math.floor(sizes.length / 2)] as number;
    expect(median).toBeGreaterThan(3.5 * 1024);
    expect(median).toBeLessThan(4.5 * 1024);
    expect(sizes[0]).toBeGreaterThan(2.5 * 1024);
    expect(sizes.at(-1)).toBeLessThan(6 * 1024);
  });

  it('lays plain text out like the seed: repeated lead, bullets, headline, byline, category', () => {
    const { text } = makeTextArticle(3);
    const lines = text.split('\n');
    expect(lines[2]).toBe(lines[0]);
    expect(lines[3]).toBe(lines[0]);
    expect(lines[4]).toMatch(/^ {2}• /);
    expect(lines.at(-3)).toMatch(/^by \S+ \S+$/);
    expect(lines.at(-1)).toMatch(/^[A-Z][a-z]+$/);
  });

  it('normalizes every article of both formats without rejection, with the headline, lead and byline it was given', () => {
    for (let i = 0; i < 300; i++) {
      const txt = makeTextArticle(i);
      const article = normalizeArticle(txt.text, { path: `articles/${txt.name}` });
      const lines = txt.text.split('\n');
      expect(article.summary).toBe(lines[0]);
      expect(article.title).toMatch(/, analyst says$/);
      expect(article.keyPoints.length).toBeGreaterThanOrEqual(2);
      expect(article.authors).toEqual([lines.at(-3)?.slice(3)]);
      expect(article.category).toBe(lines.at(-1));
      expect(article.body.length).toBeGreaterThanOrEqual(6);

      const md = makeMarkdownArticle(i);
      const fromMarkdown = normalizeArticle(md.text, { path: `articles/${md.name}` });
      expect(fromMarkdown.title).toBe(article.title);
      expect(fromMarkdown.summary).toBe(article.summary);
      expect(fromMarkdown.published).not.toBeNull();
    }
  });

  it('names files by index so ids are stable across corpus sizes', () => {
    expect(makeArticle(42, 'txt').name).toBe('story-00042.txt');
    expect(makeArticle(42, 'md').name).toBe('story-00042.md');
  });
});
