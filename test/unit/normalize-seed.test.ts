import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../functions/core/article.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { htmlOf, textOf } from '../helpers/blocks.ts';

const SEED_PATH = 'articles/putin-wants-three-things-from-china.txt';
const seedBytes = readFileSync(new URL(`../../content/${SEED_PATH}`, import.meta.url));
const article = normalizeArticle(seedBytes, { path: SEED_PATH });
const LEAD = 'An analyst says that Putin seeks to deepen Russia-China ties by requesting three things from Xi.';

function texts(blocks: readonly Block[]): string[] {
  return blocks.map(textOf);
}

describe('the seed article (content/articles/putin-wants-three-things-from-china.txt)', () => {
  it('takes its id from the file name and records source and format', () => {
    expect(article.id).toBe('putin-wants-three-things-from-china');
    expect(article.source).toBe(SEED_PATH);
    expect(article.format).toBe('txt');
  });

  it('takes the short headline line as the title, not the lead', () => {
    expect(article.title).toBe('Putin wants three things from China, analyst says');
  });

  it('uses the opening lead line once as the summary and drops its two duplicates', () => {
    expect(article.summary).toBe(LEAD);
    expect(article.dropped.filter((line) => line === LEAD)).toHaveLength(2);
    expect(texts(article.body)).not.toContain(LEAD);
  });

  it('reads the three bullets, in order, as plain-text key points', () => {
    expect(article.keyPoints).toEqual([
      'The meeting between Russian President Vladimir Putin and Chinese leader Xi Jinping in China this week is evidence of the growing strategic relationship between the two countries.',
      'Putin will visit China for two days from Thursday, invited by Xi, marking his first foreign trip since the start of his fifth term last week.',
      'According to Max Hess, a fellow at the Foreign Policy Research Institute, it is evident that over the past two years, Putin has sought three specific objectives from China.',
    ]);
  });

  it('reads the closing "by" line as the author and the last line as the category', () => {
    expect(article.authors).toEqual(['Sumathi Bala']);
    expect(article.category).toBe('Politics');
  });

  it('has no tags and no dates (plain text carries none)', () => {
    expect(article.tags).toEqual([]);
    expect(article.published).toBeNull();
    expect(article.updated).toBeNull();
  });

  it('starts the body with the "strengthening" paragraph, not the "growing" key point', () => {
    const first = article.body[0];
    expect(first?.type).toBe('paragraph');
    expect(first?.type === 'paragraph' && first.text).toBe(
      'The meeting between Russian President Vladimir Putin and Chinese leader Xi Jinping in China this week is evidence of the strengthening strategic relationship between the two countries.',
    );
  });

  it('keeps every body paragraph in order, with "Mounting pressure" as the only heading', () => {
    expect(article.body.map((block) => block.type)).toEqual([
      ...Array<string>(6).fill('paragraph'),
      'heading',
      ...Array<string>(9).fill('paragraph'),
    ]);
    expect(article.body[6]).toEqual({
      type: 'heading',
      level: 2,
      text: 'Mounting pressure',
    });
    const body = texts(article.body);
    expect(body[5]).toBe(
      '"He remarked that we\'ve seen little progress on those things, so it\'s Putin going to China to negotiate."',
    );
    expect(body[7]).toMatch(/^In an interview with state-media Xinhua, Putin stated/);
    expect(body[15]).toBe(
      '"The closer the US and their allies become with the Russians in the long term, the more they will eventually see this."',
    );
  });

  it('drops the Watch promo line and nothing else but the lead duplicates', () => {
    expect(article.dropped).toEqual([
      LEAD,
      LEAD,
      "Watch CNBC's full interview with Mark Gitenstein, U.S. ambassador to the EU",
    ]);
    expect(texts(article.body).some((text) => text.startsWith('Watch'))).toBe(false);
  });

  it('does not repeat the byline, category, headline or bullets as body paragraphs', () => {
    const body = texts(article.body);
    expect(body).not.toContain('by Sumathi Bala');
    expect(body).not.toContain('Politics');
    expect(body).not.toContain(article.title);
    expect(article.body.some((block) => block.type === 'list')).toBe(false);
    expect(body).not.toContain(article.keyPoints[0]);
    // Two bullets repeat body sentences word for word; the body keeps each of them once, as the article has it.
    for (const point of article.keyPoints.slice(1)) expect(body.filter((text) => text === point)).toHaveLength(1);
  });

  it('keeps quotes, apostrophes and dollar figures exactly as in the source', () => {
    const source = seedBytes.toString('utf8');
    for (const block of article.body) {
      if (block.type !== 'list') expect(source).toContain(textOf(block));
    }
    const all = texts(article.body).join('\n');
    expect(all).toContain('$18 billion worth of Chinese imports');
    expect(all).toContain('"no limits" partnership');
    expect(all).toContain("Biden's decision");
    expect(all).toContain('100% tariffs');
  });

  it('gives plain-text blocks no markup: their HTML is exactly their escaped text', () => {
    for (const block of article.body) {
      expect('content' in block).toBe(false);
      if (block.type === 'paragraph') {
        expect(htmlOf(block)).toBe(`<p>${block.text.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</p>`);
      }
    }
  });

  it('hashes the normalized content: same for bytes and string input, different when a word changes', () => {
    expect(article.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const fromString = normalizeArticle(seedBytes.toString('utf8'), { path: SEED_PATH });
    expect(fromString).toEqual(article);
    const edited = normalizeArticle(seedBytes.toString('utf8').replace('$18 billion', '$19 billion'), {
      path: SEED_PATH,
    });
    expect(edited.contentHash).not.toBe(article.contentHash);
  });
});
