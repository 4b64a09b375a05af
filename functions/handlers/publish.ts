/**
 * PublishFunction: consumes the FIFO PublishQueue, whose messages are EventBridge "Object Created/Deleted" events
 * for the content bucket. `publish()` re-reads the whole content store, so one run covers every upload and
 * delete in the batch (and any event that was ever missed); the records only say why the run happened.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createS3Client, S3Store } from '../adapters/s3-store.ts';
import { SqsQueue } from '../adapters/sqs-queue.ts';
import { systemClock } from '../core/ports.ts';
import { type PublishPorts, publish } from '../pipeline/publish.ts';
import { loadPublishConfig } from './config.ts';
import { describeError, logJson } from './log.ts';

const config = loadPublishConfig(process.env);
const s3 = createS3Client(process.env);
const ports: PublishPorts = {
  content: new S3Store({ client: s3, bucket: config.contentBucket }),
  output: new S3Store({ client: s3, bucket: config.siteBucket }),
  state: new S3Store({ client: s3, bucket: config.stateBucket }),
  queue: new SqsQueue({ client: new SQSClient({}), queueUrl: config.deliveryQueueUrl }),
  clock: systemClock,
};

interface ObjectChange {
  readonly type: string;
  readonly key: string;
}

/** The S3 change an EventBridge→SQS record describes, or null for a body of another shape (logged, not fatal). */
export function parseObjectChange(record: SQSRecord): ObjectChange | null {
  try {
    const body = JSON.parse(record.body) as { 'detail-type'?: unknown; detail?: { object?: { key?: unknown } } };
    const key = body.detail?.object?.key;
    const type = body['detail-type'];
    return typeof key === 'string' && typeof type === 'string' ? { type, key } : null;
  } catch {
    return null;
  }
}

export async function handler(event: SQSEvent, context?: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> {
  const started = Date.now();
  const changes = event.Records.map(parseObjectChange);
  const trigger = {
    requestId: context?.awsRequestId,
    records: event.Records.length,
    changes: changes.filter((change) => change !== null).slice(0, 20),
    unrecognized: changes.filter((change) => change === null).length,
  };
  try {
    const result = await publish(ports, { siteUrl: config.siteUrl });
    logJson('INFO', 'published', {
      ...trigger,
      articles: result.articles,
      written: result.written.length,
      unchanged: result.unchanged,
      deleted: result.deleted.length,
      events: result.events.length,
      rejected: result.rejected,
      durationMs: Date.now() - started,
    });
    return { batchItemFailures: [] };
  } catch (error) {
    // Every record goes back: the FIFO group stays blocked until a run succeeds or the redrive moves them aside.
    logJson('ERROR', 'publish failed', { ...trigger, ...describeError(error), durationMs: Date.now() - started });
    return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
  }
}
