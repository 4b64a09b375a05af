/**
 * One table of attempts, settled through both JobLedgers: the local outbox (over a directory store) and the SQS
 * message ledger (against the local SQS stand-in). Each case must come out the same in both: completed, retried
 * after the same delay, or dead-lettered with the same typed reason.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { deadLetterUnreadable, SqsMessageLedger } from '../../functions/adapters/sqs-queue.ts';
import type { DeadLetter, DeadLetterReason, DeliveryJob, JobLedger } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { type DeliveryDeps, deliverJob } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { type Receiver, type Reply, startReceiver } from '../helpers/receiver.ts';
import { ManualClock } from '../helpers/workspace.ts';
import { type FakeSqs, startFakeSqsWithClient, stopFakeSqsWithClient } from '../infra/fake-sqs.ts';

/** What a ledger was told, in words both adapters can be read back into. */
type Settled =
  | { action: 'complete' }
  | { action: 'retry'; afterSeconds: number }
  | { action: 'dead'; reason: DeadLetterReason };

interface Case {
  readonly name: string;
  readonly reply?: Reply;
  /** Attempts made before this one (default 0). */
  readonly attempts?: number;
  /** How the subscriber stands when the attempt runs (default: active, at the loopback receiver). */
  readonly subscriber?: 'removed' | 'disabled' | 'credentials-in-url';
  /** The sender keeps the SSRF guard on (default: local development, private targets allowed). */
  readonly guarded?: boolean;
  readonly expected: Settled;
}

const SCHEDULE = [5_000, 60_000];
const CASES: Case[] = [
  { name: '2xx', reply: { kind: 'status', status: 204 }, expected: { action: 'complete' } },
  {
    name: '500 on the first try',
    reply: { kind: 'status', status: 500 },
    expected: { action: 'retry', afterSeconds: 5 },
  },
  {
    name: '500 on the second try',
    reply: { kind: 'status', status: 500 },
    attempts: 1,
    expected: { action: 'retry', afterSeconds: 60 },
  },
  {
    name: '429 with Retry-After: 120',
    reply: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
    expected: { action: 'retry', afterSeconds: 120 },
  },
  {
    name: '500 on the last try',
    reply: { kind: 'status', status: 500 },
    attempts: SCHEDULE.length,
    expected: { action: 'dead', reason: 'expired' },
  },
  { name: '410 Gone', reply: { kind: 'status', status: 410 }, expected: { action: 'dead', reason: 'disabled' } },
  { name: 'a disabled subscriber', subscriber: 'disabled', expected: { action: 'dead', reason: 'disabled' } },
  { name: 'a removed subscriber', subscriber: 'removed', expected: { action: 'complete' } },
  {
    name: 'a loopback target with the guard on',
    guarded: true,
    expected: { action: 'dead', reason: 'private-target' },
  },
  {
    name: 'credentials in the stored URL',
    subscriber: 'credentials-in-url',
    expected: { action: 'dead', reason: 'refused' },
  },
];

const EVENT: WebhookEvent = {
  id: 'evt_settle',
  type: 'feed.updated',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: ['a'], updated: [], deleted: [] },
};

/** A ledger under test: how to settle into it, and how to read back what it was told. */
interface LedgerUnderTest {
  readonly ledger: JobLedger;
  observe(job: DeliveryJob, clock: ManualClock): Promise<Settled>;
}

let dir: string;
let receiver: Receiver;
let sqs: FakeSqs;
let client: SQSClient;

beforeAll(async () => {
  ({ sqs, client } = await startFakeSqsWithClient());
});
afterAll(() => stopFakeSqsWithClient({ sqs, client }));
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-settle-'));
  receiver = await startReceiver();
  sqs.calls.length = 0;
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

function outboxLedger(state: FsStore): LedgerUnderTest {
  const outbox = new OutboxQueue(state);
  return {
    ledger: outbox,
    async observe(job, clock) {
      const [dead] = await outbox.listDead();
      if (dead) return { action: 'dead', reason: dead.reason };
      const [waiting] = await outbox.pending();
      if (!waiting) return { action: 'complete' };
      expect(waiting.attempts).toBe(job.attempts + 1);
      return { action: 'retry', afterSeconds: (Date.parse(waiting.notBefore) - clock.now().getTime()) / 1000 };
    },
  };
}

function sqsLedger(clock: ManualClock): LedgerUnderTest {
  const ledger = new SqsMessageLedger(
    {
      client,
      queueUrl: sqs.queueUrl('deliveries'),
      deadLetterQueueUrl: sqs.queueUrl('deliveries-dlq'),
      clock,
    },
    'receipt-1',
  );
  return {
    ledger,
    async observe(job) {
      const sent = sqs.callsOf('SendMessage');
      const hidden = sqs.callsOf('ChangeMessageVisibility');
      if (sent.length > 0) {
        expect(sent).toHaveLength(1);
        expect(sent[0]?.input.QueueUrl).toBe(sqs.queueUrl('deliveries-dlq'));
        const letter = JSON.parse(String(sent[0]?.input.MessageBody)) as DeadLetter;
        expect(letter.job).toMatchObject({ id: job.id, attempts: job.attempts + 1 });
        expect(ledger.handBack).toBe(false);
        return { action: 'dead', reason: letter.reason };
      }
      if (hidden.length > 0) {
        expect(hidden[0]?.input).toMatchObject({ QueueUrl: sqs.queueUrl('deliveries'), ReceiptHandle: 'receipt-1' });
        expect(ledger.handBack).toBe(true);
        return { action: 'retry', afterSeconds: Number(hidden[0]?.input.VisibilityTimeout) };
      }
      expect(ledger.handBack).toBe(false);
      return { action: 'complete' };
    },
  };
}

