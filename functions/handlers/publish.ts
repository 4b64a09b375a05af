/**
 * PublishFunction: consumes the FIFO PublishQueue (docs/ARCHITECTURE.md, "AWS flow"). Its messages are EventBridge
 * "Object Created/Deleted" events for the content bucket, the scheduled reconcile and continuations this function
 * sent itself. One publish covers the whole batch: the keys the events name, or a full reconcile when any message
 * asks for one. The run's deadline comes from the invocation's remaining time; a run that does not fit is
 * checkpointed in the state bucket, and a continuation message brings the next invocation to carry it on.
 *
 * Logs are Powertools JSON lines with the request id (`function_request_id`): one summary per call, and one line
 * per event handed out (`eventId`, the webhook-id the DeliveryFunction logs for each attempt of it), so a run can be
 * followed to the deliveries it caused. Metrics are EMF documents (telemetry.ts), published once per invocation.
 *
 * Cold start: module scope makes only the S3 client. The SQS client is made when a run first hands jobs out or
 * continues itself, and the normalizer and renderers load when a run first needs them (pipeline/publish/engines.ts),
 * so an invocation with nothing to publish pays for little more than the S3 client (bench case 6).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createS3Client, S3Store } from '../adapters/s3-store.ts';
import type { SqsPublishQueue } from '../adapters/sqs-publish-queue.ts';
import type { SqsQueue } from '../adapters/sqs-queue.ts';
import type { DeliveryQueue } from '../core/delivery.ts';
import { WriterBusyError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { changesOf, invocationDeadline, type PublishTrigger, parsePublishMessage } from '../core/publish-messages.ts';
import { type PublishPorts, publish } from '../pipeline/publish.ts';
import { loadPublishConfig } from './config.ts';
import { describeError } from './log.ts';
import { failedPublishDataPoints, publishDataPoints } from './publish-metrics.ts';
import { createTelemetry, recordMetrics } from './telemetry.ts';

const { logger, metrics } = createTelemetry(process.env, 'wirefeed-publish');
const config = loadPublishConfig(process.env);
const s3 = createS3Client(process.env);

let queues: Promise<{ readonly delivery: SqsQueue; readonly publish: SqsPublishQueue }> | undefined;
/** The DeliveryQueue and the PublishQueue, made on first use with one SQS client. */
function sqsQueues(): Promise<{ readonly delivery: SqsQueue; readonly publish: SqsPublishQueue }> {
  queues ??= Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../adapters/sqs-queue.ts'),
    import('../adapters/sqs-publish-queue.ts'),
  ]).then(([{ SQSClient }, { SqsQueue }, { SqsPublishQueue }]) => {
    const client = new SQSClient({});
    return {
      delivery: new SqsQueue({ client, queueUrl: config.deliveryQueueUrl }),
      publish: new SqsPublishQueue({ client, queueUrl: config.publishQueueUrl }),
    };
  });
  return queues;
}
const deliveryQueue: DeliveryQueue = { enqueue: async (jobs) => (await sqsQueues()).delivery.enqueue(jobs) };

const ports: PublishPorts = {
  content: new S3Store({ client: s3, bucket: config.contentBucket }),
  output: new S3Store({ client: s3, bucket: config.siteBucket }),
  state: new S3Store({ client: s3, bucket: config.stateBucket }),
  queue: deliveryQueue,
  clock: systemClock,
};

/** What the log says of a batch's messages: how many of each kind, and the first changed keys. */
function describeTriggers(triggers: readonly PublishTrigger[]): Record<string, unknown> {
  const count = (kind: PublishTrigger['kind']) => triggers.filter((trigger) => trigger.kind === kind).length;
  return {
    records: triggers.length,
    changes: triggers.flatMap((t) => (t.kind === 'change' ? [{ type: t.type, key: t.key }] : [])).slice(0, 20),
    reconciles: count('reconcile'),
    continuations: count('continue'),
    unrecognized: count('unrecognized'),
  };
}

export async function handler(event: SQSEvent, context?: Partial<Context>): Promise<SQSBatchResponse> {
  if (context !== undefined) logger.addContext(context as Context);
  try {
    return await publishBatch(event, context);
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function publishBatch(event: SQSEvent, context: Partial<Context> | undefined): Promise<SQSBatchResponse> {
  const started = Date.now();
  const triggers = event.Records.map((record) => parsePublishMessage(record.body));
  const changed = changesOf(triggers);
  const deadline = invocationDeadline(started, context?.getRemainingTimeInMillis?.());
  const trigger = { ...describeTriggers(triggers), reconcile: changed === undefined };
  try {
    const result = await publish(ports, {
      siteUrl: config.siteUrl,
      ...(config.hubUrl === undefined ? {} : { hubUrl: config.hubUrl }),
      ...(changed === undefined ? {} : { changed }),
      ...(deadline === undefined ? {} : { deadline }),
    });
    // Sent before the batch is acknowledged: if it fails, the batch comes back and its retry carries the run on.
    if (result.status === 'incomplete') await (await sqsQueues()).publish.continueRun(result.run);
    const durationMs = Date.now() - started;
    logger.info(result.status === 'complete' ? 'published' : 'checkpointed, continuing', {
      ...trigger,
      status: result.status,
      run: result.run,
      articles: result.articles,
      written: result.written.length,
      unchanged: result.unchanged,
      deleted: result.deleted.length,
      events: result.events.length,
      rejected: result.rejected,
      problems: result.problems,
      warnings: result.warnings,
      durationMs,
    });
    for (const handed of result.events) {
      logger.info('event handed out', {
        eventId: handed.id,
        eventType: handed.type,
        ...('id' in handed.data ? { articleId: handed.data.id } : {}),
      });
    }
    recordMetrics(metrics, publishDataPoints(result, durationMs));
    return { batchItemFailures: [] };
  } catch (error) {
    // Every record goes back: the FIFO group stays blocked until a run succeeds or the redrive moves them aside.
    const busy = error instanceof WriterBusyError;
    const durationMs = Date.now() - started;
    const fields = { ...trigger, ...describeError(error), durationMs };
    if (busy) logger.warn('publish waits: another run holds the state', fields);
    else logger.error('publish failed', fields);
    recordMetrics(metrics, failedPublishDataPoints(durationMs));
    return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
  }
}
