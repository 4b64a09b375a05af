import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cacheControlFor,
  contentTypeFor,
  renderArchivePage,
  renderArticlePage,
} from '../../functions/core/render/index.ts';
import { hostileEntry, sampleEntries, sampleSite } from '../helpers/sample-entries.ts';
import { findXmlInvalid } from '../helpers/xml-text.ts';

const entryById = (id: string) => {
  const entry = sampleEntries().find((e) => e.article.id === id);
  if (entry === undefined) throw new Error(`no sample ${id}`);
  return entry;
};

afterEach(() => {
  vi.useRealTimers();
});

function expectHtml5Shell(body: string) {
  expect(body.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true);
  expect(body).toMatch(/<style>[\s\S]+<\/style>/);
  expect(body).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
  expect(body.trimEnd().endsWith('</html>')).toBe(true);
}

const renderIndex = (site: typeof sampleSite, entries: ReturnType<typeof sampleEntries>) =>
  renderArchivePage(site, { number: 1, entries, older: null, newer: null, at: 'index' });

describe('renderArchivePage as index.html', () => {
  it('lists every entry of its page newest first, beyond the feed item limit, with relative links to their pages', () => {
    const file = renderIndex({ ...sampleSite, itemLimit: 1 }, sampleEntries());
    expect(file.path).toBe('index.html');
    expect(file.contentType).toBe('text/html; charset=utf-8');
    const hrefs = [...file.body.matchAll(/<h2><a href="([^"]+)">/g)].map((m) => m[1]);
    expect(hrefs).toEqual([
      'articles/putin-china.html',
      'articles/rates-qa.html',
      'articles/zz-tied.html',
      'articles/cjk-report.html',
    ]);
  });

  it('links the three feeds for autodiscovery with their media types', () => {
    const { body } = renderIndex(sampleSite, sampleEntries());
    expect(body).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Wirefeed Sample News (RSS)" href="https://news.example.com/feed.xml">',
    );
    expect(body).toContain(
      '<link rel="alternate" type="application/atom+xml" title="Wirefeed Sample News (Atom)" href="https://news.example.com/atom.xml">',
    );
    expect(body).toContain(
      '<link rel="alternate" type="application/feed+json" title="Wirefeed Sample News (JSON Feed)" href="https://news.example.com/feed.json">',
    );
  });

  it('is a valid HTML5 shell with charset, language, inline style and no scripts', () => {
    expectHtml5Shell(renderIndex(sampleSite, [...sampleEntries(), hostileEntry()]).body);
    expect(renderIndex({ ...sampleSite, language: 'ru' }, []).body).toContain('<html lang="ru">');
  });

  it('escapes titles and summaries', () => {
    const { body } = renderIndex(sampleSite, sampleEntries());
    expect(body).toContain('>Q&amp;A: "Rates" won’t fall &lt;yet&gt;</a>');
    expect(body).toContain('<p>Fed officials &amp; markets disagree on "when".</p>');
  });

  it('says so when there are no articles', () => {
    expect(renderIndex(sampleSite, []).body).toContain('<p>No articles yet.</p>');
  });
});

describe('renderArchivePage as an archive page', () => {
  const view = (at: 'index' | 'archive', older: number | null, newer: number | null) =>
    renderArchivePage(sampleSite, { number: 7, entries: sampleEntries(), older, newer, at });

  it('is published at archive/<n>.html with links one level up, to its neighbours and to the latest articles', () => {
    const file = view('archive', 6, 8);
    expect(file.path).toBe('archive/7.html');
    expect(file.body).toContain('<h2><a href="../articles/putin-china.html">');
    expect(file.body).toContain(
      '<nav class="pages"><a href="../index.html">Latest articles</a> · <a rel="prev" href="8.html">Newer articles</a> · <a rel="next" href="6.html">Older articles</a></nav>',
    );
    expect(file.body).toContain('<link rel="canonical" href="https://news.example.com/archive/7.html">');
    expect(file.body).toContain('<a href="../feed.xml">RSS</a>');
    expect(file.body).toMatch(/Archive page 7 · \d+ \w+ \d{4} – \d+ \w+ \d{4}/);
    expectHtml5Shell(file.body);
  });

  it('links the older archive page from index.html, and no newer page from the newest', () => {
    const { body, path } = view('index', 6, null);
    expect(path).toBe('index.html');
    expect(body).toContain('<nav class="pages"><a rel="next" href="archive/6.html">Older articles</a></nav>');
    expect(body).not.toContain('Newer articles');
    expect(body).toContain('<link rel="canonical" href="https://news.example.com/">');
  });

  it('says so on a page emptied by deletions', () => {
    const body = renderArchivePage(sampleSite, { number: 3, entries: [], older: 2, newer: 4, at: 'archive' }).body;
    expect(body).toContain('<p>No articles on this page any more.</p>');
  });
});

