/**
 * First run on a state written by release 1 (test/fixtures/release-1, made with that release's CLI): the state is
 * adopted with no manual step, in a directory and on S3 — no event, first-seen dates kept, the subscriber and the
 * undelivered outbox jobs kept, the rejected file still reported — and publishing goes on from it as usual.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import { MANIFEST_KEY, recordKey, STATE_KEY, WINDOW_KEY } from '../../functions/core/state-keys.ts';
import { type PublishPorts, publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import { ManualClock, readTree, Workspace } from '../helpers/workspace.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/release-1');

interface V1Manifest {
  readonly articles: Record<string, { firstSeen: string; published: string; updated: string }>;
}

const manifest = JSON.parse(await readFile(join(FIXTURE, 'state', MANIFEST_KEY), 'utf8')) as V1Manifest;
const fixtureJobs = (await readdir(join(FIXTURE, 'state/outbox/jobs'))).map((name) => name.replace(/\.json$/, ''));
const fixtureSubscriber = JSON.parse(
  await readFile(join(FIXTURE, 'state/subscribers/sub_V-aaN0_sSD5eCMs3.json'), 'utf8'),
) as { id: string; secrets: { secret: string }[] };

/** A week after release 1 wrote the fixture: a date reset to "now" would show. */
const LATER = '2026-12-10T09:00:00.000Z';

/** Copies every file of a fixture directory into a store, as the same keys. */
async function upload(dir: string, store: ObjectStore): Promise<void> {
  for (const [key, text] of Object.entries(await readTree(dir))) await store.put(key, text);
}

async function text(store: ObjectStore, key: string): Promise<string | null> {
  const object = await store.get(key);
  return object === null ? null : Buffer.from(object.body).toString('utf8');
}

/** What one first run on the release-1 state must show, whichever store holds it. */
async function checkFirstRun(ports: PublishPorts & { queue: OutboxQueue }): Promise<void> {
  const { state, output } = ports;
  const result = await publish(ports);

  expect(result.status).toBe('complete');
  expect(result.events).toEqual([]);
  expect(result.problems).toEqual([]);
  expect(result.articles).toBe(3);
  expect(result.rejected).toEqual([{ file: 'articles/empty-draft.md', reason: expect.stringMatching(/empty/) }]);

  // The undelivered jobs of release 1 are still there, and nothing was added to them.
  expect((await ports.queue.pending()).map((job) => job.id).sort()).toEqual([...fixtureJobs].sort());
  const subscribers = await new SubscriberRepository(state).list();
  expect(subscribers.map((s) => [s.id, s.secrets.map((x) => x.secret)])).toEqual([
    [fixtureSubscriber.id, fixtureSubscriber.secrets.map((x) => x.secret)],
  ]);

  // Every article keeps its first-seen and publication dates, as version 1.
  for (const [id, v1] of Object.entries(manifest.articles)) {
    const record = JSON.parse((await text(state, recordKey(id))) ?? 'null');
    expect(record, id).toMatchObject({
      state: 'live',
      version: 1,
      firstSeen: v1.firstSeen,
      published: v1.published,
      updated: v1.updated,
    });
  }
  // The article release 1 had deleted stays deleted: no record to resurrect it, no page.
  expect(await state.head(recordKey('lighthouse-tours'))).toBeNull();
  expect(await output.head('articles/lighthouse-tours.html')).toBeNull();

  // The feeds show the kept dates; the output is in this release's layout.
  const feed = JSON.parse((await text(output, 'feed.json')) ?? '{}') as {
    items: { id: string; date_published: string }[];
  };
  expect(Object.fromEntries(feed.items.map((item) => [item.id.split('/').at(-1), item.date_published]))).toEqual({
    'council-vote.html': manifest.articles['council-vote']?.published,
    'harbour-reopens.html': manifest.articles['harbour-reopens']?.published,
    'market-day.html': manifest.articles['market-day']?.published,
  });
  for (const path of ['index.html', 'archive/1.html', 'feed.xml', 'atom.xml', 'articles/market-day.html']) {
    expect(await output.head(path), path).not.toBeNull();
  }
  // Every adopted article is on the archive's front page, changed by this release's normalizer or not.
  const front = (await text(output, 'index.html')) ?? '';
  for (const id of Object.keys(manifest.articles)) expect(front).toContain(`articles/${id}.html`);

  // The release-1 objects are gone once the new root exists.
  expect(await state.head(STATE_KEY)).not.toBeNull();
  expect(await state.head(MANIFEST_KEY)).toBeNull();
  expect(await state.head(WINDOW_KEY)).toBeNull();

  // An unchanged rebuild after the migration writes nothing and announces nothing.
  const again = await publish(ports);
  expect(again.written).toEqual([]);
  expect(again.events).toEqual([]);
}

/** After the migration an edit is announced as an update of the article release 1 published, version 2. */
async function checkEdit(ports: PublishPorts, edit: () => Promise<void>): Promise<void> {
  await edit();
  const result = await publish(ports);
  const articleEvents = result.events.filter((event) => event.type !== 'feed.updated');
  expect(articleEvents.map((event) => [event.type, 'id' in event.data ? event.data.id : null])).toEqual([
    ['article.updated', 'market-day'],
  ]);
  expect(articleEvents[0]?.data).toMatchObject({
    version: 2,
    published: manifest.articles['market-day']?.published,
  });
}

const MARKET_DAY_EDIT =
  '---\ntitle: Saturday market moves indoors\n---\n\nThe market is in the old fish hall until April.\n';

describe('first run on a release-1 state', () => {
  it('adopts a directory state: no events, dates, subscriber and outbox jobs kept, then publishes as usual', async () => {
    const ws = await Workspace.create();
    try {
      await rm(ws.contentDir, { recursive: true, force: true });
      await cp(join(FIXTURE, 'content'), ws.contentDir, { recursive: true });
      await cp(join(FIXTURE, 'output'), ws.outDir, { recursive: true });
      await cp(join(FIXTURE, 'state'), ws.stateDir, { recursive: true });
      const state = new FsStore(ws.stateDir);
      const ports = {
        content: new FsStore(ws.contentDir),
        output: new FsStore(ws.outDir),
        state,
        queue: new OutboxQueue(state),
        clock: new ManualClock(LATER),
      };
      await checkFirstRun(ports);
      await checkEdit(ports, () => writeFile(join(ws.contentDir, 'articles/market-day.md'), MARKET_DAY_EDIT));
    } finally {
      await ws.dispose();
    }
  });

  describe('on S3', () => {
    let s3: S3TestServer;
    beforeAll(async () => {
      s3 = await startS3Server(['content', 'site', 'state']);
    }, 60_000);
    afterAll(async () => {
      await s3?.stop();
    });

    it('adopts a state bucket the same way', async () => {
      const store = (bucket: string) => new S3Store({ client: s3.client, bucket });
      const [content, output, state] = [store('content'), store('site'), store('state')];
      await upload(join(FIXTURE, 'content'), content);
      await upload(join(FIXTURE, 'output'), output);
      await upload(join(FIXTURE, 'state'), state);
      const ports = { content, output, state, queue: new OutboxQueue(state), clock: new ManualClock(LATER) };
      await checkFirstRun(ports);
      await checkEdit(ports, async () => {
        await content.put('articles/market-day.md', MARKET_DAY_EDIT);
      });
    });
  });
});
