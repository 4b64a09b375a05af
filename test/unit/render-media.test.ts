import { describe, expect, it } from 'vitest';
import {
  type AssetCatalog,
  absoluteHref,
  assetUrl,
  type FeedEntry,
  imageContentKey,
  isDue,
} from '../../functions/core/article.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import {
  cacheControlFor,
  contentTypeFor,
  leadMedia,
  renderArticlePage,
  renderFeeds,
} from '../../functions/core/render/index.ts';
import { parseSite } from '../../functions/core/site.ts';
import { makeEntry, sampleSite } from '../helpers/sample-entries.ts';
import { attributeValues } from '../helpers/xml-text.ts';
import { assertWellFormedXml } from '../helpers/xml-well-formed.ts';

const site = sampleSite;

function entryOf(markdown: string, path = 'articles/harbour.md'): FeedEntry {
  return makeEntry(normalizeArticle(markdown, { path }), '2026-11-29T23:30:00.000Z');
}

const LOCAL = entryOf('---\ntitle: Harbour\nimage: { src: img/lead.jpg, alt: The harbour at dawn }\n---\nText.\n');
const REMOTE = entryOf(
  '# Remote\n\nText ![A crane](https://cdn.example.org/pics/crane.webp "Crane") more.\n',
  'articles/remote.md',
);
const NONE = entryOf('# No image\n\nText.\n', 'articles/none.md');
const KNOWN: AssetCatalog = new Map([
  ['articles/img/lead.jpg', { type: 'image/jpeg', length: 48213, width: 1200, height: 800 }],
]);

interface JsonItem {
  id: string;
  image?: string;
  attachments?: { url: string; mime_type: string; size_in_bytes?: number; title?: string }[];
  content_html: string;
  language?: string;
  external_url?: string;
}

function feeds(entries: FeedEntry[], assets?: AssetCatalog) {
  const [rss, atom, json] = renderFeeds(site, entries, assets).map((file) => file.body);
  return { rss: rss ?? '', atom: atom ?? '', items: (JSON.parse(json ?? '{}') as { items: JsonItem[] }).items };
}

describe('the lead image in the feeds', () => {
  it('is an RSS enclosure with length and type when the pipeline knows the file, and Atom and JSON Feed agree', () => {
    const { rss, atom, items } = feeds([LOCAL], KNOWN);
    const url = 'https://news.example.com/articles/img/lead.jpg';
    expect(rss).toContain(`<enclosure url="${url}" length="48213" type="image/jpeg"/>`);
    expect(rss).not.toContain('media:content');
    expect(rss).not.toContain('xmlns:media');
    expect(atom).toContain(`<link rel="enclosure" type="image/jpeg" length="48213" href="${url}"/>`);
    expect(items[0]?.image).toBe(url);
    expect(items[0]?.attachments).toEqual([{ url, mime_type: 'image/jpeg', size_in_bytes: 48213 }]);
    assertWellFormedXml(rss);
    assertWellFormedXml(atom);
  });

  it('falls back to media:content without a length, and writes no length anywhere it is unknown', () => {
    const { rss, atom, items } = feeds([REMOTE, LOCAL]);
    expect(rss).toContain('xmlns:media="http://search.yahoo.com/mrss/"');
    // Same instant: ordered by id, so "harbour" (the local image) comes first.
    expect(attributeValues(rss, 'media:content', 'url')).toEqual([
      'https://news.example.com/articles/img/lead.jpg',
      'https://cdn.example.org/pics/crane.webp',
    ]);
    expect(attributeValues(rss, 'media:content', 'type')).toEqual(['image/jpeg', 'image/webp']);
    expect(rss).not.toContain('<enclosure');
    expect(atom).toContain(
      '<link rel="enclosure" type="image/webp" title="Crane" href="https://cdn.example.org/pics/crane.webp"/>',
    );
    expect(atom).not.toContain('length=');
    expect(items.map((item) => item.attachments)).toEqual([
      [{ url: 'https://news.example.com/articles/img/lead.jpg', mime_type: 'image/jpeg' }],
      [{ url: 'https://cdn.example.org/pics/crane.webp', mime_type: 'image/webp', title: 'Crane' }],
    ]);
    assertWellFormedXml(rss);
    assertWellFormedXml(atom);
  });

  it('adds nothing to an item without an image', () => {
    const { rss, atom, items } = feeds([NONE]);
    expect(rss).not.toMatch(/enclosure|media:/);
    expect(atom).not.toContain('rel="enclosure"');
    expect(items[0]).not.toHaveProperty('image');
    expect(items[0]).not.toHaveProperty('attachments');
  });

  it('knows an image type from its extension and never guesses a length', () => {
    expect(leadMedia(site, REMOTE.article)).toMatchObject({ type: 'image/webp', length: null, width: null });
    expect(leadMedia(site, { image: { src: 'https://x.test/photo', alt: '' } })?.type).toBeNull();
    expect(leadMedia(site, NONE.article)).toBeNull();
  });

  it('gives each item its language and canonical URL in JSON Feed, and the language as xml:lang in Atom', () => {
    const entry = entryOf('---\ntitle: Hafen\nlang: de\ncanonical_url: https://first.example/hafen\n---\nText.\n');
    const { atom, items } = feeds([entry]);
    expect(items[0]).toMatchObject({ language: 'de', external_url: 'https://first.example/hafen' });
    expect(atom).toContain('<entry xml:lang="de">');
    assertWellFormedXml(atom);
  });
});