describe('renderArticlePage', () => {
  it('shows title, byline, dates, key points, body, category and tags, and links back', () => {
    const file = renderArticlePage(sampleSite, entryById('putin-china'));
    expect(file.path).toBe('articles/putin-china.html');
    expect(file.cacheControl).toBe('public, max-age=3600');
    const { body } = file;
    expectHtml5Shell(body);
    expect(body).toContain('<h1>Putin wants three things from China, analyst says</h1>');
    expect(body).toContain(
      '<p class="meta">By Sumathi Bala · <time datetime="2024-03-14T06:30:00.000Z">14 March 2024</time> · updated <time datetime="2024-03-15T09:00:00.000Z">15 March 2024</time></p>',
    );
    expect(body).toContain(
      '<ul class="key-points">\n<li>Energy deals</li>\n<li>Technology</li>\n<li>Political cover</li>\n</ul>\n<p>Russian President',
    );
    expect(body).toContain('<h2>Mounting pressure</h2>');
    expect(body).toContain('<p>The visit comes as the <em>West’s</em> $60 billion package lands.</p>');
    expect(body).toContain('<p class="terms">Category: Politics</p>\n<p class="terms">Tags: russia, china</p>');
    expect(body).toContain('<a href="../index.html">All articles</a>');
    expect(body).toContain('<link rel="canonical" href="https://news.example.com/articles/putin-china.html">');
  });

  it('joins several authors and falls back to the site author', () => {
    expect(renderArticlePage(sampleSite, entryById('zz-tied')).body).toContain('By Ann Lee, Bo Chen and Cy Diaz ·');
    expect(renderArticlePage(sampleSite, entryById('cjk-report')).body).toContain('By Sample Desk ·');
  });

  it('renders quotes and ordered lists from body blocks', () => {
    const { body } = renderArticlePage(sampleSite, entryById('zz-tied'));
    expect(body).toContain(
      '<blockquote><p>Quoted words.</p></blockquote>\n<ol><li>one</li><li><strong>two</strong></li></ol>',
    );
  });

  it('escapes hostile text and strips control characters', () => {
    const { body } = renderArticlePage(sampleSite, hostileEntry());
    expectHtml5Shell(body);
    expect(body).toContain(
      '<h1>Title x &lt;script&gt;alert("x")&lt;/script&gt; &amp; ]]&gt; ]]&gt; "dq" \'sq\'  🎉 中文 Русский עברית</h1>',
    );
    expect(findXmlInvalid(body)).toBe(-1);
  });

  it('is identical at two different wall-clock times', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const a =
      renderArticlePage(sampleSite, entryById('putin-china')).body + renderIndex(sampleSite, sampleEntries()).body;
    vi.setSystemTime(new Date('2027-07-07T07:07:07Z'));
    const b =
      renderArticlePage(sampleSite, entryById('putin-china')).body + renderIndex(sampleSite, sampleEntries()).body;
    expect(b).toBe(a);
  });
});

describe('contentTypeFor and cacheControlFor', () => {
  it.each([
    ['feed.xml', 'application/rss+xml; charset=utf-8', 'public, max-age=300'],
    ['atom.xml', 'application/atom+xml; charset=utf-8', 'public, max-age=300'],
    ['feed.json', 'application/feed+json; charset=utf-8', 'public, max-age=300'],
    ['/index.html', 'text/html; charset=utf-8', 'public, max-age=300'],
    ['articles/a.html', 'text/html; charset=utf-8', 'public, max-age=3600'],
    ['other.json', 'application/json; charset=utf-8', 'public, max-age=300'],
    ['blob', 'application/octet-stream', 'public, max-age=300'],
  ])('%s is %s with %s', (path, type, cache) => {
    expect(contentTypeFor(path)).toBe(type);
    expect(cacheControlFor(path)).toBe(cache);
  });
});
