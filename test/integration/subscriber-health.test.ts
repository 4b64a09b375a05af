/**
 * Subscriber health end to end, on a pinned clock: real loopback receivers, the local outbox in a state directory,
 * delivery's bookkeeping deciding when a subscriber has failed for too long, the operator's `endpoint.disabled`
 * webhook, and `wirefeed subscribers enable|pause|resume` replaying what was missed with the original webhook-ids.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { Subscriber } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { type DeliveryDeps, drainOutbox } from '../../functions/pipeline/deliver.ts';
import { HealthKeeper, type HealthNote } from '../../functions/pipeline/subscriber-health.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type CliRun, runCli } from '../helpers/cli.ts';
import { type ReceivedRequest, type Receiver, type Reply, startReceiver } from '../helpers/receiver.ts';
import { ManualClock, webhookLetters } from '../helpers/workspace.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Two attempts per job, an hour apart. */
const SCHEDULE = [HOUR];

let dir: string;
let state: FsStore;
let outbox: OutboxQueue;
let subscribers: SubscriberRepository;
let clock: ManualClock;
let notes: HealthNote[];
const receivers: Receiver[] = [];

function feedEvent(n: number): WebhookEvent {
  return {
    id: `evt_health_${n}`,
    type: 'feed.updated',
    timestamp: clock.now().toISOString(),
    data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [`a${n}`], updated: [], deleted: [] },
  };
}

/**
 * Whether the request carries a Standard Webhooks signature by `secret` over its id, timestamp and body. Checked by
 * hand: the library's verify also wants the timestamp near the real time, which a pinned clock is not.
 */
