import { Feed } from 'feed';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { articleUrl, type FeedEntry, type Site } from '../../functions/core/article.ts';
import { EMPTY_FEED_UPDATED, renderFeeds } from '../../functions/core/render/index.ts';
import { hostileEntry, makeArticle, makeEntry, sampleEntries, sampleSite } from '../helpers/sample-entries.ts';
import { attributeValues, elementTexts, findXmlInvalid, withoutXmlInvalid } from '../helpers/xml-text.ts';
import { assertWellFormedXml } from '../helpers/xml-well-formed.ts';

function render(site: Site, entries: readonly FeedEntry[]) {
  const [rss, atom, json] = renderFeeds(site, entries);
  if (rss === undefined || atom === undefined || json === undefined) throw new Error('expected three feeds');
  return {
    rss: rss.body,
    atom: atom.body,
    json: JSON.parse(json.body) as JsonFeed,
    jsonText: json.body,
    files: [rss, atom, json],
  };
}

interface JsonFeed {
  version: string;
  items: { id: string; url: string; title: string; content_html: string; summary: string; tags?: string[] }[];
  [key: string]: unknown;
}

const NEWEST_FIRST = ['putin-china', 'rates-qa', 'zz-tied', 'cjk-report'];
const urlOf = (id: string) => articleUrl(sampleSite, id);
// Atom titles are type="html": one level of HTML escaping on top of the XML.
const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

afterEach(() => {
  vi.useRealTimers();
});

