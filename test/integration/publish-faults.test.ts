import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { StoreError } from '../../functions/core/errors.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { FaultyStore, type WriteCounter } from '../helpers/faulty-store.ts';
import { markdownArticle, readTree, Workspace } from '../helpers/workspace.ts';

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

function publishWith(ws: Workspace, counter?: WriteCounter, failOnWrite = 0) {
  const wrap = (dir: string) =>
    counter === undefined ? new FsStore(dir) : new FaultyStore(new FsStore(dir), { failOnWrite, counter });
  const state = wrap(ws.stateDir);
  return publish({ ...ws.stores(), output: wrap(ws.outDir), state, queue: new OutboxQueue(state) });
}

async function handedEventIds(ws: Workspace): Promise<string[]> {
  const jobs = await new OutboxQueue(new FsStore(ws.stateDir)).pending();
  return [...new Set(jobs.map((j) => j.event.id))].sort();
}

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

  it('converges after the build process is killed at different moments', async () => {
    const corpus = await Workspace.create();
    for (let i = 0; i < 300; i++) {
      await corpus.write(
        `n${String(i).padStart(3, '0')}.md`,
        markdownArticle(`News ${i}`, `Body ${i}. `.repeat(40), { date: '2026-01-01' }),
      );
    }
    const cli = join(process.cwd(), 'bin/wirefeed.mjs');
    const run = (dir: string, killAfterMs?: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            cli,
            'build',
            '--content',
            join(dir, 'content'),
            '--out',
            join(dir, 'public'),
            '--state',
            join(dir, '.wirefeed'),
          ],
          { stdio: 'ignore' },
        );
        const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    const referenceDir = await mkdtemp(join(tmpdir(), 'wirefeed-kill-ref-'));
    try {
      await cp(corpus.contentDir, join(referenceDir, 'content'), { recursive: true });
      expect(await run(referenceDir)).toBe(0);
      const expected = await readTree(join(referenceDir, 'public'));
      let interrupted = 0;
      for (const killAfterMs of [400, 700, 1000, 1400]) {
        const dir = await mkdtemp(join(tmpdir(), 'wirefeed-kill-'));
        try {
          await cp(corpus.contentDir, join(dir, 'content'), { recursive: true });
          if ((await run(dir, killAfterMs)) === null) interrupted++;
          expect(await run(dir)).toBe(0);
          expect(await readTree(join(dir, 'public'))).toEqual(expected);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      // At least one run must really have been cut short, or this test proved nothing.
      expect(interrupted).toBeGreaterThan(0);
    } finally {
      await rm(referenceDir, { recursive: true, force: true });
      await corpus.dispose();
    }
  }, 120_000);
});