describe('images and links in item content and pages', () => {
  it('resolves relative targets against siteUrl in feeds, with intrinsic sizes when known', () => {
    const entry = entryOf('# T\n\n![Lead](img/lead.jpg) [next](other.html) [top](/) [notes](#n)\n');
    const { items } = feeds([entry], KNOWN);
    expect(items[0]?.content_html).toBe(
      '<p><img src="https://news.example.com/articles/img/lead.jpg" alt="Lead" width="1200" height="800"> <a href="https://news.example.com/articles/other.html">next</a> <a href="https://news.example.com/">top</a> <a href="#n">notes</a></p>',
    );
  });

  it('shows page images lazily with alt and size, and a front matter lead image above the body', () => {
    const page = renderArticlePage(site, LOCAL, KNOWN).body;
    expect(page).toContain(
      '<figure class="lead"><img src="https://news.example.com/articles/img/lead.jpg" alt="The harbour at dawn" width="1200" height="800" loading="lazy"></figure>',
    );
    const body = renderArticlePage(site, REMOTE).body;
    expect(body).toContain(
      '<img src="https://cdn.example.org/pics/crane.webp" alt="A crane" title="Crane" loading="lazy">',
    );
    expect(body).not.toContain('<figure');
  });

  it('uses the front matter canonical URL and language on the page', () => {
    const entry = entryOf('---\ntitle: Hafen\nlang: de\ncanonical_url: https://first.example/hafen\n---\nText.\n');
    const page = renderArticlePage(site, entry).body;
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('<link rel="canonical" href="https://first.example/hafen">');
  });
});

describe('dates on pages', () => {
  const entry = makeEntry(NONE.article, '2026-11-30T00:30:00+01:00');

  it('shows the UTC day by default, and the day in site.json timeZone when set; feeds keep the instant', () => {
    expect(renderArticlePage(site, entry).body).toContain(
      '<time datetime="2026-11-29T23:30:00.000Z">29 November 2026</time>',
    );
    const berlin = parseSite({ ...site, timeZone: 'Europe/Berlin' }, 'site.json');
    expect(renderArticlePage(berlin, entry).body).toContain(
      '<time datetime="2026-11-29T23:30:00.000Z">30 November 2026</time>',
    );
    const json = JSON.parse(renderFeeds(berlin, [entry])[2]?.body ?? '{}') as { items: { date_published: string }[] };
    expect(json.items[0]?.date_published).toBe('2026-11-29T23:30:00.000Z');
  });

  it('validates timeZone as an IANA name, defaulting to UTC', () => {
    expect(parseSite({ ...site }, 'site.json').timeZone).toBe('UTC');
    expect(parseSite({ ...site, timeZone: 'Asia/Kolkata' }, 'site.json').timeZone).toBe('Asia/Kolkata');
    for (const bad of ['Mars/Olympus', '', 42, '+01:00']) {
      expect(() => parseSite({ ...site, timeZone: bad }, 'content/site.json')).toThrow(ConfigError);
      expect(() => parseSite({ ...site, timeZone: bad }, 'content/site.json')).toThrow(
        /^content\/site\.json: "timeZone" must be an IANA time zone name/,
      );
    }
  });
});

describe('media helpers for the pipeline', () => {
  it('holds a future-dated article until it is due', () => {
    const future = { published: '2026-12-01T09:00:00.000Z' };
    expect(isDue(future, new Date('2026-12-01T08:59:59.999Z'))).toBe(false);
    expect(isDue(future, new Date('2026-12-01T09:00:00.000Z'))).toBe(true);
    expect(isDue({ published: null }, new Date(0))).toBe(true);
  });

  it('maps image site paths to content keys and back to site URLs', () => {
    expect(imageContentKey('/articles/img/a%20b.png?v=2#x')).toBe('articles/img/a b.png');
    expect(assetUrl(site, 'articles/img/a b.png')).toBe('https://news.example.com/articles/img/a%20b.png');
    expect(absoluteHref(site, '/articles/img/a%20b.png')).toBe('https://news.example.com/articles/img/a%20b.png');
    for (const src of ['https://x.test/a.png', '/articles/notes.txt', '/articles/', '//x.test/a.png', '/a%ZZ.png']) {
      expect(imageContentKey(src)).toBeNull();
    }
  });

  it('publishes images with their media type and a year of immutable caching (their path names their bytes)', () => {
    expect([contentTypeFor('media/0123456789abcdef/a.JPG'), cacheControlFor('media/0123456789abcdef/a.JPG')]).toEqual([
      'image/jpeg',
      'public, max-age=31536000, immutable',
    ]);
    expect(contentTypeFor('articles/x.webp')).toBe('image/webp');
    expect(contentTypeFor('articles/x.avif')).toBe('image/avif');
    expect(contentTypeFor('articles/x.svg')).toBe('image/svg+xml');
    expect(cacheControlFor('articles/x.html')).toBe('public, max-age=3600');
  });
});