describe('renderFeeds on the pinned sample set', () => {
  it('writes feed.xml, atom.xml and feed.json with their content types and short caching', () => {
    const { files } = render(sampleSite, sampleEntries());
    expect(files.map((f) => [f.path, f.contentType, f.cacheControl])).toEqual([
      ['feed.xml', 'application/rss+xml; charset=utf-8', 'public, max-age=300'],
      ['atom.xml', 'application/atom+xml; charset=utf-8', 'public, max-age=300'],
      ['feed.json', 'application/feed+json; charset=utf-8', 'public, max-age=300'],
    ]);
  });

  it('matches the committed snapshots for all three formats', async () => {
    const { rss, atom, jsonText } = render(sampleSite, sampleEntries());
    await expect(rss).toMatchFileSnapshot('__snapshots__/sample-feed.xml');
    await expect(atom).toMatchFileSnapshot('__snapshots__/sample-atom.xml');
    await expect(jsonText).toMatchFileSnapshot('__snapshots__/sample-feed.json');
  });

  it('produces well-formed RSS and Atom with the expected roots', () => {
    const { rss, atom } = render(sampleSite, sampleEntries());
    expect(assertWellFormedXml(rss)).toBe('rss');
    expect(assertWellFormedXml(atom)).toBe('feed');
  });

  it('orders items newest first by published, ties broken by id, whatever the input order', () => {
    const forward = render(sampleSite, sampleEntries());
    const reversed = render(sampleSite, sampleEntries().reverse());
    const expected = NEWEST_FIRST.map(urlOf);
    expect(elementTexts(forward.rss, 'guid')).toEqual(expected);
    expect(elementTexts(forward.atom, 'id').slice(1)).toEqual(expected);
    expect(forward.json.items.map((i) => i.id)).toEqual(expected);
    expect(reversed.rss).toBe(forward.rss);
    expect(reversed.atom).toBe(forward.atom);
    expect(reversed.jsonText).toBe(forward.jsonText);
  });

  it('keeps only the newest site.itemLimit items', () => {
    const { rss, atom, json } = render({ ...sampleSite, itemLimit: 2 }, sampleEntries());
    const expected = NEWEST_FIRST.slice(0, 2).map(urlOf);
    expect(elementTexts(rss, 'guid')).toEqual(expected);
    expect(elementTexts(atom, 'id').slice(1)).toEqual(expected);
    expect(json.items.map((i) => i.id)).toEqual(expected);
  });

  it('uses the article URL as a permalink guid and Atom id, so a retitled article keeps its identity', () => {
    const entries = sampleEntries();
    const retitled = entries.map((e) =>
      e.article.id === 'putin-china' ? { ...e, article: { ...e.article, title: 'A new headline' } } : e,
    );
    const before = render(sampleSite, entries);
    const after = render(sampleSite, retitled);
    expect(before.rss).toContain(`<guid isPermaLink="true">${urlOf('putin-china')}</guid>`);
    expect(elementTexts(after.rss, 'guid')).toEqual(elementTexts(before.rss, 'guid'));
    expect(elementTexts(after.atom, 'id')).toEqual(elementTexts(before.atom, 'id'));
    expect(after.json.items.map((i) => i.id)).toEqual(before.json.items.map((i) => i.id));
    expect(after.rss).not.toBe(before.rss);
  });

  it("sets the feed's updated to the latest item update, in RSS and Atom", () => {
    const { rss, atom } = render(sampleSite, sampleEntries());
    expect(elementTexts(rss, 'lastBuildDate')).toEqual(['Fri, 15 Mar 2024 09:00:00 GMT']);
    expect(elementTexts(atom, 'updated')[0]).toBe('2024-03-15T09:00:00.000Z');
  });

  it('gives an empty feed a fixed updated date instead of now', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-05-05T05:05:05Z'));
    const { rss, atom, json } = render(sampleSite, []);
    expect(elementTexts(atom, 'updated')).toEqual([EMPTY_FEED_UPDATED]);
    expect(elementTexts(rss, 'lastBuildDate')).toEqual([new Date(EMPTY_FEED_UPDATED).toUTCString()]);
    expect(json.items).toEqual([]);
    assertWellFormedXml(rss);
    assertWellFormedXml(atom);
  });

  it('gives every Atom entry an author: the article authors, else the site author', () => {
    const { atom, rss } = render(sampleSite, sampleEntries());
    const entries = atom.split('<entry>').slice(1);
    expect(entries).toHaveLength(4);
    for (const entry of entries) expect(entry).toMatch(/<author>\s*<name>[^<]+<\/name>/);
    expect(elementTexts(atom.split('<entry>')[0] ?? '', 'name')).toEqual(['Sample Desk']);
    expect(elementTexts(entries[2] ?? '', 'name')).toEqual(['Ann Lee', 'Bo Chen', 'Cy Diaz']);
    expect(elementTexts(entries[3] ?? '', 'name')).toEqual(['Sample Desk']);
    expect(elementTexts(rss, 'dc:creator')).toEqual([
      'Sumathi Bala',
      'Dana O’Neil',
      'Ann Lee',
      'Bo Chen',
      'Cy Diaz',
      'Sample Desk',
    ]);
  });

  it('announces self links and every configured hub, and no hub when none is configured', () => {
    const { rss, atom, json } = render(sampleSite, sampleEntries());
    expect(attributeValues(rss, 'atom:link', 'href')).toEqual([
      'https://news.example.com/feed.xml',
      'https://hub.example.com/',
      'https://websub.example.org/hub?x=1&y=2',
    ]);
    expect(attributeValues(atom, 'link', 'rel').slice(0, 4)).toEqual(['alternate', 'self', 'hub', 'hub']);
    expect(attributeValues(atom, 'link', 'href').slice(1, 4)).toEqual([
      'https://news.example.com/atom.xml',
      'https://hub.example.com/',
      'https://websub.example.org/hub?x=1&y=2',
    ]);
    expect(json.hubs).toEqual([
      { type: 'WebSub', url: 'https://hub.example.com/' },
      { type: 'WebSub', url: 'https://websub.example.org/hub?x=1&y=2' },
    ]);
    const bare = render({ ...sampleSite, hubs: [] }, sampleEntries());
    expect(bare.rss).not.toContain('rel="hub"');
    expect(bare.atom).not.toContain('rel="hub"');
    expect(bare.json).not.toHaveProperty('hubs');
  });

  it('names wirefeed as the generator and never the feed library', () => {
    const { rss, atom } = render(sampleSite, sampleEntries());
    expect(elementTexts(rss, 'generator')).toEqual(['wirefeed']);
    expect(elementTexts(atom, 'generator')).toEqual(['wirefeed']);
    expect(rss + atom).not.toContain('jpmonette');
  });

  it('puts key points as a list at the top of the full content, with a summary beside it', () => {
    const { rss, atom, json } = render(sampleSite, sampleEntries());
    const first =
      '<ul class="key-points">\n<li>Energy deals</li>\n<li>Technology</li>\n<li>Political cover</li>\n</ul>\n<p>';
    expect(elementTexts(rss, 'content:encoded')[0]?.startsWith(first)).toBe(true);
    expect(elementTexts(atom, 'content')[0]?.startsWith(first)).toBe(true);
    expect(json.items[0]?.content_html.startsWith(first)).toBe(true);
    expect(elementTexts(rss, 'description')[1]).toBe('An analyst says that Putin seeks three things from Xi.');
    expect(elementTexts(atom, 'summary')[0]).toBe('An analyst says that Putin seeks three things from Xi.');
    expect(json.items[0]?.summary).toBe('An analyst says that Putin seeks three things from Xi.');
  });

  it('carries category and tags, once each', () => {
    const { rss, atom, json } = render(sampleSite, sampleEntries());
    const rates = json.items[1];
    expect(rates?.tags).toEqual(['Markets & Economy', 'rates']);
    expect(elementTexts(rss.split('<item>')[2] ?? '', 'category')).toEqual(['Markets & Economy', 'rates']);
    expect(attributeValues(atom.split('<entry>')[2] ?? '', 'category', 'term')).toEqual(['Markets & Economy', 'rates']);
  });

  it('round-trips titles exactly: plain text in RSS and JSON, HTML-escaped in Atom', () => {
    const { rss, atom, json } = render(sampleSite, sampleEntries());
    const title = 'Q&A: "Rates" won’t fall <yet>';
    expect(elementTexts(rss, 'title')[2]).toBe(title);
    expect(elementTexts(atom, 'title')[2]).toBe('Q&amp;A: "Rates" won’t fall &lt;yet&gt;');
    expect(unescapeHtml(elementTexts(atom, 'title')[2] ?? '')).toBe(title);
    expect(json.items[1]?.title).toBe(title);
  });

  it('uses absolute URLs only', () => {
    const { rss, atom, json } = render(sampleSite, sampleEntries());
    const urls = [
      ...elementTexts(rss, 'link'),
      ...elementTexts(rss, 'guid'),
      ...attributeValues(rss, 'atom:link', 'href'),
      ...attributeValues(atom, 'link', 'href'),
      ...elementTexts(atom, 'id'),
      ...json.items.flatMap((i) => [i.id, i.url]),
      json.home_page_url as string,
      json.feed_url as string,
    ];
    expect(urls.length).toBeGreaterThan(20);
    for (const url of urls) expect(url).toMatch(/^https:\/\/[a-z.]+\//);
  });

  it('writes JSON Feed 1.1 with authors and language, and none of the 1.0-only fields', () => {
    const { json, jsonText } = render(sampleSite, sampleEntries());
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.language).toBe('en');
    expect(json.authors).toEqual([{ name: 'Sample Desk', url: 'https://news.example.com/about' }]);
    expect(jsonText).not.toMatch(/"author"\s*:/);
    expect(json.items[2]).toMatchObject({
      date_published: '2024-03-10T12:00:00.000Z',
      authors: [{ name: 'Ann Lee' }, { name: 'Bo Chen' }, { name: 'Cy Diaz' }],
    });
  });
});

