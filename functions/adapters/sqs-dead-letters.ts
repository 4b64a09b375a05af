/**
 * The DeliveryDLQ as a DeadLetterBox, for `wirefeed deliveries dead|replay --queue` in AWS. SQS can only show a
 * message by receiving it, so listing receives every message with a visibility timeout (hidden from other readers
 * meanwhile, never deleted) and then makes them visible again at once; replaying sends each chosen job to the
 * DeliveryQueue and only then deletes its message from the DLQ. A crash anywhere leaves every message in the DLQ
 * (visible again when the timeout ends), or, between the send and the delete, a duplicate — never a loss.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  asDeliveryJob,
  type DeadLetter,
  type DeadLetterBox,
  type DeadLetterSelection,
  type DeliveryJob,
  selectsDeadLetter,
  type UnreadableLetter,
} from '../core/delivery.ts';
import { ConfigError, QueueError } from '../core/errors.ts';
import { SqsQueue } from './sqs-queue.ts';

/** How long received messages stay hidden while a listing or replay runs; they are released sooner when it ends. */
export const RECEIVE_VISIBILITY_SECONDS = 120;
const BATCH = 10;
const SNIPPET_CHARS = 200;

export interface SqsDeadLettersOptions {
  readonly client: SQSClient;
  readonly deadLetterQueueUrl: string;
  /** The DeliveryQueue replayed jobs are sent to. */
  readonly queueUrl: string;
  /** Long-poll wait of each receive, in seconds (default 1: long polling asks every SQS server, so none is missed). */
  readonly waitSeconds?: number;
}

interface Received {
  readonly message: Message;
  readonly letter: DeadLetter | null;
  readonly unreadable: UnreadableLetter | null;
}

export class SqsDeadLetters implements DeadLetterBox {
  readonly #options: SqsDeadLettersOptions;
  readonly #queue: SqsQueue;

  constructor(options: SqsDeadLettersOptions) {
    this.#options = options;
    this.#queue = new SqsQueue({ client: options.client, queueUrl: options.queueUrl });
  }

  get location(): string {
    return this.#options.deadLetterQueueUrl;
  }

  async list(selection: DeadLetterSelection = {}): Promise<{ letters: DeadLetter[]; unreadable: UnreadableLetter[] }> {
    const received = await this.#receiveAll();
    try {
      return {
        letters: oldestFirst(
          received.flatMap((r) => (r.letter && selectsDeadLetter(selection, r.letter) ? [r.letter] : [])),
        ),
        unreadable: selection.jobIds || selection.subscriberId ? [] : received.flatMap((r) => r.unreadable ?? []),
      };
    } finally {
      await this.#release(received);
    }
  }

  async replay(selection: DeadLetterSelection, now: Date): Promise<DeadLetter[]> {
    const received = await this.#receiveAll();
    const deleted = new Set<Message>();
    try {
      const chosen = received.filter((r) => r.letter !== null && selectsDeadLetter(selection, r.letter));
      // A job held twice (a redrive after a crash, say) is sent once and both copies deleted.
      const copies = new Map<string, Received[]>();
      for (const r of chosen) {
        const id = (r.letter as DeadLetter).job.id;
        copies.set(id, [...(copies.get(id) ?? []), r]);
      }
      const letters = oldestFirst([...copies.values()].map((group) => (group[0] as Received).letter as DeadLetter));
      for (let i = 0; i < letters.length; i += BATCH) {
        const batch = letters.slice(i, i + BATCH);
        await this.#queue.enqueue(batch.map((letter) => freshJob(letter.job, now)));
        const messages = batch.flatMap((letter) => (copies.get(letter.job.id) ?? []).map((r) => r.message));
        await this.#delete(messages);
        for (const message of messages) deleted.add(message);
      }
      return letters;
    } finally {
      await this.#release(received.filter((r) => !deleted.has(r.message)));
    }
  }

  /** Receives until SQS has nothing more to show, each message once (by id) even if its timeout ran out meanwhile. */
  async #receiveAll(): Promise<Received[]> {
    const seen = new Map<string, Received>();
    for (;;) {
      const output = await this.#call('ReceiveMessage', () =>
        this.#options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.deadLetterQueueUrl,
            MaxNumberOfMessages: BATCH,
            VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
            WaitTimeSeconds: this.#options.waitSeconds ?? 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        ),
      );
      const fresh = (output.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) return [...seen.values()];
      for (const message of fresh) seen.set(message.MessageId as string, readMessage(message));
    }
  }

  /** Makes messages visible again now, rather than when their receive timeout ends. */
  async #release(received: readonly Received[]): Promise<void> {
    const messages = received.map((r) => r.message);
    for (let i = 0; i < messages.length; i += BATCH) {
      const entries = messages.slice(i, i + BATCH).map((m, n) => ({
        Id: `m${n}`,
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 0,
      }));
      // Best effort: a message not released becomes visible by itself when its timeout ends.
      await this.#options.client
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#options.deadLetterQueueUrl, Entries: entries }))
        .catch(() => undefined);
    }
  }

  async #delete(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += BATCH) {
      const entries = messages.slice(i, i + BATCH).map((m, n) => ({ Id: `m${n}`, ReceiptHandle: m.ReceiptHandle }));
      const output = await this.#call('DeleteMessageBatch', () =>
        this.#options.client.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.#options.deadLetterQueueUrl, Entries: entries }),
        ),
      );
      const failed = output.Failed ?? [];
      if (failed.length > 0) {
        throw new QueueError(
          'DeleteMessageBatch',
          this.#options.deadLetterQueueUrl,
          `${failed.length} replayed messages not deleted (${failed[0]?.Code}: ${failed[0]?.Message}); they will be listed, and replayed, again`,
          { retryable: true },
        );
      }
    }
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new QueueError(operation, this.#options.deadLetterQueueUrl, reason, { cause: error });
    }
  }
}

