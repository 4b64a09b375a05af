/**
 * `wirefeed deliveries dead|replay|pending --queue` and `subscribers enable --replay --queue` against the DeliveryDLQ,
 * through the local SQS stand-in: dead letters written the way the DeliveryFunction writes them (and the way SQS's
 * own redrive leaves them), read without losing any, replayed to the DeliveryQueue with their webhook-ids.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { deadLetterUnreadable, SqsMessageLedger } from '../../functions/adapters/sqs-queue.ts';
import type { DeadLetter, DeliveryJob, WebhookJob } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type CliRun, runCli } from '../helpers/cli.ts';
import { type FakeSqs, startFakeSqsWithClient, stopFakeSqsWithClient } from './fake-sqs.ts';

const QUEUE = 'Wirefeed-DeliveryQueue';
const DLQ = 'Wirefeed-DeliveryDLQ';

let sqs: FakeSqs;
let client: SQSClient;
let dir: string;

beforeAll(async () => {
  ({ sqs, client } = await startFakeSqsWithClient());
});
afterAll(() => stopFakeSqsWithClient({ sqs, client }));
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-dlq-'));
  // Fresh queues per test: names unique to it.
  queueName = `${QUEUE}-${++run}`;
  dlqName = `${DLQ}-${run}`;
  sqs.createQueue(dlqName);
  sqs.createQueue(queueName, { deadLetterQueue: dlqName });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let run = 0;
let queueName = QUEUE;
let dlqName = DLQ;

function event(n: number): WebhookEvent {
  return {
    id: `evt_dlq_${n}`,
    type: 'feed.updated',
    timestamp: '2026-03-01T00:00:00.000Z',
    data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [`a${n}`], updated: [], deleted: [] },
  };
}

function job(n: number, subscriberId: string): DeliveryJob {
  return { ...(fanOut([event(n)], [subscriberOf(subscriberId)], new Date(0))[0] as DeliveryJob) };
}

function subscriberOf(id: string) {
  return {
    id,
    url: 'https://hooks.example.com/',
    events: [],
    secrets: [{ secret: 'whsec_AAAA' }],
    status: 'active',
    created: '2026-01-01T00:00:00.000Z',
  } as const;
}

/** Dead-letters `job` exactly as the DeliveryFunction does, through the message ledger. */
async function deadLetter(j: DeliveryJob, deadAt: string): Promise<DeadLetter> {
  const letter: DeadLetter = {
    job: { ...j, attempts: 8, lastStatus: 500, lastError: 'HTTP 500' },
    reason: 'expired',
    deadAt,
  };
  const ledger = new SqsMessageLedger(
    { client, queueUrl: sqs.queueUrl(queueName), deadLetterQueueUrl: sqs.queueUrl(dlqName) },
    'receipt',
  );
  await ledger.deadLetter(letter);
  return letter;
}

async function cli(argv: string[]): Promise<CliRun> {
  return runCli(argv, dir, {
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  });
}

/** Four letters for two subscribers, one bare job SQS redrove itself, one unreadable body. */
async function fillDeadLetters(): Promise<DeadLetter[]> {
  const letters = [
    await deadLetter(job(1, 'sub_a'), '2026-03-01T01:00:00.000Z'),
    await deadLetter(job(2, 'sub_b'), '2026-03-01T02:00:00.000Z'),
    await deadLetter(job(3, 'sub_a'), '2026-03-02T03:00:00.000Z'),
  ];
  await client.send(
    new SendMessageCommand({ QueueUrl: sqs.queueUrl(dlqName), MessageBody: JSON.stringify(job(4, 'sub_a')) }),
  );
  await deadLetterUnreadable(
    { client, queueUrl: sqs.queueUrl(queueName), deadLetterQueueUrl: sqs.queueUrl(dlqName) },
    'not json {',
    'unreadable delivery job: Unexpected token',
  );
  return letters;
}

const visibleNow = (name: string) => sqs.messages(name).filter((m) => m.visibleAt <= Date.now());