function signedWith(request: ReceivedRequest | undefined, secret: string): boolean {
  if (request === undefined) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const content = `${request.webhookId}.${request.headers['webhook-timestamp']}.${request.body}`;
  const expected = `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
  return String(request.headers['webhook-signature']).split(' ').includes(expected);
}

async function receiverFor(reply: Reply): Promise<Receiver> {
  const receiver = await startReceiver({ reply: () => reply });
  receivers.push(receiver);
  return receiver;
}

async function subscribe(receiver: Receiver, events: Subscriber['events'] = []): Promise<Subscriber> {
  const subscriber = await subscribers.add(receiver.url, {
    events: [...events],
    allowPrivateTargets: true,
    now: clock.now(),
  });
  receiver.secrets = [subscriber.secrets[0]?.secret ?? ''];
  return subscriber;
}

function deps(disableAfterMs: number | null = 5 * DAY): DeliveryDeps {
  return {
    subscribers,
    sender: createHttpSender({ allowPrivateTargets: true }),
    clock,
    schedule: SCHEDULE,
    random: () => 0.5,
    health: new HealthKeeper(subscribers, { disableAfterMs, notify: outbox }, (note) => notes.push(note)),
  };
}

/** Publishes one event to every subscriber, then delivers until nothing is due, advancing the clock through retries. */
async function publishAndDeliver(n: number, delivery = deps()): Promise<void> {
  await outbox.enqueue(fanOut([feedEvent(n)], await subscribers.list(), clock.now()));
  await drainUntilIdle(delivery);
}

async function drainUntilIdle(delivery = deps()): Promise<void> {
  await drainOutbox(outbox, delivery, {
    waitForRetries: true,
    maxRounds: 20,
    sleep: async (ms) => clock.advance(ms),
  });
}

async function cli(argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--state', dir], dir);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-health-'));
  state = new FsStore(dir);
  outbox = new OutboxQueue(state);
  subscribers = new SubscriberRepository(state);
  // Pinned, and a week in the past, so that the CLI's replays (on the system clock) are due on this clock later.
  clock = new ManualClock(new Date(Math.floor(Date.now() / DAY) * DAY - 7 * DAY).toISOString());
  notes = [];
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('subscriber health', () => {
  it('counts failures in a row from the first of the streak, and a success ends the streak', async () => {
    let reply: Reply = { kind: 'status', status: 500 };
    const receiver = await startReceiver({ reply: () => reply });
    receivers.push(receiver);
    const subscriber = await subscribe(receiver);
    const streakStart = clock.now().toISOString();
    await publishAndDeliver(1);
    clock.advance(DAY);
    await publishAndDeliver(2);
    expect(await subscribers.health(subscriber.id)).toMatchObject({
      consecutiveFailures: 4,
      failingSince: streakStart,
      lastStatus: 500,
      lastError: 'HTTP 500',
    });
    reply = { kind: 'status', status: 204 };
    clock.advance(DAY);
    await publishAndDeliver(3);
    const healed = await subscribers.health(subscriber.id);
    expect(healed).toMatchObject({ consecutiveFailures: 0, lastSuccess: clock.now().toISOString() });
    expect(healed.failingSince).toBeUndefined();
    expect(healed.lastFailure).toBeDefined();
  });

  it('disables a subscriber failing for 5 days, tells the operator endpoint, and re-enabling replays what it missed', async () => {
    let reply: Reply = { kind: 'status', status: 503 };
    const failing = await startReceiver({ reply: () => reply });
    receivers.push(failing);
    const subscriber = await subscribe(failing);
    const operator = await receiverFor({ kind: 'status', status: 200 });
    const operatorSubscriber = await subscribe(operator, ['endpoint.disabled']);
    const streakStart = clock.now().toISOString();

    await publishAndDeliver(1); // day 0: fails twice, dead-lettered as expired
    clock.advance(3 * DAY);
    await publishAndDeliver(2); // day 3: the same
    expect((await subscribers.get(subscriber.id))?.status).toBe('active');
    expect(operator.requests).toHaveLength(0);

    clock.advance(2 * DAY - 3 * HOUR);
    await publishAndDeliver(3); // day 5 less an hour, then its retry an hour later: 5 days of failures
    const disabled = await subscribers.get(subscriber.id);
    expect(disabled?.status).toBe('disabled');
    expect(disabled?.disabledReason).toBe(`failing since ${streakStart} (6 consecutive failures; disabled after 5d)`);
    expect(notes.map((note) => note.kind)).toEqual(['disabled']);

    // The operator endpoint was sent one signed endpoint.disabled by the same drain.
    expect(operator.requests).toHaveLength(1);
    const [notice] = operator.requests;
    expect(signedWith(notice, operator.secrets[0] as string)).toBe(true);
    expect(Number(notice?.headers['webhook-timestamp'])).toBe(Math.floor(clock.now().getTime() / 1000));
    const body = JSON.parse(notice?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'endpoint.disabled',
      data: {
        subscriberId: subscriber.id,
        url: failing.url,
        failingSince: streakStart,
        consecutiveFailures: 6,
        lastError: 'HTTP 503',
        enableCommand: `wirefeed subscribers enable ${subscriber.id} --replay`,
      },
    });
    expect(notice?.webhookId).toMatch(/^evt_disabled_/);

    // Disabled: a new event reaches neither the failing endpoint nor is lost; it waits as a dead letter.
    const requestsBefore = failing.requests.length;
    clock.advance(HOUR);
    await publishAndDeliver(4);
    expect(failing.requests).toHaveLength(requestsBefore);
    const dead = webhookLetters(await outbox.listDead()).filter((letter) => letter.job.subscriberId === subscriber.id);
    expect(dead.map((letter) => [letter.job.event.id, letter.reason])).toEqual([
      ['evt_health_1', 'expired'],
      ['evt_health_2', 'expired'],
      ['evt_health_3', 'expired'],
      ['evt_health_4', 'disabled'],
    ]);
    // The operator's own deliveries are untouched, and it never receives content events it did not name.
    expect(operator.requests).toHaveLength(1);
    expect((await subscribers.get(operatorSubscriber.id))?.status).toBe('active');

    // Fixed. `enable` offers the replay, from where the failures began.
    reply = { kind: 'status', status: 200 };
    const offered = await cli(['subscribers', 'enable', subscriber.id]);
    expect(offered).toMatchObject({ code: 0, stderr: '' });
    expect(offered.stdout).toBe(
      `${subscriber.id} is active again (was disabled); 4 missed deliveries (dead letters since ${streakStart}); ` +
        `deliver them again: wirefeed subscribers enable ${subscriber.id} --replay --since ${streakStart}\n`,
    );
    expect(await subscribers.health(subscriber.id)).toMatchObject({ consecutiveFailures: 0 });

    // Replay only what was given up since day 3: events 2, 3 and 4, each with its original webhook-id.
    const since = dead[1]?.deadAt as string;
    const replayed = await cli(['subscribers', 'enable', subscriber.id, '--replay', '--since', since]);
    expect(replayed.stdout).toContain('was already active; re-queued 3 missed deliveries');
    clock.advance(8 * DAY); // past the system clock's now, at which the replays were queued
    failing.requests.length = 0;
    await drainUntilIdle();
    expect(failing.requests.map((r) => r.webhookId).sort()).toEqual(['evt_health_2', 'evt_health_3', 'evt_health_4']);
    expect(failing.requests.every((r) => signedWith(r, failing.secrets[0] as string))).toBe(true);
    expect(webhookLetters(await outbox.listDead()).map((letter) => letter.job.event.id)).toEqual(['evt_health_1']);
    expect((await subscribers.get(subscriber.id))?.status).toBe('active');
  });

  it('a 410 Gone disables at once and tells the operator why', async () => {
    const gone = await receiverFor({ kind: 'status', status: 410 });
    const subscriber = await subscribe(gone);
    const operator = await receiverFor({ kind: 'status', status: 204 });
    await subscribe(operator, ['endpoint.disabled']);
    await publishAndDeliver(1);
    expect((await subscribers.get(subscriber.id))?.disabledReason).toBe(`410 Gone at ${clock.now().toISOString()}`);
    expect(operator.requests.map((r) => JSON.parse(r.body).data.reason)).toEqual([
      `410 Gone at ${clock.now().toISOString()}`,
    ]);
  });

  it('never disables with the period off, and a success inside the period starts it over', async () => {
    let reply: Reply = { kind: 'status', status: 500 };
    const receiver = await startReceiver({ reply: () => reply });
    receivers.push(receiver);
    const subscriber = await subscribe(receiver);
    await publishAndDeliver(1, deps(null));
    clock.advance(10 * DAY);
    await publishAndDeliver(2, deps(null));
    expect((await subscribers.get(subscriber.id))?.status).toBe('active');

    reply = { kind: 'status', status: 200 };
    await publishAndDeliver(3);
    reply = { kind: 'status', status: 500 };
    clock.advance(DAY);
    await publishAndDeliver(4);
    clock.advance(4 * DAY - 2 * HOUR);
    await publishAndDeliver(5);
    expect((await subscribers.get(subscriber.id))?.status).toBe('active');
  });

  it('pause holds deliveries as dead letters without a request, and resume delivers them with their webhook-ids', async () => {
    const receiver = await receiverFor({ kind: 'status', status: 200 });
    const subscriber = await subscribe(receiver);
    await subscribers.pause(subscriber.id, clock.now());
    await publishAndDeliver(1);
    await publishAndDeliver(2);
    expect(receiver.requests).toHaveLength(0);
    expect((await outbox.listDead()).map((letter) => letter.reason)).toEqual(['paused', 'paused']);
    expect(await subscribers.health(subscriber.id)).toMatchObject({ consecutiveFailures: 0 });

    const resumed = await cli(['subscribers', 'resume', subscriber.id]);
    expect(resumed.stdout).toContain('is active again (was paused); re-queued 2 missed deliveries');
    clock.advance(8 * DAY);
    await drainUntilIdle();
    expect(receiver.requests.map((r) => r.webhookId).sort()).toEqual(['evt_health_1', 'evt_health_2']);
    expect(await outbox.listDead()).toEqual([]);
    expect((await cli(['subscribers', 'resume', subscriber.id])).stderr).toContain('is active, not paused');
  });
});