/** A job for a subscriber in the state `c` asks for, and the delivery dependencies it runs with. */
async function arrange(c: Case, state: FsStore, clock: ManualClock): Promise<{ job: DeliveryJob; deps: DeliveryDeps }> {
  receiver.reply = () => c.reply ?? { kind: 'status', status: 200 };
  const subscribers = new SubscriberRepository(state);
  const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: clock.now() });
  if (c.subscriber === 'removed') await subscribers.remove(subscriber.id);
  if (c.subscriber === 'disabled') await subscribers.disable(subscriber.id, '410 Gone at 2025-12-31T00:00:00.000Z');
  if (c.subscriber === 'credentials-in-url') {
    // `add` refuses such a URL; a record edited by hand can still hold one.
    const record = { ...subscriber, url: 'https://user:secret@hooks.example.com/in' };
    await state.put(`subscribers/${subscriber.id}.json`, JSON.stringify(record));
  }
  const [fresh] = fanOut([EVENT], [subscriber], clock.now());
  const job = { ...(fresh as DeliveryJob), attempts: c.attempts ?? 0 };
  const deps: DeliveryDeps = {
    subscribers,
    sender: createHttpSender({ allowPrivateTargets: c.guarded !== true, timeoutMs: 5_000 }),
    clock,
    schedule: SCHEDULE,
    random: () => 0.5,
  };
  return { job, deps };
}

describe.each([
  ['the outbox', (state: FsStore) => outboxLedger(state)],
  ['an SQS message', (_state: FsStore, clock: ManualClock) => sqsLedger(clock)],
] as const)('settling an attempt in %s', (_name, makeLedger) => {
  it.each(CASES)('$name', async (c) => {
    const state = new FsStore(dir);
    const clock = new ManualClock();
    const { job, deps } = await arrange(c, state, clock);
    const underTest = makeLedger(state, clock);
    if (underTest.ledger instanceof OutboxQueue) await underTest.ledger.enqueue([job]);
    await deliverJob(job, deps, underTest.ledger);
    expect(await underTest.observe(job, clock)).toEqual(c.expected);
    const sent = c.subscriber === undefined && c.guarded !== true ? 1 : 0;
    expect(receiver.requests).toHaveLength(sent);
  });
});

describe('a ledger that cannot record the dead letter keeps the job', () => {
  const gone: Case = {
    name: '410',
    reply: { kind: 'status', status: 410 },
    expected: { action: 'dead', reason: 'disabled' },
  };

  it('in the outbox: the job stays waiting when the dead-letter write fails', async () => {
    const clock = new ManualClock();
    const state = new FsStore(dir);
    const { job, deps } = await arrange(gone, state, clock);
    await new OutboxQueue(state).enqueue([job]);
    // The outbox's first write after the attempt is the dead letter itself.
    const faulty = new OutboxQueue(new FaultyStore(state, { failOnWrite: 1 }));
    await expect(deliverJob(job, deps, faulty)).rejects.toThrow(/injected fault/);
    expect((await new OutboxQueue(state).pending()).map((waiting) => waiting.id)).toEqual([job.id]);
    expect(await new OutboxQueue(state).listDead()).toEqual([]);
  });

  it('in SQS: the message is handed back when the DeliveryDLQ refuses it', async () => {
    const clock = new ManualClock();
    const { job, deps } = await arrange(gone, new FsStore(dir), clock);
    const { ledger } = sqsLedger(clock);
    sqs.failNextCalls('SendMessage', 1);
    await expect(deliverJob(job, deps, ledger)).rejects.toThrow(/SendMessage .*deliveries-dlq/);
    expect((ledger as SqsMessageLedger).handBack).toBe(true);
  });
});

describe('a message that is not a delivery job', () => {
  it('goes to the DeliveryDLQ as it came, with reason unreadable and the parse error', async () => {
    const options = {
      client,
      queueUrl: sqs.queueUrl('deliveries'),
      deadLetterQueueUrl: sqs.queueUrl('deliveries-dlq'),
    };
    await deadLetterUnreadable(options, '{"not": "a job"', 'unreadable delivery job: Unexpected end of JSON input');
    const [sent] = sqs.callsOf('SendMessage');
    expect(sent?.input).toEqual({
      QueueUrl: sqs.queueUrl('deliveries-dlq'),
      MessageBody: '{"not": "a job"',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'unreadable' },
        error: { DataType: 'String', StringValue: 'unreadable delivery job: Unexpected end of JSON input' },
      },
    });
  });
});
