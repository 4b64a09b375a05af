import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { LOCK_KEY, STATE_KEY } from '../../functions/core/state-keys.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { markdownArticle, TEST_SITE, Workspace, webhookJobs } from '../helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.dispose();
});

const eventsOf = (result: { events: readonly { type: string; data: object }[] }) =>
  result.events.map((e) => `${e.type} ${'id' in e.data ? e.data.id : ''}`.trim());

describe('publish to directories', () => {
  it('publishes every article into the three feeds, the index and one page each', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First body.', { date: '2025-12-02' }));
    await ws.write('beta.md', markdownArticle('Beta', 'Second body.', { date: '2025-12-03' }));
    const result = await ws.publish();
    expect(result.rejected).toEqual([]);
    expect(result.articles).toBe(2);
    const files = await ws.outputFiles();
    expect(Object.keys(files).sort()).toEqual([
      '404.html',
      'archive/1.html',
      'archive/1/atom.xml',
      'archive/1/feed.json',
      'archive/1/feed.xml',
      'articles/alpha.html',
      'articles/beta.html',
      'atom.xml',
      'feed.json',
      'feed.xml',
      'index.html',
      'webhooks/schema.json',
    ]);
    expect(eventsOf(result)).toEqual(['article.published alpha', 'article.published beta', 'feed.updated']);
    const json = JSON.parse(files['feed.json'] ?? '{}') as { items: { id: string }[] };
    expect(json.items.map((i) => i.id)).toEqual([
      'https://news.example.com/articles/beta.html',
      'https://news.example.com/articles/alpha.html',
    ]);
  });

  it('writes nothing and announces nothing when nothing changed', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First body.'));
    await ws.publish();
    const output = new CountingStore(new FsStore(ws.outDir));
    const state = new CountingStore(new FsStore(ws.stateDir));
    ws.clock.advance(3_600_000);
    const result = await ws.publish({ output, state });
    expect(result.events).toEqual([]);
    expect(result.written).toEqual([]);
    expect(output.counts.put + output.counts.delete + state.counts.put + state.counts.delete).toBe(0);
  });

  it('announces add, edit and delete exactly, and ignores a whitespace-only edit', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'First body.'));
    await ws.publish();

    await ws.write('beta.md', markdownArticle('Beta', 'New one.'));
    expect(eventsOf(await ws.publish())).toEqual(['article.published beta', 'feed.updated']);

    await ws.write('alpha.md', markdownArticle('Alpha', 'First body, edited.'));
    ws.clock.advance(60_000);
    const edited = await ws.publish();
    expect(eventsOf(edited)).toEqual(['article.updated alpha', 'feed.updated']);
    expect(edited.written).toContain('articles/alpha.html');
    expect(edited.written).not.toContain('articles/beta.html');

    await ws.write('alpha.md', markdownArticle('Alpha', '  First   body,\tedited.  \n\n'));
    const whitespace = await ws.publish();
    expect(whitespace.events).toEqual([]);
    expect(whitespace.written).toEqual([]);

    await ws.remove('beta.md');
    const removed = await ws.publish();
    expect(eventsOf(removed)).toEqual(['article.deleted beta', 'feed.updated']);
    expect(removed.deleted).toEqual(['articles/beta.html']);
    const files = await ws.outputFiles();
    expect(files['articles/beta.html']).toBeUndefined();
    expect(files['feed.xml']).not.toContain('/articles/beta.html');
  });

  it('dates an undated article by first sight and keeps that date across rebuilds and edits', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    await ws.publish();
    const firstFeed = (await ws.outputFiles())['feed.json'] ?? '';
    expect(JSON.parse(firstFeed).items[0].date_published).toBe('2026-01-01T00:00:00.000Z');

    ws.clock.advance(86_400_000);
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body, changed.'));
    await ws.publish();
    const item = JSON.parse((await ws.outputFiles())['feed.json'] ?? '').items[0];
    expect(item.date_published).toBe('2026-01-01T00:00:00.000Z');
    expect(item.date_modified).toBe('2026-01-02T00:00:00.000Z');
  });

  it('gives byte-identical output for identical input, whatever the time of the rebuild', async () => {
    const other = await Workspace.create();
    try {
      for (const target of [ws, other]) {
        await target.write('alpha.md', markdownArticle('Alpha', 'Body.', { date: '2025-12-02' }));
        await target.write('beta.txt', 'Beta headline\n\nA plain text body paragraph that is long enough to read.\n');
      }
      await ws.publish();
      await other.publish();
      expect(await other.outputFiles()).toEqual(await ws.outputFiles());
    } finally {
      await other.dispose();
    }
  });

  it('keeps the last good version of an article whose source becomes unusable, and rejects only that file', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Good body.'));
    await ws.write('beta.md', markdownArticle('Beta', 'Other body.'));
    await ws.publish();
    const before = await ws.outputFiles();

    await ws.write('alpha.md', '   \n\t\n');
    await ws.write('gamma.md', markdownArticle('Gamma', 'Third.'));
    const result = await ws.publish();
    expect(result.rejected).toEqual([
      { file: 'articles/alpha.md', reason: expect.stringMatching(/empty|whitespace/i) },
    ]);
    expect(eventsOf(result)).toEqual(['article.published gamma', 'feed.updated']);
    const after = await ws.outputFiles();
    expect(after['articles/alpha.html']).toBe(before['articles/alpha.html']);
    expect(after['feed.xml']).toContain('/articles/alpha.html');
  });

  it('rejects a second source that claims an id already published', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.', { id: 'same' }));
    await ws.write('beta.md', markdownArticle('Beta', 'Body.', { id: 'same' }));
    const result = await ws.publish();
    expect(result.articles).toBe(1);
    expect(result.rejected).toEqual([
      { file: 'articles/beta.md', reason: expect.stringContaining('duplicate article id') },
    ]);
  });

  it('keeps at most itemLimit items in each feed, newest first, while the index lists them all', async () => {
    await ws.dispose();
    ws = await Workspace.create({ ...TEST_SITE, itemLimit: 3 });
    for (let i = 1; i <= 5; i++) {
      await ws.write(`a${i}.md`, markdownArticle(`Article ${i}`, `Body ${i}.`, { date: `2025-12-0${i}` }));
    }
    await ws.publish();
    const files = await ws.outputFiles();
    const ids = (JSON.parse(files['feed.json'] ?? '').items as { id: string }[]).map((i) => i.id.replace(/.*\//, ''));
    expect(ids).toEqual(['a5.html', 'a4.html', 'a3.html']);
    for (let i = 1; i <= 5; i++) expect(files['index.html']).toContain(`Article ${i}`);

    // Deleting the newest pulls an older article back into the window, from the state's cache.
    await ws.remove('a5.md');
    await ws.publish();
    const after = JSON.parse((await ws.outputFiles())['feed.json'] ?? '').items.map((i: { title: string }) => i.title);
    expect(after).toEqual(['Article 4', 'Article 3', 'Article 2']);
  });

  it('re-renders everything when site.json changes, and republishes an output root that was wiped', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    await ws.publish();
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(`${ws.contentDir}/site.json`, JSON.stringify({ ...TEST_SITE, title: 'Renamed Wire' }));
    const renamed = await ws.publish();
    expect(renamed.written).toEqual(expect.arrayContaining(['articles/alpha.html', 'feed.xml', 'index.html']));
    expect(renamed.events.map((e) => e.type)).toEqual(['feed.updated']);

    await rm(ws.outDir, { recursive: true });
    const again = await ws.publish();
    expect(again.events).toEqual([]);
    expect(Object.keys(await ws.outputFiles()).sort()).toEqual([
      '404.html',
      'archive/1.html',
      'archive/1/atom.xml',
      'archive/1/feed.json',
      'archive/1/feed.xml',
      'articles/alpha.html',
      'atom.xml',
      'feed.json',
      'feed.xml',
      'index.html',
      'webhooks/schema.json',
    ]);
  });

  it('hands each event to every matching subscriber once, then forgets the run and releases the lease', async () => {
    const state = new FsStore(ws.stateDir);
    const subscribers = new SubscriberRepository(state);
    const all = await subscribers.add('http://127.0.0.1:9/all', { allowPrivateTargets: true, now: ws.clock.now() });
    const onlyDeleted = await subscribers.add('http://127.0.0.1:9/deleted', {
      allowPrivateTargets: true,
      now: ws.clock.now(),
      events: ['article.deleted'],
    });
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    const result = await ws.publish();
    expect(webhookJobs(ws.queue.jobs).map((j) => [j.subscriberId, j.event.type])).toEqual([
      [all.id, 'article.published'],
      [all.id, 'feed.updated'],
    ]);
    expect(webhookJobs(ws.queue.jobs).map((j) => j.event.id)).toEqual(result.events.map((e) => e.id));
    await ws.remove('alpha.md');
    await ws.publish();
    expect(
      webhookJobs(ws.queue.jobs)
        .filter((j) => j.subscriberId === onlyDeleted.id)
        .map((j) => j.event.type),
    ).toEqual(['article.deleted']);
    // Handed over: no run in progress, no lease held.
    const head = JSON.parse(Buffer.from((await state.get(STATE_KEY))?.body ?? []).toString('utf8'));
    expect(head.run).toBeNull();
    expect(await state.head(LOCK_KEY)).toBeNull();
  });

  it('hands jobs to paused and disabled subscribers too, so that resuming them replays what they missed', async () => {
    const subscribers = new SubscriberRepository(new FsStore(ws.stateDir));
    const options = { allowPrivateTargets: true, now: ws.clock.now() };
    const paused = await subscribers.add('http://127.0.0.1:9/paused', options);
    const disabled = await subscribers.add('http://127.0.0.1:9/disabled', options);
    await subscribers.pause(paused.id, ws.clock.now());
    await subscribers.disable(disabled.id, 'test', ws.clock.now());
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    const result = await ws.publish();
    expect(result.problems).toEqual([]);
    expect(
      webhookJobs(ws.queue.jobs)
        .map((j) => [j.subscriberId, j.event.type])
        .sort(),
    ).toEqual(
      [
        [paused.id, 'article.published'],
        [paused.id, 'feed.updated'],
        [disabled.id, 'article.published'],
        [disabled.id, 'feed.updated'],
      ].sort(),
    );
  });

  it('restores the published files when content is reverted after a build that crashed mid-way', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Original body.'));
    await ws.publish();
    const original = await ws.outputFiles();

    await ws.write('alpha.md', markdownArticle('Alpha', 'Edited body.'));
    const { FaultyStore } = await import('../helpers/faulty-store.ts');
    // Fail the manifest write: the edited page and feeds are already out, the manifest still says "original".
    const counter = { writes: 0 };
    const reference = await Workspace.create();
    await reference.write('alpha.md', markdownArticle('Alpha', 'Original body.'));
    const probe = { writes: 0 };
    await reference.publish();
    await reference.write('alpha.md', markdownArticle('Alpha', 'Edited body.'));
    await reference.publish({
      state: new FaultyStore(new FsStore(reference.stateDir), { failOnWrite: 0, counter: probe }),
    });
    await reference.dispose();
    const stateWrites = probe.writes;
    const state = new FaultyStore(new FsStore(ws.stateDir), { failOnWrite: stateWrites - 1, counter });
    await expect(ws.publish({ state })).rejects.toThrow(/injected fault/);
    expect((await ws.outputFiles())['articles/alpha.html']).toContain('Edited body.');

    await ws.write('alpha.md', markdownArticle('Alpha', 'Original body.'));
    await ws.publish();
    expect(await ws.outputFiles()).toEqual(original);
  });
});
