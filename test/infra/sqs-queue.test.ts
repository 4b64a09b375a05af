import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_DELAY_SECONDS, SqsQueue } from '../../functions/adapters/sqs-queue.ts';
import type { DeliveryJob } from '../../functions/core/delivery.ts';
import { QueueError } from '../../functions/core/errors.ts';
import { type FakeSqs, startFakeSqsWithClient, stopFakeSqsWithClient } from './fake-sqs.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
let sqs: FakeSqs;
let client: SQSClient;

beforeAll(async () => {
  ({ sqs, client } = await startFakeSqsWithClient());
});
afterAll(() => stopFakeSqsWithClient({ sqs, client }));
beforeEach(() => {
  sqs.calls.length = 0;
});

function job(index: number, notBefore = NOW.toISOString()): DeliveryJob {
  return {
    id: `job-${index}`,
    subscriberId: 'sub_test',
    event: {
      id: `evt-${index}`,
      type: 'feed.updated',
      timestamp: NOW.toISOString(),
      data: { feeds: { rss: 'r', atom: 'a', json: 'j', home: 'h' }, published: [], updated: [], deleted: [] },
    },
    attempts: 0,
    notBefore,
  };
}

function queue(options: { maxAttempts?: number } = {}): SqsQueue {
  return new SqsQueue({
    client,
    queueUrl: sqs.queueUrl('deliveries'),
    clock: { now: () => NOW },
    backoffMs: 1,
    ...options,
  });
}

describe('SqsQueue', () => {
  it('sends 23 jobs as SendMessageBatch calls of 10, 10 and 3, each body the job as JSON', async () => {
    const jobs = Array.from({ length: 23 }, (_, i) => job(i));
    await queue().enqueue(jobs);
    const batches = sqs.callsOf('SendMessageBatch');
    expect(batches.map((call) => (call.input.Entries as unknown[]).length)).toEqual([10, 10, 3]);
    const bodies = batches.flatMap((call) =>
      (call.input.Entries as { MessageBody: string }[]).map((entry) => JSON.parse(entry.MessageBody)),
    );
    expect(bodies).toEqual(jobs);
    expect(batches[0]?.input.QueueUrl).toBe(sqs.queueUrl('deliveries'));
  });

  it('delays each message until its notBefore, at most the 15 minutes SQS allows', async () => {
    const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
    await queue().enqueue([job(0, later(-30)), job(1, later(4.2)), job(2, later(3600))]);
    const entries = sqs.callsOf('SendMessageBatch')[0]?.input.Entries as { DelaySeconds: number }[];
    expect(entries.map((entry) => entry.DelaySeconds)).toEqual([0, 5, MAX_DELAY_SECONDS]);
  });

  it('re-sends only the entries SQS reported as failed', async () => {
    sqs.failNextEntries(2);
    await queue().enqueue([job(0), job(1), job(2)]);
    const batches = sqs.callsOf('SendMessageBatch');
    expect(batches).toHaveLength(2);
    const resent = ((batches[1]?.input.Entries ?? []) as { MessageBody: string }[]).map(
      (entry) => (JSON.parse(entry.MessageBody) as DeliveryJob).id,
    );
    expect(resent).toEqual(['job-0', 'job-1']);
  });

  it('gives up with a retryable QueueError naming the queue when entries keep failing', async () => {
    sqs.failNextEntries(100);
    const error = await queue({ maxAttempts: 3 })
      .enqueue([job(0)])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).retryable).toBe(true);
    expect((error as QueueError).message).toContain(sqs.queueUrl('deliveries'));
    expect(sqs.callsOf('SendMessageBatch')).toHaveLength(3);
    sqs.failNextEntries(0);
  });

  it('sends nothing for no jobs', async () => {
    await queue().enqueue([]);
    expect(sqs.calls).toEqual([]);
  });
});
