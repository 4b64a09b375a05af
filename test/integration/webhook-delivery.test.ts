import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { DeliveryJob, WebhookJob } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { eventBody } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { type Clock, systemClock } from '../../functions/core/ports.ts';
import { MAX_RETRY_AFTER_MS } from '../../functions/core/retry-schedule.ts';
import { signWebhook } from '../../functions/core/sign.ts';
import { attemptDelivery, type DeliveryDeps, deliverJob } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, type Reply, startReceiver } from '../helpers/receiver.ts';

const SCHEDULE = [5, 5, 5, 5, 5];
const TIMEOUT_MS = 300;
const feeds = { rss: 'https://news.example.com/feed.xml', atom: '', json: '', home: '' };

let dir: string;
let subscribers: SubscriberRepository;
const receivers: Receiver[] = [];

function articleEvent(n: number): WebhookEvent {
  return {
    id: `evt_${n}`,
    type: 'article.published',
    timestamp: '2024-05-01T00:00:00.000Z',
    data: {
      id: `article-${n}`,
      title: `Article ${n} — “quoted” ✓`,
      summary: 'A summary.',
      url: `https://news.example.com/articles/article-${n}.html`,
      published: '2024-05-01T00:00:00.000Z',
      updated: '2024-05-01T00:00:00.000Z',
      authors: ['Sumathi Bala'],
      category: 'Politics',
      tags: [],
      version: 1,
      feeds: { ...feeds, atom: feeds.rss, json: feeds.rss, home: feeds.rss },
    },
  };
}

function deps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return {
    subscribers,
    sender: createHttpSender({ allowPrivateTargets: true, timeoutMs: TIMEOUT_MS, userAgent: 'wirefeed/0.0.0-test' }),
    clock: systemClock,
    schedule: SCHEDULE,
    random: () => 0.5,
    ...overrides,
  };
}

