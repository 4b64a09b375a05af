/**
 * The six ways the release-1 state lost data under faults, each as a regression test of the new layout.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { main } from '../../functions/cli/main.ts';
import { StoreError } from '../../functions/core/errors.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { recordKey, STATE_KEY } from '../../functions/core/state-keys.ts';
import { WriterLease } from '../../functions/pipeline/publish/lock.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { FaultyStore, type WriteCounter } from '../helpers/faulty-store.ts';
import { markdownArticle, Workspace, webhookJobs } from '../helpers/workspace.ts';

/** A workspace with one subscriber, whose outbox keeps every job handed to it (nothing drains it here). */
async function subscribed(): Promise<Workspace> {
  const ws = await Workspace.create();
  await new SubscriberRepository(new FsStore(ws.stateDir)).add('http://127.0.0.1:9/hook', {
    allowPrivateTargets: true,
    now: ws.clock.now(),
  });
  return ws;
}

function run(ws: Workspace, fault?: { failOnWrite: number; counter: WriteCounter }) {
  const wrap = (dir: string) => (fault === undefined ? new FsStore(dir) : new FaultyStore(new FsStore(dir), fault));
  const state = wrap(ws.stateDir);
  return publish({ ...ws.stores(), output: wrap(ws.outDir), state, queue: new OutboxQueue(state) });
}

async function handed(ws: Workspace): Promise<WebhookEvent[]> {
  const jobs = webhookJobs(await new OutboxQueue(new FsStore(ws.stateDir)).pending());
  const byId = new Map(jobs.map((job) => [job.event.id, job.event]));
  return [...byId.values()];
}

/** `type` of every distinct event about one article, in the order the ids sort (the test only counts them). */
async function eventsAbout(ws: Workspace, id: string): Promise<string[]> {
  return (await handed(ws))
    .filter((event) => 'id' in event.data && event.data.id === id && event.type !== 'endpoint.test')
    .map((event) => event.type)
    .sort();
}

/** Writes attempted by one fault-free run of `prepare` then `act`: the range of N to fail. */
async function writesOf(prepare: (ws: Workspace) => Promise<void>): Promise<number> {
  const ws = await subscribed();
  try {
    await prepare(ws);
    const counter = { writes: 0 };
    await run(ws, { failOnWrite: Number.POSITIVE_INFINITY, counter });
    return counter.writes;
  } finally {
    await ws.dispose();
  }
}

