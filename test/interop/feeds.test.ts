import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serveDirectory } from '../../functions/adapters/http-server.ts';
import { articleUrl, type FeedEntry } from '../../functions/core/article.ts';
import { sortNewestFirst } from '../../functions/core/render/index.ts';
import { pngImage } from '../helpers/images.ts';
import {
  hostileEntry,
  MEDIA_ASSETS,
  mediaEntries,
  sampleEntries,
  sampleSite,
  writeRenderedSite,
} from '../helpers/sample-entries.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';
import { withoutXmlInvalid } from '../helpers/xml-text.ts';
import { checkJsonFeedSchema, checkWithFeedparser, checkWithNewsboat, utcParts } from './check-feeds.ts';

let dir: string;
let server: RunningServer;
const entries: FeedEntry[] = [...sampleEntries(), hostileEntry(), ...mediaEntries()];
const newestFirst = sortNewestFirst(entries);
const expectedTitles = newestFirst.map((e) => withoutXmlInvalid(e.article.title));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-interop-'));
  await writeRenderedSite(join(dir, 'public'), sampleSite, entries, MEDIA_ASSETS);
  server = await serveDirectory(join(dir, 'public'), { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Debian feedparser', () => {
  it('parses feed.xml as rss20 and atom.xml as atom10 without bozo, agreeing with feed.json', async () => {
    const { rss, atom } = await checkWithFeedparser(join(dir, 'public'));
    expect(rss.bozo).toBeFalsy();
    expect(atom.bozo).toBeFalsy();
    expect([rss.version, atom.version]).toEqual(['rss20', 'atom10']);
  });

  it('sees the titles, links, ids, authors and dates as rendered', async () => {
    const { rss, atom } = await checkWithFeedparser(join(dir, 'public'));
    const expected = newestFirst.map((e) => ({
      link: articleUrl(sampleSite, e.article.id),
      authors: e.article.authors.length > 0 ? e.article.authors.map(withoutXmlInvalid) : ['Sample Desk'],
      published: utcParts(e.published),
    }));
    for (const parsed of [rss, atom]) {
      expect(
        parsed.entries.map((e) => ({
          link: e.link,
          authors: e.authors.map((a) => a.name),
          published: e.published_parsed,
        })),
      ).toEqual(expected);
      expect(parsed.entries.map((e) => e.id)).toEqual(expected.map((e) => e.link));
    }
    expect(rss.entries.map((e) => e.title)).toEqual(expectedTitles);
    expect(atom.entries.map((e) => e.updated_parsed)).toEqual(newestFirst.map((e) => utcParts(e.updated)));
    expect(atom.feed.authors[0]).toEqual({
      name: 'Sample Desk',
      email: 'desk@news.example.com',
      href: 'https://news.example.com/about',
    });
    expect(atom.feed.links.filter((l) => l.rel === 'hub').map((l) => l.href)).toEqual([...sampleSite.hubs]);
  });

  it('sees each lead image: an RSS enclosure when its length is known, else media:content, and Atom enclosures', async () => {
    const { rss, atom } = await checkWithFeedparser(join(dir, 'public'));
    const byLink = (parsed: typeof rss, id: string) =>
      parsed.entries.find((e) => e.link === articleUrl(sampleSite, id));
    const local = { href: 'https://news.example.com/articles/img/harbour.jpg', type: 'image/jpeg', length: '48213' };
    expect(byLink(rss, 'harbour-reopens')?.enclosures).toEqual([local]);
    expect(byLink(atom, 'harbour-reopens')?.enclosures).toEqual([local]);
    expect(byLink(rss, 'crane-arrives')?.enclosures).toEqual([]);
    expect(byLink(rss, 'crane-arrives')?.media_content).toEqual([
      { url: 'https://cdn.example.org/pics/crane.webp', type: 'image/webp', medium: 'image' },
    ]);
    expect(byLink(atom, 'crane-arrives')?.enclosures).toEqual([
      { href: 'https://cdn.example.org/pics/crane.webp', type: 'image/webp', length: null },
    ]);
    for (const parsed of [rss, atom]) expect(byLink(parsed, 'port-figures')?.enclosures).toEqual([]);
    const content = byLink(rss, 'port-figures')?.content[0] ?? '';
    expect(content).toContain('<table>');
    expect(content).toContain('echo "&lt;done&gt;"');
  });

  it('reads the enclosure of an image published beside its article by `publish`: its media URL, length and type', async () => {
    const ws = await Workspace.create();
    try {
      const png = pngImage(16, 9);
      await ws.write('pier.png', png);
      await ws.write('pier.md', markdownArticle('Pier', '![The pier](pier.png)', { date: '2025-06-01' }));
      const result = await ws.publish();
      const path = result.written.find((p) => p.startsWith('media/')) as string;
      const { rss, atom } = await checkWithFeedparser(ws.outDir);
      const enclosure = { href: `${TEST_SITE.siteUrl}/${path}`, type: 'image/png', length: String(png.length) };
      expect(rss.entries[0]?.enclosures).toEqual([enclosure]);
      expect(atom.entries[0]?.enclosures).toEqual([enclosure]);
    } finally {
      await ws.dispose();
    }
  });

  it('rejects a directory whose feed is malformed (the check can fail)', async () => {
    const broken = join(dir, 'broken');
    await cp(join(dir, 'public'), broken, { recursive: true });
    await writeFile(
      join(broken, 'atom.xml'),
      '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x & y</title></feed>',
    );
    await expect(checkWithFeedparser(broken)).rejects.toThrow(/atom\.xml: bozo/);
  });
});

