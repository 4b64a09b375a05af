import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { drainOutbox } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { webhookJobs } from '../helpers/workspace.ts';

const event = (n: number): WebhookEvent => ({
  id: `evt_q_${n}`,
  type: 'feed.updated',
  timestamp: '2024-05-01T00:00:00.000Z',
  data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [], updated: [], deleted: [] },
});

let dir: string;
let state: FsStore;
let outbox: OutboxQueue;
let subscribers: SubscriberRepository;
let receiver: Receiver;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-outbox-'));
  state = new FsStore(dir);
  outbox = new OutboxQueue(state);
  subscribers = new SubscriberRepository(state);
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('OutboxQueue', () => {
  it('keeps one object per job and ignores a job enqueued again, keeping its attempts', async () => {
    const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    const now = new Date('2024-05-01T00:00:00.000Z');
    const [job] = fanOut([event(1)], [subscriber], now);
    if (!job) throw new Error('no job');
    await outbox.enqueue([job]);
    await outbox.retryAt(
      { ...job, attempts: 1, lastStatus: 500, lastError: 'HTTP 500' },
      new Date('2024-05-01T00:01:00.000Z'),
    );
    await outbox.enqueue([job]);
    const [stored] = await outbox.pending();
    expect(stored).toMatchObject({ id: job.id, attempts: 1, lastStatus: 500, lastError: 'HTTP 500' });
    expect(await outbox.due(new Date('2024-05-01T00:00:59.000Z'))).toEqual([]);
    expect(await outbox.due(new Date('2024-05-01T00:01:00.000Z'))).toHaveLength(1);
    const keys: string[] = [];
    for await (const info of state.list('outbox/')) keys.push(info.key);
    expect(keys).toEqual([`outbox/jobs/${job.id}.json`]);
  });

  it('moves an exhausted job to the dead letters and replays it with a fresh schedule', async () => {
    const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    const jobs = fanOut([event(1), event(2)], [subscriber], new Date());
    await outbox.enqueue(jobs);
    for (const job of jobs) {
      const attempted = { ...job, attempts: 1, lastStatus: 503, lastError: 'HTTP 503' };
      await outbox.deadLetter({ job: attempted, reason: 'expired', deadAt: '2024-05-01T00:00:00.000Z' });
    }
    expect(await outbox.pending()).toEqual([]);
    expect(
      (await outbox.listDead()).map(({ job, reason }) => [job.id, job.lastStatus, job.lastError, job.attempts, reason]),
    ).toEqual(expect.arrayContaining(jobs.map((j) => [j.id, 503, 'HTTP 503', 1, 'expired'])));
    await outbox.enqueue(jobs);
    expect(await outbox.pending()).toEqual([]);
    const replayed0 = await outbox.replay({ jobIds: [jobs[0]?.id ?? '', 'job_unknown'] }, new Date());
    expect(replayed0.map((letter) => letter.job.id)).toEqual([jobs[0]?.id]);
    const [replayed] = await outbox.pending();
    expect(replayed).toMatchObject({ id: jobs[0]?.id, attempts: 0 });
    expect(replayed?.lastError).toBeUndefined();
    expect(await outbox.listDead()).toHaveLength(1);
  });
});

describe('drainOutbox', () => {
  it('follows the schedule on a fake clock to the dead letters, recording every attempt', async () => {
    receiver.reply = () => ({ kind: 'status', status: 500, body: 'down' });
    const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    await outbox.enqueue(fanOut([event(1)], [subscriber], new Date()));
    let nowMs = Date.now();
    const clock: Clock = { now: () => new Date(nowMs) };
    const slept: number[] = [];
    const totals = await drainOutbox(
      outbox,
      {
        subscribers,
        sender: createHttpSender({ allowPrivateTargets: true }),
        clock,
        schedule: [60_000, 120_000],
        random: () => 0.5,
      },
      {
        waitForRetries: true,
        sleep: async (ms) => {
          slept.push(ms);
          nowMs += ms;
        },
      },
    );
    expect(totals).toMatchObject({ delivered: 0, retried: 2, dead: 1, dropped: 0 });
    expect(totals.deadLetters.map((letter) => letter.reason)).toEqual(['expired']);
    expect(slept).toEqual([60_000, 120_000]);
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.webhookId))).toEqual(new Set(['evt_q_1']));
    const [dead] = await outbox.listDead();
    expect(dead).toMatchObject({ reason: 'expired', job: { attempts: 3, lastStatus: 500, lastError: 'HTTP 500' } });
    const log = await outbox.listAttempts();
    expect(log.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 500, 'dead'],
    ]);
    expect(log.every((a) => a.latencyMs >= 0 && a.error === 'HTTP 500')).toBe(true);
  });

  it('dead-letters the jobs of a subscriber disabled by 410, and forgets those of a removed one', async () => {
    receiver.reply = () => ({ kind: 'status', status: 410 });
    const gone = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    const removed = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date(), force: true });
    await outbox.enqueue(fanOut([event(1)], [gone, removed], new Date()));
    await subscribers.remove(removed.id);
    const deps = {
      subscribers,
      sender: createHttpSender({ allowPrivateTargets: true }),
      clock: { now: () => new Date() },
      schedule: [5],
    };
    expect(await drainOutbox(outbox, deps, { concurrency: 1 })).toMatchObject({
      delivered: 0,
      retried: 0,
      dead: 1,
      dropped: 1,
    });
    expect(receiver.requests).toHaveLength(1);
    const dead = await outbox.listDead();
    expect(webhookJobs(dead.map((d) => d.job)).map((job) => job.subscriberId)).toEqual([gone.id]);
    expect(dead[0]?.reason).toBe('disabled');
    expect(dead[0]?.job.lastError).toMatch(/disabled: 410 Gone/);
    expect(await outbox.pending()).toEqual([]);
    expect((await outbox.listAttempts({ subscriberId: removed.id })).map((a) => a.error)).toEqual([
      'subscriber removed',
    ]);
  });
});
