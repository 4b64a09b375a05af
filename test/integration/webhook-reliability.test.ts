import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { Subscriber } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { drainOutbox } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, type Reply, seededRandom, startReceiver } from '../helpers/receiver.ts';
import { webhookJobs } from '../helpers/workspace.ts';

const EVENTS = 200;
const RECEIVERS = 5;
const FAILURE_RATE = 0.3;
/** Four attempts in all, so that about 0.3^4 ≈ 0.8% of the pairs exhaust them and exercise the dead letters. */
const SCHEDULE = [5, 5, 5];
const FAILURES: Reply[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503, headers: { 'retry-after': '0' } },
  { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
  { kind: 'status', status: 400 },
  { kind: 'status', status: 301, headers: { location: 'http://169.254.169.254/' } },
  { kind: 'reset' },
  { kind: 'hang' },
];

let dir: string;
const receivers: Receiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-reliability-'));
});

it('delivers every (event, subscriber) at least once or dead-letters it with its reason, through random failures', async () => {
  const state = new FsStore(dir);
  const subscriberRepository = new SubscriberRepository(state);
  const outbox = new OutboxQueue(state);
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < RECEIVERS; i++) {
    const random = seededRandom(1000 + i);
    const receiver = await startReceiver({
      reply: () =>
        random() < FAILURE_RATE
          ? (FAILURES[Math.floor(random() * FAILURES.length)] as Reply)
          : { kind: 'status', status: 200 },
    });
    receivers.push(receiver);
    const subscriber = await subscriberRepository.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    receiver.secrets = [subscriber.secrets[0]?.secret ?? ''];
    subscribers.push(subscriber);
  }
  const events: WebhookEvent[] = Array.from({ length: EVENTS }, (_, n) => ({
    id: `evt_${n}`,
    type: 'feed.updated',
    timestamp: '2024-05-01T00:00:00.000Z',
    data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [`a${n}`], updated: [], deleted: [] },
  }));
  const jobs = fanOut(events, subscribers, new Date());
  await outbox.enqueue(jobs);
  await outbox.enqueue(jobs.slice(0, 50)); // a re-handed batch must not double anything

  const started = performance.now();
  const totals = await drainOutbox(
    outbox,
    {
      subscribers: subscriberRepository,
      sender: createHttpSender({ allowPrivateTargets: true, timeoutMs: 300 }),
      clock: systemClock,
      schedule: SCHEDULE,
      random: seededRandom(7),
    },
    { concurrency: 32, waitForRetries: true, maxRounds: 200 },
  );
  const elapsedMs = performance.now() - started;

  expect(await outbox.pending()).toEqual([]);
  const dead = await outbox.listDead();
  const deadPairs = new Set(
    webhookJobs(dead.map(({ job }) => job)).map((job) => `${job.event.id} ${job.subscriberId}`),
  );
  for (const { job, reason } of dead) {
    expect(reason).toBe('expired');
    expect(job.lastError).toBeTruthy();
    expect(job.attempts).toBe(SCHEDULE.length + 1);
  }

  let lost = 0;
  let duplicates = 0;
  let requests = 0;
  let pairsReached = 0;
  let failedAttempts = 0;
  for (const [i, receiver] of receivers.entries()) {
    const subscriber = subscribers[i] as Subscriber;
    requests += receiver.requests.length;
    for (const request of receiver.requests) expect(request.verifiedBy).toEqual([0]);
    const byId = new Map<string, typeof receiver.requests>();
    for (const request of receiver.requests)
      byId.set(request.webhookId, [...(byId.get(request.webhookId) ?? []), request]);
    const log = await outbox.listAttempts({ subscriberId: subscriber.id });
    for (const event of events) {
      const received = byId.get(event.id) ?? [];
      const accepted = received.filter((r) => r.status === 200 && r.reply === 'status');
      const attempts = log.filter((a) => a.eventId === event.id);
      const timedOut = attempts.filter((a) => a.error?.match(/timeout|not complete/)).length;
      // A success is never sent again: at most one attempt per pair is recorded as delivered, and a
      // receiver sees a second 200 only when the sender recorded the earlier one as failed (its
      // deadline passed before the answer arrived, as happens on a loaded machine).
      expect(attempts.filter((a) => a.outcome === 'delivered').length).toBeLessThanOrEqual(1);
      expect(accepted.length).toBeLessThanOrEqual(1 + timedOut);
      // Every request the receiver saw is a recorded attempt: nothing was sent unrecorded. An attempt the receiver
      // never saw can only be one whose deadline passed before the request reached it.
      expect(received.length).toBeLessThanOrEqual(attempts.length);
      expect(attempts.length - received.length).toBeLessThanOrEqual(timedOut);
      if (accepted.length === 0 && !deadPairs.has(`${event.id} ${subscriber.id}`)) lost++;
      if (received.length > 0) pairsReached++;
      duplicates += Math.max(0, received.length - 1);
      failedAttempts += attempts.filter((a) => a.outcome !== 'delivered').length;
    }
  }
  expect(lost).toBe(0);
  expect(totals.delivered + totals.dead).toBe(EVENTS * RECEIVERS);
  expect(totals.delivered).toBe(EVENTS * RECEIVERS - dead.length);
  expect(totals.retried).toBe(failedAttempts - dead.length);
  // Every pair that was not dead-lettered reached its receiver (dead ones may have timed out before reaching it).
  expect(pairsReached).toBeGreaterThanOrEqual(EVENTS * RECEIVERS - dead.length);
  console.log(
    `reliability: ${EVENTS * RECEIVERS} jobs, ${requests} requests, ${totals.delivered} delivered, ` +
      `${totals.retried} retries, ${dead.length} dead, ${duplicates} duplicate receipts (all after failures), ` +
      `${Math.round(elapsedMs)} ms`,
  );
});
