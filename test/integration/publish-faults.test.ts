import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { isWebhookJob } from '../../functions/core/delivery.ts';
import { StoreError } from '../../functions/core/errors.ts';
import { subscriptionId } from '../../functions/core/websub/subscription.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { HubSubscriptions } from '../../functions/pipeline/websub/subscriptions.ts';
import { FaultyStore, type WriteCounter } from '../helpers/faulty-store.ts';
import { markdownArticle, readTree, TEST_SITE, Workspace, webhookJobs } from '../helpers/workspace.ts';

/** v1: five articles; v2: one added, one edited, one deleted. */
async function writeV1(ws: Workspace): Promise<void> {
  for (let i = 1; i <= 5; i++) await ws.write(`a${i}.md`, markdownArticle(`Article ${i}`, `Body ${i}.`));
}
async function applyV2(ws: Workspace): Promise<void> {
  await ws.write('a6.md', markdownArticle('Article 6', 'Body 6.'));
  await ws.write('a2.md', markdownArticle('Article 2', 'Body 2, corrected.'));
  await ws.remove('a4.md');
}

async function prepared(): Promise<Workspace> {
  const ws = await Workspace.create();
  await new SubscriberRepository(new FsStore(ws.stateDir)).add('http://127.0.0.1:9/hook', {
    allowPrivateTargets: true,
    now: ws.clock.now(),
  });
  await writeV1(ws);
  await publishWith(ws);
  // v1's deliveries are done; what remains in the outbox afterwards was handed out by the v2 build.
  const outbox = new OutboxQueue(new FsStore(ws.stateDir));
  for (const job of await outbox.pending()) await outbox.complete(job);
  await applyV2(ws);
  ws.clock.advance(60_000);
  return ws;
}

function publishWith(ws: Workspace, counter?: WriteCounter, failOnWrite = 0, tear = false) {
  const wrap = (dir: string) =>
    counter === undefined ? new FsStore(dir) : new FaultyStore(new FsStore(dir), { failOnWrite, counter, tear });
  const state = wrap(ws.stateDir);
  return publish({ ...ws.stores(), output: wrap(ws.outDir), state, queue: new OutboxQueue(state) });
}

async function handedEventIds(ws: Workspace): Promise<string[]> {
  const jobs = await new OutboxQueue(new FsStore(ws.stateDir)).pending();
  return [...new Set(webhookJobs(jobs).map((j) => j.event.id))].sort();
}

const PING_HUB = 'http://127.0.0.1:9/hub';
const CALLBACK = 'http://127.0.0.1:9/callback?reader=1';

/** A site that pings a hub and runs the built-in hub with one live subscription to its RSS feed, published at v1. */
async function preparedWithHubs(): Promise<Workspace> {
  const ws = await Workspace.create({ ...TEST_SITE, hubs: [PING_HUB], hub: { enabled: true } });
  const topic = `${TEST_SITE.siteUrl}/feed.xml`;
  const now = ws.clock.now();
  await new HubSubscriptions(new FsStore(ws.stateDir)).put({
    id: subscriptionId(topic, CALLBACK),
    topic,
    callback: CALLBACK,
    leaseSeconds: 864_000,
    created: now.toISOString(),
    verified: now.toISOString(),
    expires: new Date(now.getTime() + 864_000_000).toISOString(),
  });
  await writeV1(ws);
  await publishWith(ws);
  const outbox = new OutboxQueue(new FsStore(ws.stateDir));
  for (const job of await outbox.pending()) await outbox.complete(job);
  await applyV2(ws);
  ws.clock.advance(60_000);
  return ws;
}

/** The WebSub jobs in the outbox, as what they are for: (kind, hub or subscription, topic). */
async function webSubJobs(ws: Workspace): Promise<string[]> {
  const jobs = await new OutboxQueue(new FsStore(ws.stateDir)).pending();
  return jobs
    .flatMap((job) => {
      if (isWebhookJob(job)) return [];
      if (job.kind === 'websub.ping') return [`${job.kind} ${job.hub} ${job.topic} ${job.id}`];
      if (job.kind === 'websub.distribute') return [`${job.kind} ${job.subscriptionId} ${job.topic} ${job.id}`];
      return [`${job.kind} ${job.id}`];
    })
    .sort();
}