describe('renderFeeds on hostile content', () => {
  const entries = [...sampleEntries(), hostileEntry()];

  it('stays well-formed XML', () => {
    const { rss, atom } = render(sampleSite, entries);
    expect(assertWellFormedXml(rss)).toBe('rss');
    expect(assertWellFormedXml(atom)).toBe('feed');
  });

  it('strips XML-invalid characters from every format', () => {
    const { rss, atom, jsonText } = render(sampleSite, entries);
    for (const out of [rss, atom, jsonText]) {
      expect(findXmlInvalid(out)).toBe(-1);
      expect(out).not.toMatch(/\\u00[01][0-9a-f]|\\u[dD][89abAB]/);
    }
  });

  it('never lets a <script> element into HTML-typed content', () => {
    const { rss, atom, json } = render(sampleSite, entries);
    const htmlValues = [
      ...elementTexts(rss, 'description'),
      ...elementTexts(rss, 'content:encoded'),
      ...elementTexts(atom, 'title'),
      ...elementTexts(atom, 'summary'),
      ...elementTexts(atom, 'content'),
      ...json.items.map((i) => i.content_html),
    ];
    for (const html of htmlValues) expect(html).not.toMatch(/<script/i);
    expect(elementTexts(atom, 'content').at(-1)).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
  });

  it('keeps every "]]>" of the content, text and attributes intact after XML decoding', () => {
    const { rss, atom } = render(sampleSite, entries);
    const hostile = entries.at(-1) as FeedEntry;
    expect(elementTexts(rss, 'title').at(-1)).toBe(withoutXmlInvalid(hostile.article.title));
    // The body's "]]>" is text, so the renderer escapes its ">" (the HTML reads "]]>"); a title's goes through CDATA.
    expect(elementTexts(rss, 'content:encoded').at(-1)).toContain('"dq" \'sq\'  🎉 中文 Русский עברית ]]&gt; end</p>');
    expect(elementTexts(atom, 'content').at(-1)).toContain('<h3>Heading ]]&gt; </h3>');
    expect(attributeValues(atom, 'category', 'term')).toContain('a<b');
    expect(attributeValues(atom, 'category', 'term')).toContain('q"uote');
  });

  it('keeps emoji, CJK, Cyrillic and right-to-left text unchanged', () => {
    const { rss, atom, json } = render(sampleSite, entries);
    for (const out of [rss, atom, JSON.stringify(json)]) {
      expect(out).toContain('Пекин и Москва: 北京与莫斯科 🌏');
      expect(out).toContain('نص عربي من اليمين إلى اليسار.');
      expect(out).toContain('🎉 中文 Русский עברית');
    }
  });

  it('keeps a literal "&amp;" in a title as written', () => {
    const entry = makeEntry(makeArticle({ id: 'amp', title: 'Write &amp; for &' }), '2024-01-01T00:00:00Z');
    const { rss, atom } = render(sampleSite, [entry]);
    expect(elementTexts(rss, 'title')[1]).toBe('Write &amp; for &');
    expect(unescapeHtml(elementTexts(atom, 'title')[1] ?? '')).toBe('Write &amp; for &');
    expect(elementTexts(rss, 'category')).toEqual([]);
  });
});