describe('JSON Feed 1.1 schema', () => {
  it('validates feed.json with ajv against jsonfeed-schema v1.1', async () => {
    const feed = await checkJsonFeedSchema(join(dir, 'public'));
    expect(feed.items.map((i) => i.title)).toEqual(expectedTitles);
  });

  it('validates items with an image and attachments', async () => {
    const feed = await checkJsonFeedSchema(join(dir, 'public'));
    const harbour = feed.items.find((i) => i.id === articleUrl(sampleSite, 'harbour-reopens'));
    expect(harbour?.image).toBe('https://news.example.com/articles/img/harbour.jpg');
    expect(harbour?.attachments).toEqual([
      { url: 'https://news.example.com/articles/img/harbour.jpg', mime_type: 'image/jpeg', size_in_bytes: 48213 },
    ]);
  });

  it('rejects a feed with the 1.0-only author field or a malformed URL (the check can fail)', async () => {
    const old = join(dir, 'json-1.0');
    await mkdir(old, { recursive: true });
    const base = {
      version: 'https://jsonfeed.org/version/1.1',
      title: 't',
      items: [{ id: '1', content_html: '<p>x</p>' }],
    };
    await writeFile(join(old, 'feed.json'), JSON.stringify({ ...base, author: { name: 'A' } }));
    await expect(checkJsonFeedSchema(old)).rejects.toThrow(/deprecated field "author"/);
    await writeFile(join(old, 'feed.json'), JSON.stringify({ ...base, home_page_url: 'not a url' }));
    await expect(checkJsonFeedSchema(old)).rejects.toThrow(/home_page_url/);
    await writeFile(join(old, 'feed.json'), JSON.stringify({ ...base, version: 'https://jsonfeed.org/version/1' }));
    await expect(checkJsonFeedSchema(old)).rejects.toThrow(/version is/);
  });
});

describe('newsboat', () => {
  it('subscribes to the served RSS and Atom feeds and lists every article title as unread', async () => {
    const results = await checkWithNewsboat(server.url, expectedTitles);
    expect(results.map((r) => [r.url, r.unread])).toEqual([
      [`${server.url}/feed.xml`, entries.length],
      [`${server.url}/atom.xml`, entries.length],
    ]);
  });

  it('fails on a feed URL that answers 404, although newsboat itself exits 0', async () => {
    await expect(checkWithNewsboat(`${server.url}/missing`, expectedTitles)).rejects.toThrow(/could not load .*404/s);
  });
});