describe('WebSub jobs survive a failure at any write of the publish that causes them', () => {
  it('a failed write N, then a rerun: one ping per changed feed and one distribution, never lost, never doubled', async () => {
    const reference = await preparedWithHubs();
    const counter: WriteCounter = { writes: 0 };
    await publishWith(reference, counter, Number.POSITIVE_INFINITY);
    const totalWrites = counter.writes;
    const expected = await webSubJobs(reference);
    // v2 changes all three feeds: a ping for each, and the RSS feed's one subscription gets one distribution.
    expect(expected.filter((job) => job.startsWith('websub.ping'))).toHaveLength(3);
    expect(expected.filter((job) => job.startsWith('websub.distribute'))).toHaveLength(1);
    expect(expected).toHaveLength(4);
    await reference.dispose();

    for (let n = 1; n <= totalWrites; n++) {
      const ws = await preparedWithHubs();
      try {
        await expect(publishWith(ws, { writes: 0 }, n)).rejects.toBeInstanceOf(StoreError);
        await publishWith(ws);
        expect(await webSubJobs(ws), `after a fault on write ${n}`).toEqual(expected);
        // Another rebuild with nothing changed hands out nothing new.
        await publishWith(ws);
        expect(await webSubJobs(ws), `rebuilt after a fault on write ${n}`).toEqual(expected);
      } finally {
        await ws.dispose();
      }
    }
  }, 120_000);
});

