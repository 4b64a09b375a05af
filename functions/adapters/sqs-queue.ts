/**
 * The delivery ports over Amazon SQS. `SqsQueue` (the DeliveryQueue): each job is one message whose body is the
 * job's JSON, sent in batches of up to 10 and delayed until the job's `notBefore` (SQS allows at most 15 minutes; a
 * later job is attempted when those are up). SQS standard queues do not deduplicate, so a job enqueued twice may be
 * delivered twice — with the same `webhook-id`, which is what receivers deduplicate on. `SqsMessageLedger` (the
 * JobLedger of one received message): SQS is the retry timer and the DeliveryDLQ holds the dead letters.
 */
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterReason, DeliveryJob, DeliveryQueue, JobLedger } from '../core/delivery.ts';
import { QueueError } from '../core/errors.ts';
import { type Clock, systemClock } from '../core/ports.ts';

/** SendMessageBatch's limits: entries per call, and total payload per call. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/** SQS's longest DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;
const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_BACKOFF_MS = 200;

export interface SqsQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly clock?: Clock;
  /** Tries per entry that SQS reports as failed, before giving up with a QueueError (default 4). */
  readonly maxAttempts?: number;
  /** First wait before re-sending failed entries; doubles each time (default 200 ms). */
  readonly backoffMs?: number;
}