describe('deliveries dead --queue', () => {
  it('lists every dead letter with its reason, and leaves every message in the DLQ, visible', async () => {
    await fillDeadLetters();
    const listed = await cli(['deliveries', 'dead', '--queue', sqs.queueUrl(queueName)]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.slice(0, 3).map((line) => /evt_dlq_\d/.exec(line)?.[0])).toEqual([
      'evt_dlq_1',
      'evt_dlq_2',
      'evt_dlq_3',
    ]);
    // The bare job counts as given up when SQS moved it (its SentTimestamp in the DLQ): now, so last.
    expect(lines[3]).toMatch(/ sub_a {2}feed\.updated evt_dlq_4 {2}attempts=0 {2}dead=\S+ {2}reason=unfinished/);
    expect(lines[0]).toMatch(/attempts=8 {2}dead=2026-03-01T01:00:00\.000Z {2}reason=expired {2}last=500 HTTP 500$/);
    expect(lines[4]).toMatch(/^unreadable message \S+: unreadable delivery job: Unexpected token: not json \{$/);
    expect(visibleNow(dlqName)).toHaveLength(5);
    expect(sqs.messages(queueName)).toHaveLength(0);
  });

  it('finds the queue from the DLQ URL too, and selects by subscriber and time', async () => {
    await fillDeadLetters();
    const listed = await cli([
      'deliveries',
      'dead',
      '--queue',
      sqs.queueUrl(dlqName),
      '--subscriber',
      'sub_a',
      '--since',
      '2026-03-01T12:00Z',
      '--json',
    ]);
    expect((JSON.parse(listed.stdout) as DeadLetter[]).map((letter) => (letter.job as WebhookJob).event.id)).toEqual([
      'evt_dlq_3',
      'evt_dlq_4',
    ]);
    expect(visibleNow(dlqName)).toHaveLength(5);
  });

  it('names a URL that is neither queue', async () => {
    sqs.createQueue(`Lonely-${run}`);
    const result = await cli(['deliveries', 'dead', '--queue', sqs.queueUrl(`Lonely-${run}`)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `wirefeed: --queue ${sqs.queueUrl(`Lonely-${run}`)}: neither a queue with a dead-letter queue nor the dead-letter queue of one (pass the DeliveryQueue URL)\n`,
    );
  });
});

describe('deliveries replay --queue', () => {
  it('sends the chosen jobs to the DeliveryQueue with their webhook-ids, then deletes them from the DLQ', async () => {
    await fillDeadLetters();
    // A crash between a send and its delete left evt_dlq_1 twice: it is replayed once, both copies go.
    await deadLetter(job(1, 'sub_a'), '2026-03-01T01:00:00.000Z');
    const replayed = await cli(['deliveries', 'replay', '--queue', sqs.queueUrl(queueName), '--subscriber', 'sub_a']);
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toBe('re-queued 3 deliveries, each with its original webhook-id\n');
    const sent = sqs.messages(queueName).map((m) => JSON.parse(m.body) as WebhookJob);
    expect(sent.map((j) => j.event.id)).toEqual(['evt_dlq_1', 'evt_dlq_3', 'evt_dlq_4']);
    for (const j of sent) {
      expect(j).toMatchObject({ attempts: 0, subscriberId: 'sub_a' });
      expect(j.lastError).toBeUndefined();
    }
    const left = visibleNow(dlqName).map((m) => m.body);
    expect(left).toHaveLength(2);
    expect(left.some((body) => body.includes('evt_dlq_2'))).toBe(true);
    expect(left).toContain('not json {');
  });

  it('deletes nothing when the DeliveryQueue does not take the jobs, and the letters stay visible', async () => {
    await fillDeadLetters();
    sqs.failNextCalls('SendMessageBatch', 10);
    const result = await cli(['deliveries', 'replay', '--queue', sqs.queueUrl(queueName)]);
    sqs.failNextCalls('SendMessageBatch', 0);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^wirefeed: SendMessageBatch ${sqs.queueUrl(queueName)}.*injected failure`),
    );
    expect(visibleNow(dlqName)).toHaveLength(5);
    expect(sqs.messages(queueName)).toHaveLength(0);
  });

  it('replays named job ids and says which ids it did not find', async () => {
    const [first] = await fillDeadLetters();
    const result = await cli([
      'deliveries',
      'replay',
      '--queue',
      sqs.queueUrl(queueName),
      first?.job.id ?? '',
      'job_gone',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('re-queued 1 delivery, each with its original webhook-id\n');
    expect(result.stderr).toBe(`wirefeed: no dead letter job_gone in ${sqs.queueUrl(dlqName)}\n`);
  });
});

describe('with the DeliveryQueue in AWS', () => {
  it('pending --queue prints the counts SQS keeps', async () => {
    await fillDeadLetters();
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl(queueName), MessageBody: '{}' }));
    await client.send(
      new SendMessageCommand({ QueueUrl: sqs.queueUrl(queueName), MessageBody: '{}', DelaySeconds: 900 }),
    );
    const result = await cli(['deliveries', 'pending', '--queue', sqs.queueUrl(queueName), '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      queue: sqs.queueUrl(queueName),
      due: 1,
      inFlight: 0,
      delayed: 1,
      dead: 5,
    });
  });

  it('subscribers enable --replay --queue replays the subscriber’s dead letters from the DLQ', async () => {
    const subscribers = new SubscriberRepository(new FsStore(dir));
    const subscriber = await subscribers.add('https://hooks.example.com/a', {
      allowPrivateTargets: false,
      now: new Date('2026-03-01T00:00:00.000Z'),
    });
    await subscribers.disable(
      subscriber.id,
      '410 Gone at 2026-03-01T00:30:00.000Z',
      new Date('2026-03-01T00:30:00.000Z'),
    );
    await deadLetter(job(1, subscriber.id), '2026-03-01T01:00:00.000Z');
    await deadLetter(job(2, 'sub_other'), '2026-03-01T01:00:00.000Z');
    const result = await cli([
      'subscribers',
      'enable',
      subscriber.id,
      '--replay',
      '--state',
      dir,
      '--queue',
      sqs.queueUrl(queueName),
    ]);
    expect(result.stdout).toBe(
      `${subscriber.id} is active again (was disabled); re-queued 1 missed delivery (dead letters since 2026-03-01T00:30:00.000Z), each with its original webhook-id\n`,
    );
    expect(sqs.messages(queueName).map((m) => (JSON.parse(m.body) as WebhookJob).event.id)).toEqual(['evt_dlq_1']);
    expect(visibleNow(dlqName)).toHaveLength(1);
  });
});
