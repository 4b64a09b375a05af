/**
 * Moving a site to a new `siteUrl` (a custom domain in front of CloudFront, a new host name): every entry keeps the
 * id it was first published with — RSS guid, Atom id, JSON Feed id — so feed readers show nothing twice, while
 * links follow the new URL, and subscribers are told through `feed.updated`'s `moved`.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';
import { attributeValues, elementTexts } from '../helpers/xml-text.ts';

const OLD = TEST_SITE.siteUrl;
const NEW = 'https://www.harbour-desk.example';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.dispose();
});

async function moveTo(siteUrl: string): Promise<void> {
  await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...TEST_SITE, siteUrl }));
}

/** Each feed's entries as `{id, link}`, read from the published files. */
async function feedIds(): Promise<Record<'rss' | 'atom' | 'json', { id: string; link: string }[]>> {
  const files = await ws.outputFiles();
  const json = JSON.parse(files['feed.json'] ?? '{}') as { items: { id: string; url: string }[] };
  const first = (inner: string, name: string) => elementTexts(inner, name)[0] ?? '';
  const rawItems = (xml: string, name: string) => [
    ...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g')),
  ];
  return {
    rss: rawItems(files['feed.xml'] ?? '', 'item').map((m) => ({
      id: first(m[1] ?? '', 'guid'),
      link: first(m[1] ?? '', 'link'),
    })),
    atom: rawItems(files['atom.xml'] ?? '', 'entry').map((m) => ({
      id: first(m[1] ?? '', 'id'),
      link: attributeValues(m[1] ?? '', 'link', 'href')[0] ?? '',
    })),
    json: json.items.map((item) => ({ id: item.id, url: item.url })).map(({ id, url }) => ({ id, link: url })),
  };
}

const articleUrl = (base: string, id: string) => `${base}/articles/${id}.html`;
const feedUpdated = (events: readonly WebhookEvent[]) => events.find((event) => event.type === 'feed.updated');