export class SqsQueue implements DeliveryQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #clock: Clock;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;

  constructor(options: SqsQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#clock = options.clock ?? systemClock;
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  }

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    const now = this.#clock.now().getTime();
    const entries = jobs.map((job, index) => toEntry(job, index, now));
    for (const batch of splitIntoBatches(entries)) await this.#sendBatch(batch);
  }

  /** Sends one batch, re-sending only the entries SQS reports as failed, with exponential backoff. */
  async #sendBatch(batch: readonly SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let failed: {
        Id?: string | undefined;
        SenderFault?: boolean | undefined;
        Code?: string | undefined;
        Message?: string | undefined;
      }[];
      try {
        const output = await this.#client.send(
          new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: [...pending] }),
        );
        failed = output.Failed ?? [];
      } catch (error) {
        // The SDK already retried throttling, 5xx and network errors; what reaches here is persistent.
        throw new QueueError('SendMessageBatch', this.#queueUrl, describe(error), {
          cause: error,
          retryable: isRetryableSdkError(error),
        });
      }
      if (failed.length === 0) return;
      const permanent = failed.find((entry) => entry.SenderFault === true);
      if (permanent !== undefined || attempt >= this.#maxAttempts) {
        const entry = permanent ?? failed[0];
        throw new QueueError(
          'SendMessageBatch',
          this.#queueUrl,
          `${failed.length} of ${pending.length} messages not sent (${entry?.Code ?? 'unknown'}: ${entry?.Message ?? 'no message'})`,
          { retryable: permanent === undefined },
        );
      }
      const failedIds = new Set(failed.map((entry) => entry.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await sleep(this.#backoffMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * SQS caps a message's visibility at 12 hours from its receipt; the 5-minute margin covers the time between the
 * poller's receive and the change, so the longest scheduled delay is never rejected.
 */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60 - 5 * 60;
/** SQS's limit on one message attribute value we write (the error text is cut to it). */
const MAX_ATTRIBUTE_CHARS = 1024;

export interface SqsLedgerOptions {
  readonly client: SQSClient;
  /** The DeliveryQueue the messages were received from. */
  readonly queueUrl: string;
  /** The DeliveryDLQ. */
  readonly deadLetterQueueUrl: string;
  readonly clock?: Clock;
}

/**
 * The JobLedger of one message received from the DeliveryQueue. `complete` acknowledges it; `retryAt` hides it until
 * then (ChangeMessageVisibility) and hands it back, so SQS delivers it again when the delay is over and its receive
 * count is the attempt number; `deadLetter` sends the DeadLetter to the DeliveryDLQ, with its reason and error as
 * message attributes, and only then acknowledges it. Acknowledging is up to the caller: `handBack` says whether the
 * message must be reported in `batchItemFailures`.
 */
export class SqsMessageLedger implements JobLedger {
  /** True while SQS must hand the message back (the handler reports it as a batch item failure). */
  handBack = true;
  readonly #options: SqsLedgerOptions;
  readonly #receiptHandle: string;

  constructor(options: SqsLedgerOptions, receiptHandle: string) {
    this.#options = options;
    this.#receiptHandle = receiptHandle;
  }

  async complete(_job: DeliveryJob): Promise<void> {
    this.handBack = false;
  }

  /** @throws QueueError when the visibility cannot be changed (the message then comes back after the queue's timeout). */
  async retryAt(_job: DeliveryJob, at: Date): Promise<void> {
    this.handBack = true;
    const now = (this.#options.clock ?? systemClock).now().getTime();
    const seconds = Math.min(Math.max(Math.ceil((at.getTime() - now) / 1000), 0), MAX_VISIBILITY_SECONDS);
    const { client, queueUrl } = this.#options;
    const command = new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: this.#receiptHandle,
      VisibilityTimeout: seconds,
    });
    await call('ChangeMessageVisibility', queueUrl, () => client.send(command));
  }

  /** @throws QueueError when the DeliveryDLQ does not take it; the message then stays, so nothing is lost. */
  async deadLetter(letter: DeadLetter): Promise<void> {
    this.handBack = true;
    await sendToDeadLetters(this.#options, JSON.stringify(letter), letter.reason, letter.job.lastError ?? '');
    this.handBack = false;
  }
}

/**
 * Moves a received body that is not a delivery job to the DeliveryDLQ as it came (so it can be inspected or
 * redriven), with reason `unreadable` and the parse error as attributes.
 */
export function deadLetterUnreadable(options: SqsLedgerOptions, body: string, error: string): Promise<void> {
  return sendToDeadLetters(options, body, 'unreadable', error);
}

async function sendToDeadLetters(
  options: SqsLedgerOptions,
  body: string,
  reason: DeadLetterReason,
  error: string,
): Promise<void> {
  const queueUrl = options.deadLetterQueueUrl;
  const attributes = {
    reason: { DataType: 'String', StringValue: reason },
    ...(error === '' ? {} : { error: { DataType: 'String', StringValue: error.slice(0, MAX_ATTRIBUTE_CHARS) } }),
  };
  const command = new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes });
  await call('SendMessage', queueUrl, () => options.client.send(command));
}

/** Runs one SQS call; what the SDK could not retry away becomes a QueueError naming the call and the queue. */
async function call(operation: string, queueUrl: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    throw new QueueError(operation, queueUrl, describe(error), { cause: error, retryable: isRetryableSdkError(error) });
  }
}

/** Seconds from `now` until the job's `notBefore`, rounded up and clamped to what SQS allows. */
export function delaySecondsFor(job: DeliveryJob, now: number): number {
  const notBefore = Date.parse(job.notBefore);
  if (Number.isNaN(notBefore)) return 0;
  return Math.min(Math.max(Math.ceil((notBefore - now) / 1000), 0), MAX_DELAY_SECONDS);
}

function toEntry(job: DeliveryJob, index: number, now: number): SendMessageBatchRequestEntry {
  return { Id: `job-${index}`, MessageBody: JSON.stringify(job), DelaySeconds: delaySecondsFor(job, now) };
}

/** Groups entries into SendMessageBatch calls that respect both the entry count and the payload size limits. */
export function splitIntoBatches(entries: readonly SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && currentBytes + bytes > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

function isRetryableSdkError(error: unknown): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | null) ?? {};
  const status = meta.$metadata?.httpStatusCode;
  return meta.$retryable !== undefined || status === undefined || status >= 500 || status === 429;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
