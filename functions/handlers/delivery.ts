/**
 * DeliveryFunction: one attempt per DeliveryQueue message (a webhook, or a WebSub ping, verification, denial or
 * distribution), settled through the message's JobLedger
 * (`SqsMessageLedger`). SQS is the retry timer: a failed attempt hides its message for the schedule's next delay and
 * reports it in `batchItemFailures`, so SQS hands it back when the delay is over; the receive count is the attempt
 * number.
 *
 * A job that is given up (schedule exhausted, target refused, subscriber disabled) is sent to the DeliveryDLQ by this
 * handler as a DeadLetter, with its reason and last error, and then acknowledged — rather than left for the redrive
 * policy, which would dead-letter the original body with no reason attached. The redrive (one receive more than the
 * schedule allows) stays as the backstop for messages this handler never finished, e.g. after a crash.
 *
 * Logs are Powertools JSON lines carrying the request id (`function_request_id`) and, per attempt, the job id and
 * the event id (the webhook-id, and the id the publish run that caused it logged); metrics are EMF documents
 * (telemetry.ts), published once per invocation.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHttpSender } from '../adapters/http-sender.ts';
import { createS3Client, S3Store } from '../adapters/s3-store.ts';
import { deadLetterUnreadable, type SqsLedgerOptions, SqsMessageLedger, SqsQueue } from '../adapters/sqs-queue.ts';
import { asDeliveryJob, type DeliveryJob, jobSummary } from '../core/delivery.ts';
import { deliverJob, deliveryDeps } from '../pipeline/deliver.ts';
import { loadDeliveryConfig } from './config.ts';
import { deliveryDataPoints } from './delivery-metrics.ts';
import { describeError } from './log.ts';
import { DEAD_REASON, DELIVERY_METRICS } from './metric-names.ts';
import { createTelemetry, recordMetrics } from './telemetry.ts';

const { logger, metrics } = createTelemetry(process.env, 'wirefeed-delivery');
const config = loadDeliveryConfig(process.env);
const sqs = new SQSClient({});
const queues: SqsLedgerOptions = {
  client: sqs,
  queueUrl: config.deliveryQueueUrl,
  deadLetterQueueUrl: config.deliveryDeadLetterQueueUrl,
};
const s3 = createS3Client(process.env);
const deps = deliveryDeps(
  new S3Store({ client: s3, bucket: config.stateBucket }),
  createHttpSender({ allowPrivateTargets: config.allowPrivateTargets }),
  {
    // WebSub distributions send the topic as the site bucket holds it when the attempt is made.
    ...(config.siteBucket === undefined ? {} : { output: new S3Store({ client: s3, bucket: config.siteBucket }) }),
    disableAfterMs: config.disableAfterMs,
    // endpoint.disabled for the operator subscribers goes through the same queue as every delivery.
    notify: new SqsQueue({ client: sqs, queueUrl: config.deliveryQueueUrl }),
    onHealthNote: (note) =>
      note.kind === 'disabled'
        ? logger.warn('subscriber disabled', {
            subscriberId: note.subscriber.id,
            reason: note.subscriber.disabledReason,
            failingSince: note.health.failingSince,
            consecutiveFailures: note.health.consecutiveFailures,
            operatorsNotified: note.notified,
          })
        : logger.error('subscriber health not recorded', {
            subscriberId: note.subscriberId,
            ...describeError(note.error),
          }),
  },
);

export async function handler(event: SQSEvent, context?: Partial<Context>): Promise<SQSBatchResponse> {
  if (context !== undefined) logger.addContext(context as Context);
  try {
    const failures = await Promise.all(event.Records.map((message) => processRecord(message)));
    return { batchItemFailures: failures.filter((failure) => failure !== null) };
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** Returns the record's batch item failure when SQS must hand it back later, or null when it is done with. */
async function processRecord(record: SQSRecord): Promise<SQSBatchItemFailure | null> {
  const failure = { itemIdentifier: record.messageId };
  const attemptsMade = Math.max(Number.parseInt(record.attributes.ApproximateReceiveCount, 10) - 1, 0);
  let job: DeliveryJob;
  try {
    job = { ...parseJob(record.body), attempts: attemptsMade };
  } catch (error) {
    // Retrying cannot make a malformed body readable: dead-letter it as it came, with the parse error.
    const reason = `unreadable delivery job: ${describeError(error).error}`;
    logger.error('unreadable delivery job', { messageId: record.messageId, ...describeError(error) });
    const moved = await settled(() => deadLetterUnreadable(queues, record.body, reason), {
      messageId: record.messageId,
    });
    if (moved)
      recordMetrics(metrics, [{ metric: DELIVERY_METRICS.deliveriesDead, value: 1, reason: DEAD_REASON.permanent }]);
    return moved ? null : failure;
  }

  const ledger = new SqsMessageLedger(queues, record.receiptHandle);
  const fields = { ...jobFields(job), attempt: job.attempts + 1 };
  const done = await settled(async () => {
    const settledAttempt = await deliverJob(job, deps, ledger, async ({ outcome }) => {
      const level = outcome.kind === 'delivered' ? 'info' : 'warn';
      logger[level](`delivery ${outcome.kind}`, { ...fields, ...outcome });
    });
    recordMetrics(metrics, deliveryDataPoints(job, settledAttempt, deps.clock.now()));
  }, fields);
  return done && !ledger.handBack ? null : failure;
}

/**
 * Runs an attempt or a dead-lettering; false when it threw (the state bucket or a queue was unreachable, say), which
 * leaves the message for SQS to hand back after its timeout.
 */
async function settled(work: () => Promise<unknown>, fields: Record<string, unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    logger.error('delivery not settled', { ...fields, ...describeError(error) });
    return false;
  }
}

/**
 * The job a message holds: a job as queued, or a DeadLetter moved back from the DeliveryDLQ as it was (the SQS
 * console's "redrive" does that), whose job is taken out of it.
 */
function parseJob(body: string): DeliveryJob {
  const parsed = JSON.parse(body) as { job?: unknown } | null;
  const value = parsed !== null && typeof parsed === 'object' && typeof parsed.job === 'object' ? parsed.job : parsed;
  return asDeliveryJob(value);
}

function jobFields(job: DeliveryJob): Record<string, unknown> {
  const { party, type, ref } = jobSummary(job);
  return { jobId: job.id, eventId: ref, eventType: type, subscriberId: party };
}
