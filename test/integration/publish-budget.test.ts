/**
 * A run that does not fit in its time budget checkpoints, and the calls that continue it (as PublishFunction
 * invocations do) converge to exactly the files, records and events of one uninterrupted run — against s3rver,
 * through the real SDK. Time is a clock that moves one millisecond per reading, so where a call stops depends on
 * the work done, never on the machine's speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import type { DeliveryJob } from '../../functions/core/delivery.ts';
import type { Clock, ObjectStore } from '../../functions/core/ports.ts';
import { LOCK_KEY, RECORD_PREFIX, STATE_KEY } from '../../functions/core/state-keys.ts';
import { type PublishResult, publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import { markdownArticle, RecordingQueue, TEST_SITE, webhookJobs } from '../helpers/workspace.ts';

/** Moves one millisecond every time it is read. */
class TickingClock implements Clock {
  #time = Date.parse('2026-03-01T00:00:00.000Z');
  now(): Date {
    this.#time += 1;
    return new Date(this.#time);
  }
}

const ARTICLES = 150;
let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server(['content', 'site', 'state']);
  const content = new S3Store({ client: s3.client, bucket: 'content' });
  await content.put('site.json', JSON.stringify(TEST_SITE));
  for (let i = 0; i < ARTICLES; i++) {
    const date = new Date(Date.UTC(2026, 0, 1, i)).toISOString();
    await content.put(
      `articles/s${String(i).padStart(3, '0')}.md`,
      markdownArticle(`Story ${i}`, `Body ${i}.`, { date }),
    );
  }
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

/** Ports over one prefix of the site and state buckets, with a subscriber, a recording queue and a ticking clock. */
async function target(prefix: string) {
  const state = new S3Store({ client: s3.client, bucket: 'state', prefix });
  await new SubscriberRepository(state).add('http://127.0.0.1:9/hook', {
    allowPrivateTargets: true,
    now: new Date('2026-03-01T00:00:00.000Z'),
  });
  return {
    content: new S3Store({ client: s3.client, bucket: 'content' }),
    output: new S3Store({ client: s3.client, bucket: 'site', prefix }),
    state,
    queue: new RecordingQueue(),
    clock: new TickingClock(),
  };
}

async function objects(store: ObjectStore, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const info of store.list(prefix)) {
    found[info.key] = Buffer.from((await store.get(info.key))?.body ?? []).toString('utf8');
  }
  return found;
}

/** What a subscriber was handed: event id, type and data, per job (timestamps aside, which name the run's start). */
const handed = (jobs: readonly DeliveryJob[]) =>
  webhookJobs(jobs)
    .map((job) => ({ id: job.event.id, type: job.event.type, data: job.event.data }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));

describe('a publish run under a time budget', () => {
  it('continues call after call and converges to the files, records and events of one uninterrupted run', async () => {
    const reference = await target('reference');
    const once = await publish(reference);
    expect(once.status).toBe('complete');
    expect(once.events).toHaveLength(ARTICLES + 1);

    const budgeted = await target('budgeted');
    const calls: PublishResult[] = [];
    for (let i = 0; i < 400; i++) {
      // The first call reconciles; the others are continuations, which name no key (the PublishFunction's).
      const result = await publish(budgeted, i === 0 ? { budgetMs: 1 } : { budgetMs: 1, changed: [] });
      calls.push(result);
      if (result.status === 'complete') break;
      // Checkpointed, and the lease let go, so the next invocation (or any other writer) can carry on.
      expect(result.run).toEqual(expect.any(String));
      expect(await budgeted.state.head(LOCK_KEY)).toBeNull();
    }
    const last = calls.at(-1) as PublishResult;
    expect(last.status).toBe('complete');
    expect(last.run).toBeNull();
    // It really was split: the sources alone take ceil(150 / 64) batches.
    expect(calls.length).toBeGreaterThan(5);

    expect(await objects(budgeted.output)).toEqual(await objects(reference.output));
    expect(await objects(budgeted.state, RECORD_PREFIX)).toEqual(await objects(reference.state, RECORD_PREFIX));
    expect(handed(budgeted.queue.jobs)).toEqual(handed(reference.queue.jobs));
    // Each event handed out once, and only once every file it describes was written: no call after the first one
    // that handed out events wrote anything.
    expect(new Set(budgeted.queue.jobs.map((job) => job.id)).size).toBe(budgeted.queue.jobs.length);
    const firstHanding = calls.findIndex((call) => call.events.length > 0);
    expect(firstHanding).toBeGreaterThan(0);
    for (const call of calls.slice(firstHanding + 1)) expect(call.written).toEqual([]);
    // Nothing left of the run: the root names none, and a further call writes nothing.
    const head = JSON.parse((await objects(budgeted.state, STATE_KEY))[STATE_KEY] ?? '{}');
    expect(head.run).toBeNull();
    s3.resetCounts();
    expect((await publish(budgeted, { budgetMs: 1 })).written).toEqual([]);
    expect(s3.count('PutObject') + s3.count('DeleteObject')).toBe(0);
  }, 120_000);

  it('queues the changes named while a run is in progress and publishes them once it has finished', async () => {
    const ports = await target('queued');
    const first = await publish(ports, { budgetMs: 1 });
    expect(first.status).toBe('incomplete');
    const content = new S3Store({ client: s3.client, bucket: 'content' });
    await content.put(
      'articles/zz-late.md',
      markdownArticle('Late', 'Filed during the import.', { date: '2026-02-01' }),
    );
    try {
      // Named by an S3 event while the import is still going: it waits for the run, then is published on its own.
      let result = await publish(ports, { budgetMs: 1, changed: ['articles/zz-late.md'] });
      for (let i = 0; result.status !== 'complete' && i < 400; i++) {
        result = await publish(ports, { budgetMs: 1, changed: [] });
      }
      expect(result.status).toBe('complete');
      const files = await objects(ports.output);
      expect(files['articles/zz-late.html']).toContain('Filed during the import.');
      const types = webhookJobs(ports.queue.jobs).filter(
        (job) => 'id' in job.event.data && job.event.data.id === 'zz-late',
      );
      expect(types.map((job) => job.event.type)).toEqual(['article.published']);
    } finally {
      await content.delete('articles/zz-late.md');
    }
  }, 120_000);
});