describe('regressions of the release-1 state under faults', () => {
  it('1. a first publish interrupted at any write, then the article deleted: its page goes, and a published is followed by a deleted', async () => {
    const prepare = async (ws: Workspace) => {
      for (const name of ['a1', 'a2', 'a3']) await ws.write(`${name}.md`, markdownArticle(name, `Body of ${name}.`));
    };
    const total = await writesOf(prepare);
    for (let n = 1; n <= total; n++) {
      const ws = await subscribed();
      try {
        await prepare(ws);
        await expect(run(ws, { failOnWrite: n, counter: { writes: 0 } })).rejects.toBeInstanceOf(StoreError);
        await ws.remove('a2.md');
        await run(ws);
        const files = await ws.outputFiles();
        expect(files['articles/a2.html'], `fault on write ${n}`).toBeUndefined();
        expect(files['feed.xml']).not.toContain('/articles/a2.html');
        const about = await eventsAbout(ws, 'a2');
        expect([[], ['article.deleted', 'article.published']], `fault on write ${n}`).toContainEqual(about);
      } finally {
        await ws.dispose();
      }
    }
  }, 120_000);

  it('2. a run that dies after journaling its events, then an edit: the edit is article.updated, never a second published', async () => {
    const prepare = async (ws: Workspace) => {
      await ws.write('a1.md', markdownArticle('A1', 'First version.'));
    };
    const total = await writesOf(prepare);
    for (let n = 1; n <= total; n++) {
      const ws = await subscribed();
      try {
        await prepare(ws);
        await expect(run(ws, { failOnWrite: n, counter: { writes: 0 } })).rejects.toBeInstanceOf(StoreError);
        await ws.write('a1.md', markdownArticle('A1', 'Second version.'));
        ws.clock.advance(60_000);
        await run(ws);
        const about = await eventsAbout(ws, 'a1');
        expect(
          about.filter((type) => type === 'article.published'),
          `fault on write ${n}`,
        ).toHaveLength(1);
        expect((await ws.outputFiles())['articles/a1.html']).toContain('Second version.');
      } finally {
        await ws.dispose();
      }
    }
  }, 120_000);

  it('3. a second writer on one state is refused with a clear error and exit code, and nothing is corrupted', async () => {
    const ws = await subscribed();
    try {
      await ws.write('a1.md', markdownArticle('A1', 'Body.'));
      await run(ws);
      const before = await ws.outputFiles();
      // Another run (this test process) holds the lease while a build starts.
      const holder = await WriterLease.acquire(new FsStore(ws.stateDir), { clock: systemClock });
      await ws.write('a2.md', markdownArticle('A2', 'Body.'));
      let err = '';
      const code = await main(['build', '--content', ws.contentDir, '--out', ws.outDir, '--state', ws.stateDir], {
        stdout: () => {},
        stderr: (text) => {
          err += text;
        },
        env: {},
        cwd: ws.root,
      });
      expect(code).toBe(75);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^wirefeed: .*another wirefeed run is publishing with this state \(pid \d+ on /);
      expect(await ws.outputFiles()).toEqual(before);
      await holder.release();
      const after = await run(ws);
      expect(after.events.map((e) => e.type)).toEqual(['article.published', 'feed.updated']);
    } finally {
      await ws.dispose();
    }
  });

  it('4. two sources with one id: when the owner goes, the other takes over — no deletion, no stale rejection', async () => {
    const ws = await subscribed();
    try {
      await ws.write('a-owner.md', markdownArticle('Shared', 'Owner body.', { id: 'shared' }));
      await ws.write('b-claimant.md', markdownArticle('Shared', 'Claimant body.', { id: 'shared' }));
      const first = await run(ws);
      expect(first.rejected).toEqual([
        {
          file: 'articles/b-claimant.md',
          reason: 'duplicate article id "shared" (already published from articles/a-owner.md)',
        },
      ]);
      await ws.remove('a-owner.md');
      ws.clock.advance(60_000);
      const takeover = await run(ws);
      expect(takeover.rejected).toEqual([]);
      expect(takeover.events.map((e) => e.type)).toEqual(['article.updated', 'feed.updated']);
      const files = await ws.outputFiles();
      expect(files['articles/shared.html']).toContain('Claimant body.');
      expect(files['feed.xml']).toContain('/articles/shared.html');
      expect(await eventsAbout(ws, 'shared')).not.toContain('article.deleted');
    } finally {
      await ws.dispose();
    }
  });

  it('5. corrupt state: a truncated root or record is one line naming it; one bad record or subscriber never blocks the others', async () => {
    const ws = await subscribed();
    try {
      const state = new FsStore(ws.stateDir);
      const extra = await new SubscriberRepository(state).add('http://127.0.0.1:9/other', {
        allowPrivateTargets: true,
        now: ws.clock.now(),
      });
      await ws.write('a1.md', markdownArticle('A1', 'Body.'));
      await ws.write('a2.md', markdownArticle('A2', 'Body.'));
      await run(ws);

      // A damaged article record: its source waits, the other article publishes its edit.
      await writeFile(join(ws.stateDir, recordKey('a1')), '{"format":2,"id":"a1","sta');
      await writeFile(join(ws.stateDir, 'subscribers', `${extra.id}.json`), '{ not json');
      await ws.write('a1.md', markdownArticle('A1', 'Edited.'));
      await ws.write('a2.md', markdownArticle('A2', 'Edited.'));
      ws.clock.advance(60_000);
      const result = await run(ws);
      expect(result.events.map((e) => `${e.type} ${'id' in e.data ? e.data.id : ''}`)).toEqual([
        'article.updated a2',
        'feed.updated ',
      ]);
      expect(result.problems.map((p) => p.key).sort()).toEqual([recordKey('a1'), `subscribers/${extra.id}.json`]);
      expect(result.problems.find((p) => p.key === recordKey('a1'))?.reason).toMatch(/not valid JSON/);
      // The healthy subscriber still got the jobs.
      expect((await handed(ws)).map((e) => e.type)).toContain('article.updated');

      // A truncated root object stops the run with one line naming it, before anything is written.
      await writeFile(join(ws.stateDir, STATE_KEY), '{"format":2,"site":"ab');
      let err = '';
      const code = await main(['build', '--content', ws.contentDir, '--out', ws.outDir, '--state', ws.stateDir], {
        stdout: () => {},
        stderr: (text) => {
          err += text;
        },
        env: {},
        cwd: ws.root,
      });
      expect(code).toBe(1);
      expect(err).toBe(`wirefeed: ${ws.stateDir}/${STATE_KEY}: state root is not valid JSON (truncated or damaged)\n`);
    } finally {
      await ws.dispose();
    }
  });

  it('6. deleting an article and restoring it keeps its first-seen date, and announces a new version', async () => {
    const ws = await subscribed();
    try {
      await ws.write('old.md', markdownArticle('Old', 'Undated body.'));
      await run(ws);
      ws.clock.advance(86_400_000);
      await ws.write('new.md', markdownArticle('New', 'Another undated body.'));
      await run(ws);
      ws.clock.advance(86_400_000);
      await ws.remove('old.md');
      const deleted = await run(ws);
      expect(deleted.events.map((e) => e.type)).toEqual(['article.deleted', 'feed.updated']);
      ws.clock.advance(86_400_000);
      await ws.write('old.md', markdownArticle('Old', 'Undated body.'));
      const restored = await run(ws);
      const published = restored.events.find((e) => e.type === 'article.published');
      expect(published?.data).toMatchObject({ id: 'old', published: '2026-01-01T00:00:00.000Z', version: 2 });
      const firstPublished = (await handed(ws)).filter(
        (e) => e.type === 'article.published' && 'id' in e.data && e.data.id === 'old',
      );
      expect(new Set(firstPublished.map((e) => e.id)).size).toBe(2);
      const items = JSON.parse((await ws.outputFiles())['feed.json'] ?? '').items as {
        id: string;
        date_published: string;
      }[];
      // Still the older of the two, below the article first seen after it.
      expect(items.map((i) => i.id.replace(/.*\//, ''))).toEqual(['new.html', 'old.html']);
      expect(items[1]?.date_published).toBe('2026-01-01T00:00:00.000Z');
    } finally {
      await ws.dispose();
    }
  });
});
