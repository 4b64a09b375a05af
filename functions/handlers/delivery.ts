/**
 * DeliveryFunction: one webhook attempt per DeliveryQueue message. SQS is the retry timer: a failed attempt
 * hides its message for the schedule's next delay (ChangeMessageVisibility) and reports it in
 * `batchItemFailures`, so SQS hands it back when the delay is over; the receive count is the attempt number.
 *
 * A job whose schedule is exhausted (or whose subscriber is disabled) is sent to the DeliveryDLQ by this handler,
 * with its last status and error in the body, and then acknowledged — rather than left for the redrive policy,
 * which would dead-letter the original body with no reason attached. The redrive (one receive more than the
 * schedule allows) stays as the backstop for messages this handler never finished, e.g. after a crash.
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHttpSender } from '../adapters/http-sender.ts';
import { createS3Client, S3Store } from '../adapters/s3-store.ts';
import type { DeliveryJob } from '../core/delivery.ts';
import { systemClock } from '../core/ports.ts';
import { DEFAULT_SCHEDULE_MS } from '../core/retry-schedule.ts';
import { USER_AGENT } from '../core/version.ts';
import { attemptDelivery, type DeliveryDeps, type DeliveryOutcome } from '../pipeline/deliver.ts';
import { SubscriberRepository } from '../pipeline/subscribers.ts';
import { loadDeliveryConfig } from './config.ts';
import { describeError, logJson } from './log.ts';

/**
 * SQS caps a message's visibility at 12 hours from its receipt; the 5-minute margin covers the time between the
 * poller's receive and this call, so the longest scheduled delay is never rejected.
 */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60 - 5 * 60;

const config = loadDeliveryConfig(process.env);
const sqs = new SQSClient({});
const deps: DeliveryDeps = {
  subscribers: new SubscriberRepository(
    new S3Store({ client: createS3Client(process.env), bucket: config.stateBucket }),
  ),
  sender: createHttpSender({ allowPrivateTargets: config.allowPrivateTargets, userAgent: USER_AGENT }),
  clock: systemClock,
  schedule: DEFAULT_SCHEDULE_MS,
  userAgent: USER_AGENT,
};

/** A dead letter: the job as it was last attempted, with why it was given up. */
export interface DeadLetter {
  readonly job: DeliveryJob;
  readonly deadAt: string;
  readonly reason: string;
}

export async function handler(event: SQSEvent, context?: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> {
  const failures = await Promise.all(event.Records.map((record) => processRecord(record, context?.awsRequestId)));
  return { batchItemFailures: failures.filter((failure) => failure !== null) };
}

/** Returns the record's batch item failure when SQS must hand it back later, or null when it is done with. */
async function processRecord(record: SQSRecord, requestId: string | undefined): Promise<SQSBatchItemFailure | null> {
  const failure = { itemIdentifier: record.messageId };
  const attemptsMade = Math.max(Number.parseInt(record.attributes.ApproximateReceiveCount, 10) - 1, 0);
  let job: DeliveryJob;
  try {
    job = { ...parseJob(record.body), attempts: attemptsMade };
  } catch (error) {
    // Retrying cannot make a malformed body readable: dead-letter it as it came, with the parse error.
    const moved = await moveToDeadLetters(record.body, `unreadable delivery job: ${describeError(error).error}`);
    logJson('ERROR', 'unreadable delivery job', { requestId, messageId: record.messageId, ...describeError(error) });
    return moved ? null : failure;
  }

  let outcome: DeliveryOutcome;
  try {
    outcome = await attemptDelivery(job, deps);
  } catch (error) {
    // The attempt itself could not run (e.g. the state bucket was unreachable): SQS retries after its timeout.
    logJson('ERROR', 'delivery attempt failed to run', { requestId, ...jobFields(job), ...describeError(error) });
    return failure;
  }
  logJson(outcome.kind === 'delivered' ? 'INFO' : 'WARN', `delivery ${outcome.kind}`, {
    requestId,
    ...jobFields(job),
    attempt: job.attempts + 1,
    ...outcome,
  });

  switch (outcome.kind) {
    case 'delivered':
      return null;
    case 'retry':
      await hideUntilRetry(record, job, outcome.delayMs, requestId);
      return failure;
    case 'dead': {
      const reason = outcome.status === null ? outcome.error : `HTTP ${outcome.status}: ${outcome.error}`;
      const deadJob: DeliveryJob = {
        ...job,
        attempts: job.attempts + 1,
        lastStatus: outcome.status,
        lastError: outcome.error,
      };
      return (await moveToDeadLetters(deadLetterBody(deadJob, reason), reason)) ? null : failure;
    }
    case 'dropped':
      // A removed subscriber wants nothing; a disabled one may be re-enabled, so its jobs stay replayable.
      if (outcome.reason === 'subscriber removed') return null;
      return (await moveToDeadLetters(deadLetterBody(job, outcome.reason), outcome.reason)) ? null : failure;
  }
}

function parseJob(body: string): DeliveryJob {
  const value = JSON.parse(body) as Partial<DeliveryJob> | null;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof value.id !== 'string' ||
    typeof value.subscriberId !== 'string' ||
    typeof value.event !== 'object' ||
    value.event === null ||
    typeof value.event.id !== 'string'
  ) {
    throw new TypeError('not a DeliveryJob: id, subscriberId and event.id are required');
  }
  return value as DeliveryJob;
}

function jobFields(job: DeliveryJob): Record<string, unknown> {
  return { jobId: job.id, eventId: job.event.id, eventType: job.event.type, subscriberId: job.subscriberId };
}

function deadLetterBody(job: DeliveryJob, reason: string): string {
  const letter: DeadLetter = { job, deadAt: systemClock.now().toISOString(), reason };
  return JSON.stringify(letter);
}

async function hideUntilRetry(record: SQSRecord, job: DeliveryJob, delayMs: number, requestId?: string): Promise<void> {
  const seconds = Math.min(Math.max(Math.ceil(delayMs / 1000), 0), MAX_VISIBILITY_SECONDS);
  try {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: config.deliveryQueueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  } catch (error) {
    // The message still comes back, after the queue's visibility timeout instead of the scheduled delay.
    logJson('WARN', 'could not reschedule delivery', { requestId, ...jobFields(job), ...describeError(error) });
  }
}

/** True once the dead letter is stored; false means the record must stay on the queue so nothing is lost. */
async function moveToDeadLetters(body: string, reason: string): Promise<boolean> {
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.deliveryDeadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1024) } },
      }),
    );
    return true;
  } catch (error) {
    logJson('ERROR', 'could not dead-letter delivery job', { reason, ...describeError(error) });
    return false;
  }
}