describe('the feed 6 faults the layer exists for', () => {
  it('feed alone breaks on a second "]]>" and on "<" in a category term; the checker catches both', () => {
    const raw = new Feed({ title: 't', id: 'https://x.example/', link: 'https://x.example/', updated: new Date(0) });
    raw.addItem({
      title: 'a ]]> b ]]> c',
      link: 'https://x.example/a',
      date: new Date(0),
      category: [{ term: 'a<b' }],
    });
    expect(() => assertWellFormedXml(raw.rss2())).toThrow(/"\]\]>" in text|bad entity|closes/);
    expect(() => assertWellFormedXml(raw.atom1())).toThrow();
  });

  it('feed alone stamps the current time on a feed without updated; ours does not', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-02T03:04:05Z'));
    const raw = new Feed({ title: 't', id: 'https://x.example/', link: 'https://x.example/' });
    expect(raw.atom1()).toContain('2030-01-02T03:04:05');
    expect(Object.values(render(sampleSite, sampleEntries())).join('')).not.toContain('2030');
  });
});

describe('determinism', () => {
  it('renders byte-identical feeds twice in a row', () => {
    const a = render(sampleSite, [...sampleEntries(), hostileEntry()]);
    const b = render(sampleSite, [...sampleEntries(), hostileEntry()]);
    expect(b.rss).toBe(a.rss);
    expect(b.atom).toBe(a.atom);
    expect(b.jsonText).toBe(a.jsonText);
  });

  it('renders byte-identical feeds at two different wall-clock times', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    const a = renderFeeds(sampleSite, sampleEntries()).map((f) => f.body);
    vi.setSystemTime(new Date('2029-06-30T23:59:59Z'));
    const b = renderFeeds(sampleSite, sampleEntries()).map((f) => f.body);
    expect(b).toEqual(a);
    expect(a.join('')).not.toMatch(/2025|2029/);
  });
});
