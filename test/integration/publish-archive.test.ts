/**
 * The paged archive as publish writes it: pages of ARCHIVE_PAGE_SIZE with stable boundaries, the newest also as
 * index.html, every page linked to its neighbours, and a change rewriting only the page that holds the article.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_PAGE_SIZE } from '../../functions/pipeline/publish/collections.ts';
import { markdownArticle, Workspace } from '../helpers/workspace.ts';

/** One article an hour from 2025-01-01, so article i sorts before article i + 1. */
const dated = (i: number) => new Date(Date.UTC(2025, 0, 1, i)).toISOString();
const name = (i: number) => `a${String(i).padStart(4, '0')}.md`;
const SIZE = 2 * ARCHIVE_PAGE_SIZE + ARCHIVE_PAGE_SIZE / 2;

const pagesIn = (written: readonly string[]) =>
  written.filter((path) => path === 'index.html' || path.startsWith('archive/')).sort();
/** A page and its three RFC 5005 archive documents. */
const withDocuments = (n: number) => [
  `archive/${n}.html`,
  ...['atom.xml', 'feed.json', 'feed.xml'].map((f) => `archive/${n}/${f}`),
];

let ws: Workspace;
beforeAll(async () => {
  ws = await Workspace.create();
  for (let i = 0; i < SIZE; i++)
    await ws.write(name(i), markdownArticle(`Story ${i}`, `Body ${i}.`, { date: dated(i) }));
  await ws.publish();
});
afterAll(async () => {
  await ws.dispose();
});

describe('the paged archive', () => {
  it('lays a first import out in full pages, oldest first, the newest page also as index.html', async () => {
    const files = await ws.outputFiles();
    expect(Object.keys(files).filter((path) => path.startsWith('archive/') && path.endsWith('.html'))).toEqual([
      'archive/1.html',
      'archive/2.html',
      'archive/3.html',
    ]);
    const count = (html: string | undefined) => (html?.match(/<li>/g) ?? []).length;
    expect(count(files['archive/1.html'])).toBe(ARCHIVE_PAGE_SIZE);
    expect(count(files['archive/2.html'])).toBe(ARCHIVE_PAGE_SIZE);
    expect(count(files['archive/3.html'])).toBe(SIZE - 2 * ARCHIVE_PAGE_SIZE);
    expect(files['archive/1.html']).toContain('>Story 0<');
    expect(files['archive/1.html']).toContain(`>Story ${ARCHIVE_PAGE_SIZE - 1}<`);
    expect(files['archive/2.html']).toContain(`>Story ${ARCHIVE_PAGE_SIZE}<`);
    expect(files['index.html']).toContain(`>Story ${SIZE - 1}<`);
    expect(count(files['index.html'])).toBe(count(files['archive/3.html']));
  });

  it('links every page to its neighbours, and every archive page back to the front page', async () => {
    const files = await ws.outputFiles();
    expect(files['index.html']).toContain('<a rel="next" href="archive/2.html">Older articles</a>');
    expect(files['index.html']).not.toContain('rel="prev"');
    expect(files['archive/3.html']).toContain('<a rel="next" href="2.html">');
    expect(files['archive/2.html']).toContain('<a rel="prev" href="3.html">');
    expect(files['archive/2.html']).toContain('<a rel="next" href="1.html">');
    expect(files['archive/1.html']).toContain('<a rel="prev" href="2.html">');
    expect(files['archive/1.html']).not.toContain('rel="next"');
    for (const page of ['archive/1.html', 'archive/2.html', 'archive/3.html']) {
      expect(files[page]).toContain('<a href="../index.html">Latest articles</a>');
      expect(files[page]).toContain('href="../articles/');
    }
  });

  it('puts a new article on the open page only: no older page is rewritten', async () => {
    await ws.write('fresh.md', markdownArticle('Fresh', 'News.', { date: dated(SIZE + 1) }));
    const result = await ws.publish();
    // The article the newcomer pushes out of the feed window joins page 3's archive documents.
    expect(pagesIn(result.written)).toEqual([...withDocuments(3), 'index.html']);
    expect((await ws.outputFiles())['index.html']).toContain('>Fresh<');
  });

  it('rewrites only the archive page that holds an edited article, and no feed when it is outside the window', async () => {
    const i = ARCHIVE_PAGE_SIZE + 10;
    await ws.write(name(i), markdownArticle(`Story ${i} (corrected)`, `Body ${i}.`, { date: dated(i) }));
    const result = await ws.publish();
    expect([...result.written].sort()).toEqual([...withDocuments(2), `articles/${name(i).replace('.md', '.html')}`]);
    expect((await ws.outputFiles())['archive/2.html']).toContain(`Story ${i} (corrected)`);
  });

  it('lands a backdated article on the page covering its date', async () => {
    await ws.write('late.md', markdownArticle('Filed late', 'From the past.', { date: dated(10) }));
    const result = await ws.publish();
    expect(pagesIn(result.written)).toEqual(withDocuments(1));
    expect((await ws.outputFiles())['archive/1.html']).toContain('>Filed late<');
  });

  it('keeps the page of a deleted article, so links to it keep working', async () => {
    await ws.remove(name(20));
    const result = await ws.publish();
    expect(pagesIn(result.written)).toEqual(withDocuments(1));
    expect(result.deleted).toEqual(['articles/a0020.html']);
    expect((await ws.outputFiles())['archive/1.html']).not.toContain('>Story 20<');
  });
});