/** The job as replay sends it: attempts from zero, due now, its event — and so its webhook-id — unchanged. */
function freshJob(job: DeliveryJob, now: Date): DeliveryJob {
  const { lastStatus: _status, lastError: _error, ...rest } = job;
  return { ...rest, attempts: 0, notBefore: now.toISOString() };
}

function oldestFirst(letters: DeadLetter[]): DeadLetter[] {
  return letters.sort((a, b) => a.deadAt.localeCompare(b.deadAt) || a.job.id.localeCompare(b.job.id));
}

function isJob(value: unknown): value is DeliveryJob {
  try {
    asDeliveryJob(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A DLQ message as a dead letter: the DeadLetter the DeliveryFunction wrote, or a bare job SQS moved there itself
 * after its last receive (`unfinished`); anything else is unreadable.
 */
export function readMessage(message: Message): Received {
  const body = message.Body ?? '';
  const unreadable = (error: string): Received => ({
    message,
    letter: null,
    unreadable: {
      messageId: message.MessageId ?? '',
      error: message.MessageAttributes?.error?.StringValue ?? error,
      body: body.slice(0, SNIPPET_CHARS),
    },
  });
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return unreadable('not JSON');
  }
  const record = value as Partial<DeadLetter> | null;
  if (record !== null && typeof record === 'object' && isJob(record.job) && typeof record.reason === 'string') {
    return { message, letter: record as DeadLetter, unreadable: null };
  }
  if (isJob(value)) {
    const sent = Number(message.Attributes?.SentTimestamp);
    const deadAt = new Date(Number.isFinite(sent) ? sent : 0).toISOString();
    return { message, letter: { job: value, reason: 'unfinished', deadAt }, unreadable: null };
  }
  return unreadable('not a delivery job');
}

/** A DeliveryQueue and its DLQ, found from either URL. */
export interface DeliveryQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/**
 * Finds the DeliveryQueue and its DLQ from either one's URL: a queue with a redrive policy names its DLQ; a DLQ is
 * found as the dead-letter queue of exactly one source queue.
 * @throws ConfigError naming the URL when it is neither.
 */
export async function resolveDeliveryQueues(client: SQSClient, url: string): Promise<DeliveryQueues> {
  const call = async <T>(operation: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new QueueError(operation, url, reason, { cause: error });
    }
  };
  const attributes = await call('GetQueueAttributes', () =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] })),
  );
  const policy = attributes.Attributes?.RedrivePolicy;
  if (policy !== undefined) {
    const arn = String((JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn ?? '');
    const [, , , , account, name] = arn.split(':');
    if (name === undefined || account === undefined) {
      throw new ConfigError(`--queue ${url}: its redrive policy names no dead-letter queue ARN (got "${arn}")`);
    }
    const found = await call('GetQueueUrl', () =>
      client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
    );
    return { queueUrl: url, deadLetterQueueUrl: found.QueueUrl ?? '' };
  }
  const sources = await call('ListDeadLetterSourceQueues', () =>
    client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: url })),
  );
  const urls = sources.queueUrls ?? [];
  if (urls.length === 1) return { queueUrl: urls[0] as string, deadLetterQueueUrl: url };
  throw new ConfigError(
    urls.length === 0
      ? `--queue ${url}: neither a queue with a dead-letter queue nor the dead-letter queue of one (pass the DeliveryQueue URL)`
      : `--queue ${url}: the dead-letter queue of ${urls.length} queues; pass the DeliveryQueue URL instead`,
  );
}

/** What SQS says is in the DeliveryQueue: due now, in flight or waiting out a retry delay, and not yet due. */
export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The queue's approximate counts (SQS counts are eventually consistent, a minute behind at most). */
export async function queueCounts(client: SQSClient, url: string): Promise<QueueCounts> {
  let attributes: Record<string, string>;
  try {
    const output = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    attributes = output.Attributes ?? {};
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new QueueError('GetQueueAttributes', url, reason, { cause: error });
  }
  const count = (name: string) => Number(attributes[name] ?? 0);
  return {
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

/**
 * An SQS client from the standard AWS environment, passed in (not `process.env`) as for S3: region, and
 * `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`) for an SQS-compatible endpoint; the SDK's provider chain supplies
 * credentials unless static keys are given.
 */
export function createSqsClient(env: Readonly<Record<string, string | undefined>>): SQSClient {
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const endpoint = text('AWS_ENDPOINT_URL_SQS') ?? text('AWS_ENDPOINT_URL');
  const accessKeyId = text('AWS_ACCESS_KEY_ID');
  const secretAccessKey = text('AWS_SECRET_ACCESS_KEY');
  const sessionToken = text('AWS_SESSION_TOKEN');
  return new SQSClient({
    region: text('AWS_REGION') ?? text('AWS_DEFAULT_REGION') ?? 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } }
      : {}),
  });
}