/** A receiver that answers every request with `reply`, a subscriber pointing at it, and one job for it. */
async function setUp(reply: Reply, n = 1): Promise<{ receiver: Receiver; job: WebhookJob; subscriberId: string }> {
  const receiver = await startReceiver({ reply: () => reply });
  receivers.push(receiver);
  const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
  receiver.secrets = [subscriber.secrets[0]?.secret ?? ''];
  const [job] = fanOut([articleEvent(n)], [subscriber], new Date());
  if (!job) throw new Error('no job');
  return { receiver, job, subscriberId: subscriber.id };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-webhook-'));
  subscribers = new SubscriberRepository(new FsStore(dir));
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signed deliveries', () => {
  it('arrive with Standard Webhooks headers that standardwebhooks verifies, the body unchanged', async () => {
    const { receiver, job } = await setUp({ kind: 'status', status: 200 });
    const outcome = await attemptDelivery(job, deps());
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.verifiedBy).toEqual([0]);
    expect(request?.webhookId).toBe('evt_1');
    expect(request?.body).toBe(eventBody(job.event));
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('wirefeed/0.0.0-test');
    expect(Math.abs(Number(request?.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(Buffer.byteLength(request?.body ?? '')).toBeLessThan(20 * 1024);
  });

  it('keep the webhook-id across retries while the timestamp is per attempt', async () => {
    let clockMs = Date.now();
    const clock: Clock = { now: () => new Date(clockMs) };
    const { receiver, job } = await setUp({ kind: 'status', status: 500 });
    await attemptDelivery(job, deps({ clock }));
    clockMs += 2000;
    await attemptDelivery({ ...job, attempts: 1 }, deps({ clock }));
    const [first, second] = receiver.requests;
    expect(first?.webhookId).toBe(second?.webhookId);
    expect(Number(second?.headers['webhook-timestamp']) - Number(first?.headers['webhook-timestamp'])).toBe(2);
    expect(second?.verifiedBy).toEqual([0]);
  });

  it('are signed with both secrets while a secret rotates, so old and new receivers both verify', async () => {
    const { receiver, job, subscriberId } = await setUp({ kind: 'status', status: 204 });
    const oldSecret = receiver.secrets[0] ?? '';
    const rotated = await subscribers.rotate(subscriberId, new Date());
    const newSecret = rotated.secrets[0]?.secret ?? '';
    expect(newSecret).not.toBe(oldSecret);
    receiver.secrets = [oldSecret, newSecret];
    expect(await attemptDelivery(job, deps())).toMatchObject({ kind: 'delivered', status: 204 });
    expect(receiver.requests[0]?.verifiedBy).toEqual([0, 1]);
    expect(receiver.requests[0]?.headers['webhook-signature']?.toString().split(' ')).toHaveLength(2);
  });

  it('stop carrying the previous secret 24 hours after rotation', async () => {
    const { receiver, job, subscriberId } = await setUp({ kind: 'status', status: 200 });
    const oldSecret = receiver.secrets[0] ?? '';
    const rotated = await subscribers.rotate(subscriberId, new Date(Date.now() - 25 * 3600 * 1000));
    receiver.secrets = [oldSecret, rotated.secrets[0]?.secret ?? ''];
    await attemptDelivery(job, deps());
    expect(receiver.requests[0]?.verifiedBy).toEqual([1]);
  });

  it('fail verification when the body is tampered with in transit', async () => {
    const { receiver, job } = await setUp({ kind: 'status', status: 200 });
    const body = eventBody(job.event);
    const headers = signWebhook({
      id: job.event.id,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secrets: receiver.secrets,
    });
    const sender = createHttpSender({ allowPrivateTargets: true });
    await sender.send(receiver.url, headers, body.replace('Article 1', 'Article 2'));
    await sender.send(receiver.url, headers, body);
    expect(receiver.requests.map((r) => r.verifiedBy)).toEqual([[], [0]]);
  });
});

describe('status matrix: one attempt against a receiver that answers…', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
  ] as const)('%i: delivered', async (status, kind) => {
    const { receiver, job } = await setUp({ kind: 'status', status });
    expect(await attemptDelivery(job, deps())).toMatchObject({ kind, status });
    expect(receiver.requests).toHaveLength(1);
  });

  it.each([400, 404, 500])('%i: retried after the schedule step', async (status) => {
    const { receiver, job } = await setUp({ kind: 'status', status, body: 'nope' });
    expect(await attemptDelivery(job, deps())).toEqual({ kind: 'retry', delayMs: 5, status, error: `HTTP ${status}` });
    expect(receiver.requests).toHaveLength(1);
  });

  it('301 to 169.254.169.254: a failure, the redirect not followed', async () => {
    const { receiver, job } = await setUp({
      kind: 'status',
      status: 301,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    });
    const outcome = await attemptDelivery(job, deps());
    expect(outcome).toMatchObject({ kind: 'retry', status: 301 });
    if (outcome.kind === 'retry') expect(outcome.error).toMatch(/redirects are not followed/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('302 back to itself: not followed either (the receiver sees exactly one request)', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    receiver.reply = ({ n }) =>
      n === 1
        ? { kind: 'status', status: 302, headers: { location: `${receiver.url}?followed` } }
        : { kind: 'status', status: 200 };
    const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    const [job] = fanOut([articleEvent(2)], [subscriber], new Date());
    expect(await attemptDelivery(job as DeliveryJob, deps())).toMatchObject({ kind: 'retry', status: 302 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('410: settling disables the subscriber and later jobs for it are dead-lettered without a request', async () => {
    const { receiver, job, subscriberId } = await setUp({ kind: 'status', status: 410 });
    const { outcome } = await deliverJob(job, deps(), new OutboxQueue(new FsStore(dir)));
    expect(outcome).toMatchObject({ kind: 'dead', reason: 'disabled', status: 410 });
    const subscriber = await subscribers.get(subscriberId);
    expect(subscriber?.status).toBe('disabled');
    expect(subscriber?.disabledReason).toMatch(/410/);
    expect(await attemptDelivery({ ...job, id: 'job_other' }, deps())).toMatchObject({
      kind: 'dead',
      reason: 'disabled',
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('429 with Retry-After: 120 waits 120 s instead of the 5 ms step', async () => {
    const { job } = await setUp({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    expect(await attemptDelivery(job, deps())).toMatchObject({ kind: 'retry', delayMs: 120_000, status: 429 });
  });

  it('503 with Retry-After as an HTTP date honours it; an absurd Retry-After is clamped to 12 h', async () => {
    const inOneHour = new Date(Date.now() + 3600_000).toUTCString();
    const first = await setUp({ kind: 'status', status: 503, headers: { 'retry-after': inOneHour } });
    const outcome = await attemptDelivery(first.job, deps());
    expect(outcome.kind).toBe('retry');
    if (outcome.kind === 'retry') {
      expect(outcome.delayMs).toBeGreaterThan(3590_000);
      expect(outcome.delayMs).toBeLessThanOrEqual(3600_000);
    }
    const second = await setUp({ kind: 'status', status: 503, headers: { 'retry-after': String(7 * 86400) } });
    expect(await attemptDelivery(second.job, deps())).toMatchObject({ kind: 'retry', delayMs: MAX_RETRY_AFTER_MS });
  });

  it('Retry-After on a 500 is ignored: the schedule decides', async () => {
    const { job } = await setUp({ kind: 'status', status: 500, headers: { 'retry-after': '600' } });
    expect(await attemptDelivery(job, deps())).toMatchObject({ kind: 'retry', delayMs: 5 });
  });

  it('500 on the last scheduled attempt: dead with the last status', async () => {
    const { job } = await setUp({ kind: 'status', status: 500 });
    expect(await attemptDelivery({ ...job, attempts: SCHEDULE.length }, deps())).toEqual({
      kind: 'dead',
      reason: 'expired',
      status: 500,
      error: 'HTTP 500',
    });
  });

  it('nothing (a hung server): times out at the deadline, retried', async () => {
    const { receiver, job } = await setUp({ kind: 'hang' });
    const started = performance.now();
    const outcome = await attemptDelivery(job, deps());
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ kind: 'retry', status: null, error: `timeout after ${TIMEOUT_MS} ms` });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(receiver.requests).toHaveLength(1);
  });

  it('a 200 whose body drips slower than the deadline: a failure, since the deadline covers the full response', async () => {
    const { job } = await setUp({ kind: 'drip', intervalMs: 50, bytes: 100 });
    const outcome = await attemptDelivery(job, deps());
    expect(outcome).toMatchObject({ kind: 'retry', status: 200 });
    if (outcome.kind === 'retry') expect(outcome.error).toMatch(/response not complete after 300 ms/);
  });

  it('a 200 whose body drips but completes within the deadline: delivered', async () => {
    const { job } = await setUp({ kind: 'drip', intervalMs: 10, bytes: 5 });
    expect(await attemptDelivery(job, deps())).toMatchObject({ kind: 'delivered', status: 200 });
  });

  it('a 200 with a 10 MB body: delivered after reading only the 64 KB cap; the connection is dropped', async () => {
    const { receiver, job } = await setUp({ kind: 'huge', bytes: 10 * 1024 * 1024 });
    const sender = createHttpSender({ allowPrivateTargets: true, timeoutMs: 5000 });
    const result = await sender.send(receiver.url, {}, '{}');
    expect(result.status).toBe(200);
    expect(result.error).toBeUndefined();
    expect(result.bodySnippet?.length).toBeLessThanOrEqual(512);
    expect(await attemptDelivery(job, deps({ sender }))).toMatchObject({ kind: 'delivered', status: 200 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.requests.map((r) => r.completed)).toEqual([false, false]);
  });

  it('a connection reset: retried with the network error', async () => {
    const { receiver, job } = await setUp({ kind: 'reset' });
    const outcome = await attemptDelivery(job, deps());
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
    if (outcome.kind === 'retry') expect(outcome.error).toMatch(/ECONNRESET|socket hang up/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('a removed subscriber: dropped without a request', async () => {
    const { receiver, job, subscriberId } = await setUp({ kind: 'status', status: 200 });
    await subscribers.remove(subscriberId);
    expect(await attemptDelivery(job, deps())).toEqual({
      kind: 'dropped',
      reason: 'removed',
      error: 'subscriber removed',
    });
    expect(receiver.requests).toHaveLength(0);
  });
});
