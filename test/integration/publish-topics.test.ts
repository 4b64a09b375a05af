/**
 * Topic collections and complete history through publish, read back by real parsers: ~250 articles across
 * categories, tags and authors; every topic's feeds hold exactly its articles; following RFC 5005 `prev-archive`
 * links (feedparser) and JSON Feed `next_url` from each current document reaches every article exactly once; two
 * builds are byte-identical; an edit that removes a tag rewrites exactly the documents it must; a topic that loses
 * its last article is removed with its state.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { parseTopicFilter, topicFilterTerm, topicSlug } from '../../functions/core/topics.ts';
import { attemptDelivery, type DeliveryDeps } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { Workspace } from '../helpers/workspace.ts';
import { type JsonFeed, jsonFeedProblems, type ParsedFeed, parseManyWithFeedparser } from '../interop/check-feeds.ts';

const SITE = {
  title: 'Topic Wire',
  siteUrl: 'https://news.example.com',
  description: 'Topics test',
  language: 'en',
  author: { name: 'Desk' },
  itemLimit: 20,
  topics: { categories: { itemLimit: 10 }, tags: { itemLimit: 10 }, authors: { itemLimit: 10 } },
};
const URL_BASE = `${SITE.siteUrl}/`;
const COUNT = 250;
const CATEGORIES = ['Politics', 'Politics', 'Markets', 'Sport', 'Politics', 'Science'];
const TAGS = ['Energy', 'Climate', 'Elections', 'Tech', 'Health', 'Europe', 'Asia', 'Markets'];
const AUTHORS = ['Ana Lima', 'Ben Okafor', 'Chloé Martin', 'Dev Rao', 'Eva Berg', 'Finn Walsh'];

interface Generated {
  readonly id: string;
  readonly category: string;
  readonly tags: string[];
  readonly authors: string[];
  readonly date: string;
}

/** Deterministic spread: article 0 (the oldest) is in Politics, tagged Energy and Climate, by Ana Lima. */
function generate(i: number): Generated {
  const tags = i === 0 ? ['Energy', 'Climate'] : TAGS.filter((_, t) => (i * 7 + t * 3) % 5 === 0).slice(0, 3);
  const authors = i === 0 ? ['Ana Lima'] : [AUTHORS[i % 6] as string, ...(i % 4 === 0 ? [AUTHORS[(i + 3) % 6]] : [])];
  return {
    id: `a${String(i).padStart(4, '0')}`,
    category: CATEGORIES[i % CATEGORIES.length] as string,
    tags,
    authors: authors as string[],
    date: new Date(Date.UTC(2025, 0, 1, i)).toISOString(),
  };
}

function source(a: Generated, tags = a.tags): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  return `---\ntitle: "Story ${a.id}"\ndate: "${a.date}"\ncategory: "${a.category}"\ntags: ${list(tags)}\nauthors: ${list(a.authors)}\n---\n\nBody of ${a.id}.\n`;
}

const articles = Array.from({ length: COUNT }, (_, i) => generate(i));

