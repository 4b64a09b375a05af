/**
 * Drafts and scheduled articles through publish: a draft is never published, a published article that becomes a
 * draft is deleted and comes back with its first-seen date, and a future `date` is published by the first run at or
 * after it, found through the schedule rather than a scan of the corpus.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { StoreError } from '../../functions/core/errors.ts';
import { SCHEDULE_KEY, STATE_KEY } from '../../functions/core/state-keys.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { FaultyStore, type WriteCounter } from '../helpers/faulty-store.ts';
import { markdownArticle, Workspace, webhookJobs } from '../helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.dispose();
});

const HOUR = 3_600_000;

async function feedIds(): Promise<string[]> {
  const feed = JSON.parse(await readFile(join(ws.outDir, 'feed.json'), 'utf8')) as { items: { id: string }[] };
  return feed.items.map((item) => item.id);
}

async function stateRoot(): Promise<{ nextDue: string | null }> {
  return JSON.parse(await readFile(join(ws.stateDir, STATE_KEY), 'utf8'));
}

describe('drafts', () => {
  it('are not published: no page, no feed item, no event, and not reported as rejected', async () => {
    await ws.write('kept.md', markdownArticle('Kept', 'Body.'));
    await ws.write('wip.md', markdownArticle('Work in progress', 'Body.', { draft: 'true' }).replace('"true"', 'true'));
    const result = await ws.publish();
    expect(result.rejected).toEqual([]);
    expect(result.articles).toBe(1);
    expect(result.events.filter((e) => e.type !== 'feed.updated').map((e) => e.data)).toMatchObject([{ id: 'kept' }]);
    const files = await ws.outputFiles();
    expect(Object.keys(files)).not.toContain('articles/wip.html');
    expect(files['feed.xml']).not.toContain('Work in progress');
    expect(await feedIds()).toHaveLength(1);
    // An unchanged draft is not read again.
    const content = new CountingStore(new FsStore(ws.contentDir));
    const again = await publish({ ...ws.stores(), content });
    expect(again.written).toEqual([]);
    expect(content.counts.get).toBe(1); // site.json only
  });

  it('a published article that becomes a draft is deleted, and returns with its first-seen date and a new version', async () => {
    await ws.write('story.md', markdownArticle('Story', 'Body.'));
    const first = await ws.publish();
    const published = first.events.find((e) => e.type === 'article.published');
    expect(published?.data).toMatchObject({ id: 'story', version: 1 });
    const firstSeen = (published as { data: { published: string } }).data.published;

    ws.clock.advance(HOUR);
    await ws.write('story.md', '---\ntitle: Story\ndraft: true\n---\n\nBody.\n');
    const drafted = await ws.publish();
    expect(drafted.events.map((e) => e.type)).toEqual(['article.deleted', 'feed.updated']);
    expect(drafted.deleted).toContain('articles/story.html');
    expect(drafted.articles).toBe(0);
    expect(await feedIds()).toEqual([]);

    ws.clock.advance(HOUR);
    await ws.write('story.md', markdownArticle('Story', 'Body, revised.'));
    const back = await ws.publish();
    const again = back.events.find((e) => e.type === 'article.published');
    expect(again?.data).toMatchObject({ id: 'story', version: 2, published: firstSeen });
    expect(await feedIds()).toEqual(['https://news.example.com/articles/story.html']);
  });
});

describe('scheduled articles', () => {
  it('are held until due, then published by a later run that reads the schedule, not the corpus', async () => {
    for (let i = 0; i < 5; i++) await ws.write(`a${i}.md`, markdownArticle(`A${i}`, `Body ${i}.`));
    const due = new Date(ws.clock.now().getTime() + 2 * HOUR).toISOString();
    await ws.write('embargo.md', markdownArticle('Embargoed', 'Not yet.', { date: due }));
    const first = await ws.publish();
    expect(first.articles).toBe(5);
    expect(first.rejected).toEqual([]);
    expect(first.nextDue).toBe(due);
    expect((await stateRoot()).nextDue).toBe(due);
    expect(Object.keys(await ws.outputFiles())).not.toContain('articles/embargo.html');
    expect(first.events.some((e) => e.type.startsWith('article.') && 'id' in e.data && e.data.id === 'embargo')).toBe(
      false,
    );

    // Before it is due, a run with nothing named reads neither the schedule nor any source, and writes nothing.
    ws.clock.advance(HOUR);
    const early = {
      content: new CountingStore(new FsStore(ws.contentDir)),
      state: new CountingStore(new FsStore(ws.stateDir)),
    };
    const waiting = await publish({ ...ws.stores(), ...early }, { changed: [] });
    expect(waiting.written).toEqual([]);
    expect(waiting.nextDue).toBe(due);
    expect(early.content.counts.get).toBe(1); // site.json
    expect(early.state.counts.get).toBe(1); // state.json: its nextDue says nothing is due yet
    expect(early.state.counts.put).toBe(0);

    // At the instant it falls due, a run that names no key publishes it.
    ws.clock.advance(HOUR);
    const onTime = await publish(ws.stores(), { changed: [] });
    expect(onTime.events.map((e) => e.type)).toEqual(['article.published', 'feed.updated']);
    expect(onTime.events[0]?.data).toMatchObject({ id: 'embargo', published: due, version: 1 });
    expect(onTime.written).toContain('articles/embargo.html');
    expect(onTime.nextDue).toBeNull();
    expect((await stateRoot()).nextDue).toBeNull();
    expect(Object.keys(await ws.outputFiles())).toContain('articles/embargo.html');
    // The schedule is gone once nothing is scheduled.
    await expect(readFile(join(ws.stateDir, SCHEDULE_KEY))).rejects.toThrow();
    // And a full reconcile afterwards has nothing left to do.
    expect((await ws.publish()).written).toEqual([]);
  });

  it('keeps the earliest of several instants, moves when a date is edited, and forgets a removed source', async () => {
    const at = (hours: number) => new Date(ws.clock.now().getTime() + hours * HOUR).toISOString();
    const [one, two] = [at(3), at(5)];
    await ws.write('later.md', markdownArticle('Later', 'Body.', { date: two }));
    await ws.write('sooner.md', markdownArticle('Sooner', 'Body.', { date: one }));
    expect((await ws.publish()).nextDue).toBe(one);
    const moved = at(4);
    await ws.write('sooner.md', markdownArticle('Sooner', 'Body.', { date: at(6) }));
    await ws.write('later.md', markdownArticle('Later', 'Body.', { date: moved }));
    expect((await publish(ws.stores(), { changed: ['articles/sooner.md', 'articles/later.md'] })).nextDue).toBe(moved);
    await ws.remove('later.md');
    expect((await ws.publish()).nextDue).toBe(at(6));
    ws.clock.advance(6 * HOUR);
    const result = await ws.publish();
    expect(
      result.events.filter((e) => e.type === 'article.published').map((e) => ('id' in e.data ? e.data.id : '')),
    ).toEqual(['sooner']);
    expect(result.nextDue).toBeNull();
  });

  it('an upgrade that re-reads every source leaves an article published from the same bytes published', async () => {
    // As an earlier release left it: published although its date is still to come (here: published after its date,
    // then the clock is set back before it).
    const due = new Date(ws.clock.now().getTime() + 2 * HOUR).toISOString();
    await ws.write('early.md', markdownArticle('Early', 'Body.', { date: due }));
    ws.clock.advance(3 * HOUR);
    expect((await ws.publish()).articles).toBe(1);
    ws.clock.advance(-3 * HOUR);
    const root = join(ws.stateDir, STATE_KEY);
    const head = JSON.parse(await readFile(root, 'utf8'));
    await writeFile(root, JSON.stringify({ ...head, normalizer: 'previous' }));
    const upgraded = await ws.publish();
    expect(upgraded.events).toEqual([]);
    expect(upgraded.articles).toBe(1);
    expect(Object.keys(await ws.outputFiles())).toContain('articles/early.html');
    // Its next edit follows the rule: held until its date.
    await ws.write('early.md', markdownArticle('Early', 'Body, edited.', { date: due }));
    expect((await ws.publish()).events.map((e) => e.type)).toEqual(['article.deleted', 'feed.updated']);
  });

  it('a draft with a future date stays a draft when the date comes', async () => {
    const due = new Date(ws.clock.now().getTime() + HOUR).toISOString();
    await ws.write('both.md', `---\ntitle: Both\ndraft: true\ndate: ${due}\n---\n\nBody.\n`);
    expect((await ws.publish()).nextDue).toBeNull();
    ws.clock.advance(2 * HOUR);
    expect((await ws.publish()).articles).toBe(0);
  });
});

describe('the schedule survives a failure at any write', () => {
  const at = (hours: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + hours * HOUR).toISOString();

  async function prepared(): Promise<Workspace> {
    const w = await Workspace.create();
    await new SubscriberRepository(new FsStore(w.stateDir)).add('http://127.0.0.1:9/hook', {
      allowPrivateTargets: true,
      now: w.clock.now(),
    });
    for (let i = 0; i < 3; i++) await w.write(`a${i}.md`, markdownArticle(`A${i}`, `Body ${i}.`));
    await w.write('due.md', markdownArticle('Due', 'Body.', { date: at(2) }));
    await w.publish();
    // The next build: the scheduled article falls due, another is scheduled, a published one becomes a draft.
    w.clock.advance(3 * HOUR);
    await w.write('next.md', markdownArticle('Next', 'Body.', { date: at(8) }));
    await w.write('a1.md', '---\ntitle: A1\ndraft: true\n---\n\nBody 1.\n');
    w.queue.jobs.length = 0;
    return w;
  }

  function faulty(w: Workspace, failOnWrite: number, counter: WriteCounter) {
    const wrap = (dir: string) => new FaultyStore(new FsStore(dir), { failOnWrite, counter });
    return publish(
      { ...w.stores(), output: wrap(w.outDir), state: wrap(w.stateDir) },
      { changed: ['articles/next.md', 'articles/a1.md'] },
    );
  }

  it('converges to the files, events and next-due instant of an uninterrupted build', async () => {
    const reference = await prepared();
    const counter: WriteCounter = { writes: 0 };
    const expected = await faulty(reference, Number.POSITIVE_INFINITY, counter);
    const expectedFiles = await reference.outputFiles();
    const expectedSchedule = await readFile(join(reference.stateDir, SCHEDULE_KEY), 'utf8');
    expect(expected.events.map((e) => e.type).sort()).toEqual(['article.deleted', 'article.published', 'feed.updated']);
    expect(expected.nextDue).toBe(at(8));
    const expectedIds = expected.events.map((e) => e.id).sort();
    await reference.dispose();

    for (let n = 1; n <= counter.writes; n++) {
      const w = await prepared();
      try {
        await expect(faulty(w, n, { writes: 0 })).rejects.toBeInstanceOf(StoreError);
        const after = await w.publish();
        expect(await w.outputFiles(), `after a fault on write ${n}`).toEqual(expectedFiles);
        expect(after.nextDue, `after a fault on write ${n}`).toBe(at(8));
        expect(await readFile(join(w.stateDir, SCHEDULE_KEY), 'utf8')).toBe(expectedSchedule);
        const ids = [...new Set(webhookJobs(w.queue.jobs).map((j) => j.event.id))].sort();
        expect(ids, `the same events after a fault on write ${n}`).toEqual(expectedIds);
      } finally {
        await w.dispose();
      }
    }
  }, 120_000);
});