describe('publish survives a failure at any write', () => {
  it('converges to the fault-free files and events after a failed write N, for every N in a build', async () => {
    const reference = await prepared();
    const counter: WriteCounter = { writes: 0 };
    await publishWith(reference, counter, Number.POSITIVE_INFINITY);
    const totalWrites = counter.writes;
    const expectedFiles = await reference.outputFiles();
    const expectedEvents = await handedEventIds(reference);
    expect(totalWrites).toBeGreaterThan(5);
    expect(expectedEvents.length).toBe(4); // published a6, updated a2, deleted a4, feed.updated
    await reference.dispose();

    for (let n = 1; n <= totalWrites; n++) {
      const ws = await prepared();
      try {
        const feedBefore = (await ws.outputFiles())['feed.xml'];
        await expect(publishWith(ws, { writes: 0 }, n)).rejects.toBeInstanceOf(StoreError);
        // Readers still get a whole feed: the old one or the new one, never a torn one.
        expect([feedBefore, expectedFiles['feed.xml']]).toContain((await ws.outputFiles())['feed.xml']);
        await publishWith(ws);
        expect(await ws.outputFiles(), `after a fault on write ${n}`).toEqual(expectedFiles);
        expect(await handedEventIds(ws), `after a fault on write ${n}`).toEqual(expectedEvents);
      } finally {
        await ws.dispose();
      }
    }
  }, 120_000);

  it('converges after a failed write N in an edit of articles with topics, then rebuilds writing nothing', async () => {
    const topical = (i: number, tags: string, author = 'Ana Lima') =>
      markdownArticle(`Topical ${i}`, `Body ${i}.`, {
        date: `2025-12-0${i}T08:00:00Z`,
        category: i % 2 === 0 ? 'Markets' : 'Energy',
        tags,
        author,
      });
    // v1: five articles in two categories, three tags and two authors.
    const preparedTopics = async () => {
      const ws = await Workspace.create();
      for (let i = 1; i <= 5; i++) await ws.write(`t${i}.md`, topical(i, i === 5 ? 'rates, solo' : 'rates, oil'));
      await publishWith(ws);
      // v2: an edit in every window of its topics, a tag dropped, the only article of a tag and an author deleted.
      await ws.write(
        't4.md',
        markdownArticle('Topical 4', 'Body 4, corrected.', {
          date: '2025-12-04T08:00:00Z',
          category: 'Markets',
          tags: 'rates, oil',
          author: 'Ana Lima',
        }),
      );
      await ws.write('t3.md', topical(3, 'rates'));
      await ws.write('t5.md', topical(5, 'rates, solo', 'Bo Chen'));
      await ws.remove('t5.md');
      ws.clock.advance(60_000);
      return ws;
    };
    const reference = await preparedTopics();
    const counter: WriteCounter = { writes: 0 };
    await publishWith(reference, counter, Number.POSITIVE_INFINITY);
    const totalWrites = counter.writes;
    const expectedFiles = await reference.outputFiles();
    const expectedEvents = await handedEventIds(reference);
    expect(Object.keys(expectedFiles).some((path) => path.startsWith('tags/solo/'))).toBe(false);
    expect(expectedFiles['tags/oil/feed.xml']).toContain('Body 4, corrected.');
    expect(expectedFiles['tags/oil/feed.xml']).not.toContain('Topical 3');
    await reference.dispose();

    for (let n = 1; n <= totalWrites; n++) {
      const ws = await preparedTopics();
      try {
        await expect(publishWith(ws, { writes: 0 }, n)).rejects.toBeInstanceOf(StoreError);
        await publishWith(ws);
        expect(await ws.outputFiles(), `after a fault on write ${n}`).toEqual(expectedFiles);
        expect(await handedEventIds(ws), `after a fault on write ${n}`).toEqual(expectedEvents);
        // The recovered state is whole: nothing is left marked for rendering.
        expect((await publishWith(ws)).written, `rebuilt after a fault on write ${n}`).toEqual([]);
      } finally {
        await ws.dispose();
      }
    }
  }, 180_000);

  it('converges after a crash tears the page or record it was creating in place at write N, for every N', async () => {
    const reference = await prepared();
    const counter: WriteCounter = { writes: 0 };
    await publishWith(reference, counter, Number.POSITIVE_INFINITY);
    const totalWrites = counter.writes;
    const expectedFiles = await reference.outputFiles();
    const expectedEvents = await handedEventIds(reference);
    await reference.dispose();
    const torn: string[] = [];
    for (let n = 1; n <= totalWrites; n++) {
      const ws = await prepared();
      try {
        await expect(publishWith(ws, { writes: 0, torn }, n, true)).rejects.toBeInstanceOf(StoreError);
        await publishWith(ws);
        expect(await ws.outputFiles(), `after a tear on write ${n}`).toEqual(expectedFiles);
        expect(await handedEventIds(ws), `after a tear on write ${n}`).toEqual(expectedEvents);
      } finally {
        await ws.dispose();
      }
    }
    // The new article's record and page were each torn at their write.
    expect(torn).toEqual(expect.arrayContaining(['records/a6.json', 'articles/a6.html']));
  }, 120_000);

  it('converges after the build process is killed before its Nth write, for N across the whole build', async () => {
    const corpus = await Workspace.create();
    for (let i = 0; i < 300; i++) {
      await corpus.write(
        `n${String(i).padStart(3, '0')}.md`,
        markdownArticle(`News ${i}`, `Body ${i}. `.repeat(40), { date: '2026-01-01' }),
      );
    }
    await new SubscriberRepository(new FsStore(join(corpus.root, '.wirefeed'))).add('http://127.0.0.1:9/hook', {
      allowPrivateTargets: true,
      now: corpus.clock.now(),
    });
    const child = fileURLToPath(new URL('./publish-kill-child.ts', import.meta.url));
    const cli = join(process.cwd(), 'bin/wirefeed.mjs');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
        const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        proc.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        proc.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    const build = (dir: string) =>
      run([
        cli,
        'build',
        '--content',
        join(dir, 'content'),
        '--out',
        join(dir, 'public'),
        '--state',
        join(dir, '.wirefeed'),
      ]);
    const copyOf = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'wirefeed-kill-'));
      await cp(corpus.contentDir, join(dir, 'content'), { recursive: true });
      await cp(join(corpus.root, '.wirefeed'), join(dir, '.wirefeed'), { recursive: true });
      return dir;
    };
    const handed = async (dir: string) =>
      [
        ...new Set(
          webhookJobs(await new OutboxQueue(new FsStore(join(dir, '.wirefeed'))).pending()).map((j) => j.event.id),
        ),
      ].sort();

    const referenceDir = await copyOf();
    try {
      const reference = await run(['--import', 'tsx', child, referenceDir]);
      expect(reference.code).toBe(0);
      const totalWrites = (JSON.parse(reference.stdout) as { writes: number }).writes;
      expect(totalWrites).toBeGreaterThan(300);
      const expectedFiles = await readTree(join(referenceDir, 'public'));
      const expectedEvents = await handed(referenceDir);
      expect(expectedEvents.length).toBe(301); // 300 published + feed.updated

      const killPoints = [
        1,
        2,
        Math.floor(totalWrites / 3),
        Math.floor((2 * totalWrites) / 3),
        totalWrites - 1,
        totalWrites,
      ];
      for (const n of killPoints) {
        const dir = await copyOf();
        try {
          const killed = await run(['--import', 'tsx', child, dir, String(n)]);
          expect(killed.signal, `killed before write ${n}`).toBe('SIGKILL');
          const rebuilt = await build(dir);
          expect(rebuilt.code, `build after a kill before write ${n}: ${rebuilt.stderr}`).toBe(0);
          expect(await readTree(join(dir, 'public')), `after a kill before write ${n}`).toEqual(expectedFiles);
          expect(await handed(dir), `after a kill before write ${n}`).toEqual(expectedEvents);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await rm(referenceDir, { recursive: true, force: true });
      await corpus.dispose();
    }
  }, 120_000);
});
