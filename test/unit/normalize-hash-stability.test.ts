/**
 * Plain-text (scraped) articles keep their normalization across model changes: the content hashes below were
 * recorded with the first article model (the line-based Markdown reader, `{ text, html }` blocks). A changed hash
 * would make an upgrade announce every scraped article as updated.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTextArticle } from '../../bench/corpus.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';

const RECORDED: readonly (readonly [string, string])[] = [
  ['crlf-bom-tabs-top-byline.txt', '02f1d0c0b747ad9d02c9f3ff0c48718c4c6d3687b0278c1099debdea562d0f68'],
  ['false-positives.txt', '5bfff298aff7ede13b052ae04ff2b72da44e17f79abd367afcbe18ea4bc78789'],
  ['hostile-html-text.txt', 'f77028da1f1dee2487bade6adb22ede4c318b657d5e3aea87f325a3217671b06'],
  ['lead-without-bullets.txt', '1244680e964c33720a9f5c9d394134755f1b0e0aa7e9c6f455880457c98545a6'],
  ['no-lead-long-first-paragraph.txt', '100e778286f8562cce7ec7c6916d9c121a25639b7767dbc5e42290a22d9c6929'],
  ['promo-kinds-bottom-byline.txt', '32e9e29ff0ce7826471397f93fe50b12e9cc8ec8b36b42db3e4678b8b4c8613c'],
  ['putin-wants-three-things-from-china.txt', 'e8797a340d23f2f2eeb7290239d6240d2c5a91872020fd5a0223597475a95f6b'],
];

/** sha256 over the content hashes of bench corpus text articles 0–299, in order. */
const CORPUS_DIGEST = '13c91f18642310ce68e1602b67f6dca17e02e0950142e561ef0933688bd6358f';

function load(name: string) {
  const dir = name === 'putin-wants-three-things-from-china.txt' ? '../../content/articles/' : '../fixtures/articles/';
  return normalizeArticle(readFileSync(new URL(`${dir}${name}`, import.meta.url)), { path: `articles/${name}` });
}

describe('content hashes of plain-text articles', () => {
  it.each(RECORDED)('%s hashes as it did before the document model', (name, hash) => {
    const article = load(name);
    expect(article.contentHash).toBe(hash);
    expect([article.draft, article.image, article.assets, article.canonicalUrl, article.lang]).toEqual([
      false,
      null,
      [],
      null,
      null,
    ]);
  });

  it('is unchanged for 300 articles of the bench corpus', () => {
    const digest = createHash('sha256');
    for (let i = 0; i < 300; i++) {
      const { name, text } = makeTextArticle(i);
      digest.update(normalizeArticle(text, { path: `articles/${name}` }).contentHash);
    }
    expect(digest.digest('hex')).toBe(CORPUS_DIGEST);
  });
});