/** Collection base path → the article ids it must hold. */
function expectedCollections(list: readonly Generated[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>([['', new Set(list.map((a) => a.id))]]);
  const add = (base: string, id: string) => map.set(base, new Set([...(map.get(base) ?? []), id]));
  for (const a of list) {
    add(`categories/${topicSlug(a.category)}/`, a.id);
    for (const tag of a.tags) add(`tags/${topicSlug(tag)}/`, a.id);
    for (const author of a.authors) add(`authors/${topicSlug(author)}/`, a.id);
  }
  return map;
}

const articleUrl = (id: string) => `${URL_BASE}articles/${id}.html`;
const pathOf = (url: string) => {
  expect(url.startsWith(URL_BASE), url).toBe(true);
  return url.slice(URL_BASE.length);
};

async function writeAll(ws: Workspace): Promise<void> {
  for (const a of articles) await ws.write(`${a.id}.md`, source(a));
}

let ws: Workspace;
beforeAll(async () => {
  ws = await Workspace.create(SITE);
  await writeAll(ws);
  const result = await ws.publish();
  expect(result.rejected).toEqual([]);
}, 120_000);
afterAll(async () => {
  await ws.dispose();
});

describe('topic collections and complete history', () => {
  it('publishes one collection per category, tag and author, each feed chain holding exactly its articles once', async () => {
    const files = await ws.outputFiles();
    const expected = expectedCollections(articles);
    const fronts = Object.keys(files)
      .filter((path) => /^(categories|tags|authors)\/[^/]+\/index\.html$/.test(path))
      .map((path) => path.slice(0, -'index.html'.length));
    expect(fronts.sort()).toEqual([...expected.keys()].filter((base) => base !== '').sort());
    // A category large enough for two pages: its history spans more than one archive document.
    expect(files['categories/politics/archive/2/feed.xml']).toBeDefined();

    const xmlPaths = Object.keys(files).filter(
      (path) => /(^|\/)(feed|atom)\.xml$/.test(path) && !path.startsWith('articles/'),
    );
    const parsed = await parseManyWithFeedparser(xmlPaths.map((path) => join(ws.outDir, path)));
    for (const path of xmlPaths) {
      const feed = parsed[join(ws.outDir, path)];
      expect(feed?.bozo, `${path}: ${feed?.bozo_exception}`).toBeFalsy();
      expect(feed?.feed.language, path).toBe('en');
      expect(feed?.feed.links.find((l) => l.rel === 'self')?.href, path).toBe(`${URL_BASE}${path}`);
      for (const entry of feed?.entries ?? []) expect(entry.title, path).not.toMatch(/[<>]/);
      const archive = path.includes('/archive/') || path.startsWith('archive/');
      expect(files[path]?.includes('<fh:archive/>'), path).toBe(archive);
      if (archive)
        expect(
          feed?.feed.links.some((l) => l.rel === 'current'),
          path,
        ).toBe(true);
    }

    for (const [base, ids] of expected) {
      const want = [...ids].map(articleUrl).sort();
      for (const file of ['feed.xml', 'atom.xml']) {
        const seen: string[] = [];
        const visited: string[] = [];
        for (let path: string | null = `${base}${file}`; path !== null; ) {
          visited.push(path);
          const feed: ParsedFeed | undefined = parsed[join(ws.outDir, path)];
          expect(feed, path).toBeDefined();
          seen.push(...(feed?.entries ?? []).map((entry) => entry.link ?? ''));
          const prev: string | null | undefined = feed?.feed.links.find((l) => l.rel === 'prev-archive')?.href;
          path = prev == null ? null : pathOf(prev);
          expect(visited.length).toBeLessThan(20);
        }
        expect(seen.length, `${base}${file}`).toBe(new Set(seen).size);
        expect(seen.sort(), `${base}${file}`).toEqual(want);
      }
      const seen: string[] = [];
      for (let path: string | null = `${base}feed.json`; path !== null; ) {
        const doc = JSON.parse(files[path] ?? 'null') as JsonFeed;
        expect(await jsonFeedProblems(doc), path).toEqual([]);
        seen.push(...doc.items.map((item) => item.id));
        path = typeof doc.next_url === 'string' ? pathOf(doc.next_url) : null;
      }
      expect(seen.length, `${base}feed.json`).toBe(new Set(seen).size);
      expect(seen.sort(), `${base}feed.json`).toEqual(want);
    }
  }, 120_000);

  it('links each article page to its topics and each topic page to its feeds', async () => {
    const files = await ws.outputFiles();
    const page = files['articles/a0000.html'] ?? '';
    expect(page).toContain('<a href="../categories/politics/index.html">Politics</a>');
    expect(page).toContain('<a href="../tags/climate/index.html">Climate</a>');
    expect(page).toContain('<a href="../authors/ana-lima/index.html">Ana Lima</a>');
    const topic = files['tags/climate/index.html'] ?? '';
    expect(topic).toContain('<h1>Tag: Climate</h1>');
    expect(topic).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Climate · Topic Wire (RSS)" href="https://news.example.com/tags/climate/feed.xml">',
    );
    expect(topic).toContain('href="../../articles/');
  });

  it('builds the same content into byte-identical files twice', async () => {
    const again = await Workspace.create(SITE);
    try {
      await writeAll(again);
      await again.publish();
      const [a, b] = [await ws.outputFiles(), await again.outputFiles()];
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const path of Object.keys(a)) expect(b[path] === a[path], path).toBe(true);
    } finally {
      await again.dispose();
    }
  }, 120_000);

  it('an edit that removes a tag is an update that drops the item from that tag and rewrites nothing else', async () => {
    const first = articles[0] as Generated;
    ws.clock.advance(86_400_000);
    await ws.write(`${first.id}.md`, source(first, ['Energy']));
    const result = await ws.publish();
    expect(result.events.map((e) => `${e.type}${e.type === 'article.updated' ? ` ${e.data.id}` : ''}`)).toEqual([
      'article.updated a0000',
      'feed.updated',
    ]);
    const documents = (base: string) => ['atom.xml', 'feed.json', 'feed.xml'].map((f) => `${base}archive/1/${f}`);
    // The oldest article is outside every feed window, on page 1 of each of its collections: the collections it
    // stays in rewrite only that page's archive documents (its `updated` changed); the tag it left rewrites its page.
    const changedDocuments = [
      ...documents(''),
      ...documents('authors/ana-lima/'),
      ...documents('categories/politics/'),
      ...documents('tags/climate/'),
      ...documents('tags/energy/'),
    ].sort();
    expect([...result.written].sort()).toEqual(
      ['articles/a0000.html', ...changedDocuments, 'tags/climate/archive/1.html', 'tags/climate/index.html'].sort(),
    );
    const feedUpdated = result.events.find((e) => e.type === 'feed.updated');
    expect(feedUpdated?.type === 'feed.updated' && feedUpdated.data.changedFeeds).toEqual(
      changedDocuments.map((path) => `${URL_BASE}${path}`),
    );
    const files = await ws.outputFiles();
    const climate = [files['tags/climate/feed.json'], files['tags/climate/archive/1/feed.json']].join('\n');
    expect(climate).not.toContain(articleUrl('a0000'));
    expect(files['tags/energy/archive/1/feed.json']).toContain(articleUrl('a0000'));
  }, 60_000);

  it('removes a topic, its pages, feeds and state when it loses its last article', async () => {
    ws.clock.advance(86_400_000);
    await ws.write('solo.md', '---\ntitle: "Solo"\ndate: "2026-01-02T00:00:00Z"\ntags: ["Only Once"]\n---\n\nAlone.\n');
    await ws.publish();
    expect((await ws.outputFiles())['tags/only-once/feed.xml']).toBeDefined();
    expect(await readdir(join(ws.stateDir, 'collections', 'tags'))).toContain('only-once');

    await ws.remove('solo.md');
    const result = await ws.publish();
    expect(result.deleted.filter((path) => path.startsWith('tags/only-once/')).sort()).toEqual(
      [
        'tags/only-once/archive/1.html',
        'tags/only-once/archive/1/atom.xml',
        'tags/only-once/archive/1/feed.json',
        'tags/only-once/archive/1/feed.xml',
        'tags/only-once/atom.xml',
        'tags/only-once/feed.json',
        'tags/only-once/feed.xml',
        'tags/only-once/index.html',
      ].sort(),
    );
    expect(Object.keys(await ws.outputFiles()).filter((path) => path.startsWith('tags/only-once/'))).toEqual([]);
    const left = await readdir(join(ws.stateDir, 'collections', 'tags', 'only-once'), { recursive: true }).catch(
      () => [],
    );
    expect(left.filter((name) => name.endsWith('.json'))).toEqual([]);
    const feedUpdated = result.events.find((e) => e.type === 'feed.updated');
    expect(feedUpdated?.type === 'feed.updated' && feedUpdated.data.changedFeeds).toContain(
      `${URL_BASE}tags/only-once/feed.xml`,
    );
  }, 60_000);

  it('a topic subscriber receives exactly the events of its topic, and the update that takes an article out of it', async () => {
    const topicHooks = await startReceiver();
    const allHooks = await startReceiver();
    try {
      const subscribers = new SubscriberRepository(new FsStore(ws.stateDir));
      const topics = parseTopicFilter('tag:Climate').map(topicFilterTerm);
      expect(topics).toEqual(['tag:climate']);
      const climate = await subscribers.add(topicHooks.url, { topics, allowPrivateTargets: true, now: ws.clock.now() });
      const all = await subscribers.add(allHooks.url, { allowPrivateTargets: true, now: ws.clock.now(), force: true });
      topicHooks.secrets = [climate.secrets[0]?.secret ?? ''];
      allHooks.secrets = [all.secrets[0]?.secret ?? ''];
      const deps: DeliveryDeps = {
        subscribers,
        sender: createHttpSender({ allowPrivateTargets: true, timeoutMs: 5_000, userAgent: 'wirefeed/test' }),
        clock: systemClock,
        schedule: [1],
        random: () => 0.5,
      };
      const step = async (): Promise<void> => {
        ws.clock.advance(3_600_000);
        ws.queue.jobs.splice(0);
        await ws.publish();
        for (const job of ws.queue.jobs) expect((await attemptDelivery(job, deps)).kind).toBe('delivered');
      };
      const seen = (receiver: typeof topicHooks) =>
        receiver.requests.splice(0).map((request) => {
          const body = JSON.parse(request.body) as { type: string; data: { id?: string; leftTopics?: string[] } };
          return `${body.type}${body.data.id === undefined ? '' : ` ${body.data.id}`}${body.data.leftTopics ? ` left ${body.data.leftTopics}` : ''}`;
        });
      const story = (tags: string[], body: string) =>
        `---\ntitle: "Heat record"\ndate: "2025-12-10T00:00:00Z"\ntags: ${JSON.stringify(tags)}\n---\n\n${body}\n`;

      await ws.write('heat.md', story(['Climate', 'Europe'], 'Hottest day.'));
      await ws.write('chips.md', '---\ntitle: "Chips"\ndate: "2025-12-10T01:00:00Z"\ntags: ["Tech"]\n---\n\nSmall.\n');
      await step();
      expect(seen(topicHooks)).toEqual(['article.published heat', 'feed.updated']);
      expect(seen(allHooks)).toEqual(['article.published chips', 'article.published heat', 'feed.updated']);

      // Leaving the topic: the subscriber gets that update (naming the topic it left), then nothing more of it.
      await ws.write('heat.md', story(['Europe'], 'Hottest day.'));
      await step();
      expect(seen(topicHooks)).toEqual(['article.updated heat left tag:climate', 'feed.updated']);
      expect(seen(allHooks)).toEqual(['article.updated heat left tag:climate', 'feed.updated']);

      await ws.write('heat.md', story(['Europe'], 'Hottest day on record.'));
      await step();
      expect(seen(topicHooks)).toEqual([]);
      expect(seen(allHooks)).toEqual(['article.updated heat', 'feed.updated']);
    } finally {
      await topicHooks.close();
      await allHooks.close();
    }
  }, 60_000);
});