describe('a site moved to a new siteUrl', () => {
  it('keeps every entry id as first published, moves the links, and says so in feed.updated', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await ws.write('beta.md', markdownArticle('Beta', 'Second.', { date: '2025-12-03' }));
    await ws.publish();
    const before = await feedIds();
    expect(before.json.map((e) => e.id)).toEqual([articleUrl(OLD, 'beta'), articleUrl(OLD, 'alpha')]);

    await moveTo(NEW);
    const moved = await ws.publish();
    const after = await feedIds();
    for (const format of ['rss', 'atom', 'json'] as const) {
      expect(
        after[format].map((e) => e.id),
        format,
      ).toEqual(before[format].map((e) => e.id));
      expect(
        after[format].map((e) => e.link),
        format,
      ).toEqual([articleUrl(NEW, 'beta'), articleUrl(NEW, 'alpha')]);
    }
    // No article changed: one feed.updated, naming the new feed URLs and where they moved from.
    expect(moved.events.map((e) => e.type)).toEqual(['feed.updated']);
    expect(feedUpdated(moved.events)?.data).toMatchObject({
      feeds: { rss: `${NEW}/feed.xml`, atom: `${NEW}/atom.xml`, json: `${NEW}/feed.json`, home: `${NEW}/` },
      moved: { from: { rss: `${OLD}/feed.xml`, atom: `${OLD}/atom.xml`, json: `${OLD}/feed.json`, home: `${OLD}/` } },
      published: [],
      updated: [],
      deleted: [],
    });
    const pages = await ws.outputFiles();
    // The guid is no longer the item's link, so it no longer claims to be one.
    expect(pages['feed.xml']).toContain(`<guid isPermaLink="false">${articleUrl(OLD, 'alpha')}</guid>`);
    expect(pages['articles/alpha.html']).toContain(articleUrl(NEW, 'alpha'));
    expect(pages['articles/alpha.html']).not.toContain(OLD);

    // After the move: an edit keeps its id, a new article gets one under the new URL, and feed.updated no longer
    // says "moved".
    await ws.write('alpha.md', markdownArticle('Alpha', 'First, revised.', { date: '2025-12-02' }));
    await ws.write('gamma.md', markdownArticle('Gamma', 'Third.', { date: '2025-12-04' }));
    const later = await ws.publish();
    expect(later.events.map((e) => e.type).sort()).toEqual(['article.published', 'article.updated', 'feed.updated']);
    expect(feedUpdated(later.events)?.data).not.toHaveProperty('moved');
    expect((await feedIds()).json.map((e) => e.id)).toEqual([
      articleUrl(NEW, 'gamma'),
      articleUrl(OLD, 'beta'),
      articleUrl(OLD, 'alpha'),
    ]);
  });

  it('keeps the ids when the PublishFunction’s site URL moves from CloudFront to a custom domain', async () => {
    const cloudfront = 'https://d111111abcdef8.cloudfront.net';
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await publish(ws.stores(), { siteUrl: cloudfront });
    const moved = await publish(ws.stores(), { siteUrl: 'https://news.example.org' });
    expect((await feedIds()).atom).toEqual([
      { id: articleUrl(cloudfront, 'alpha'), link: articleUrl('https://news.example.org', 'alpha') },
    ]);
    expect(feedUpdated(moved.events)?.data).toMatchObject({ moved: { from: { rss: `${cloudfront}/feed.xml` } } });
  });

  it('keeps the id of an article deleted before the move and restored after it', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await ws.publish();
    await ws.remove('alpha.md');
    await ws.publish();
    await moveTo(NEW);
    await ws.publish();
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await ws.publish();
    expect((await feedIds()).rss).toEqual([{ id: articleUrl(OLD, 'alpha'), link: articleUrl(NEW, 'alpha') }]);
  });

  it('gives records written before ids were kept the id they were published with, even when moved in the same run', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await ws.write('beta.md', markdownArticle('Beta', 'Second.', { date: '2025-12-03' }));
    await ws.publish();
    // The state as earlier versions wrote it: records without `entryId`, a root without `siteUrl` and `idBase`.
    const records = join(ws.stateDir, 'records');
    for (const name of await readdir(records)) {
      const { entryId: _, ...record } = JSON.parse(await readFile(join(records, name), 'utf8'));
      await writeFile(join(records, name), `${JSON.stringify(record)}\n`);
    }
    const root = join(ws.stateDir, 'state.json');
    const { siteUrl: _s, idBase: _b, ...head } = JSON.parse(await readFile(root, 'utf8'));
    await writeFile(root, `${JSON.stringify(head)}\n`);
    const before = await feedIds();

    await moveTo(NEW);
    const moved = await ws.publish();
    const after = await feedIds();
    expect(after.json.map((e) => e.id)).toEqual(before.json.map((e) => e.id));
    expect(after.rss.map((e) => e.id)).toEqual([articleUrl(OLD, 'beta'), articleUrl(OLD, 'alpha')]);
    expect(after.atom.map((e) => e.link)).toEqual([articleUrl(NEW, 'beta'), articleUrl(NEW, 'alpha')]);
    expect(feedUpdated(moved.events)?.data).toMatchObject({ moved: { from: { home: `${OLD}/` } } });
  });

  it('keeps the ids release 1 published when its state is adopted and the site moves in the same run', async () => {
    const fixture = join(import.meta.dirname, '../fixtures/release-1');
    await cp(join(fixture, 'content'), ws.contentDir, { recursive: true });
    await cp(join(fixture, 'output'), ws.outDir, { recursive: true });
    await cp(join(fixture, 'state'), ws.stateDir, { recursive: true });
    const site = JSON.parse(await readFile(join(ws.contentDir, 'site.json'), 'utf8')) as { siteUrl: string };
    const release1 = await feedIds();
    await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...site, siteUrl: NEW }));
    // After the day release 1 wrote the fixture: its articles' dates are past, none is a scheduled article.
    ws.clock.advance(Date.parse('2026-12-04T00:00:00Z') - ws.clock.now().getTime());
    await ws.publish();
    const after = await feedIds();
    for (const format of ['rss', 'atom', 'json'] as const) {
      expect(after[format].map((e) => e.id).sort(), format).toEqual(release1[format].map((e) => e.id).sort());
      for (const entry of after[format]) expect(entry.link.startsWith(`${NEW}/articles/`), format).toBe(true);
    }
    expect(release1.json.length).toBe(3);
  });

  it('publishes byte-identical feeds when the site has not moved', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First.', { date: '2025-12-02' }));
    await ws.publish();
    const files = await ws.outputFiles();
    // The guid is the permalink, as before ids were kept; it is marked as no permalink only once the link moved.
    expect(files['feed.xml']).toContain(`<guid isPermaLink="true">${articleUrl(OLD, 'alpha')}</guid>`);
  });
});
