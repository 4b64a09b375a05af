/**
 * A stand-in for the SQS control plane on 127.0.0.1 (SQS has no local server worth running): it speaks the AWS
 * JSON 1.0 protocol the SDK uses, records every call, and can fail chosen SendMessageBatch entries. It also keeps the
 * messages sent to each queue, with SQS's visibility rules (a received message is hidden for its visibility timeout
 * and comes back unless deleted, each receive with a new receipt handle), and answers the redrive-policy calls
 * for queues created with `createQueue`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsCall {
  readonly action: string;
  /** Path of the request: the queue URL's path, since the SDK sends each call to its queue's URL. */
  readonly path: string;
  readonly input: Record<string, unknown>;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Record<string, unknown>;
  readonly sentAt: number;
  /** Epoch ms from which a receive may return it. */
  visibleAt: number;
  receiveCount: number;
  receipt: string | null;
}

export interface FakeSqs {
  readonly endpoint: string;
  queueUrl(name: string): string;
  /** Declares a queue, optionally with its dead-letter queue (which must be declared too). */
  createQueue(name: string, options?: { deadLetterQueue?: string }): string;
  /** The messages a queue holds now, visible or not. */
  messages(name: string): StoredMessage[];
  readonly calls: SqsCall[];
  callsOf(action: string): SqsCall[];
  /** The next `count` SendMessageBatch entries (across calls) are reported as failed, retryable. */
  failNextEntries(count: number): void;
  /** The next `count` calls of `action` fail whole, with a 500 InternalError (recorded in `calls` all the same). */
  failNextCalls(action: string, count: number): void;
  stop(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const ACCOUNT = '123456789012';

export async function startFakeSqs(): Promise<FakeSqs> {
  const calls: SqsCall[] = [];
  let entriesToFail = 0;
  const callsToFail = new Map<string, number>();
  const queues = new Map<string, StoredMessage[]>();
  const redrive = new Map<string, string>();
  const nameOf = (url: unknown) =>
    String(url ?? '')
      .split('/')
      .at(-1) ?? '';
  const stored = (name: string) => {
    let list = queues.get(name);
    if (list === undefined) {
      list = [];
      queues.set(name, list);
    }
    return list;
  };
  const store = (url: unknown, body: string, delaySeconds: unknown, attributes: unknown): string => {
    const messageId = randomUUID();
    const now = Date.now();
    stored(nameOf(url)).push({
      messageId,
      body,
      attributes: (attributes as Record<string, unknown>) ?? {},
      sentAt: now,
      visibleAt: now + Number(delaySeconds ?? 0) * 1000,
      receiveCount: 0,
      receipt: null,
    });
    return messageId;
  };
  const byReceipt = (url: unknown, receipt: unknown) =>
    stored(nameOf(url)).find((message) => message.receipt !== null && message.receipt === receipt);
  let endpoint = '';
  const queueUrl = (name: string) => `${endpoint}/${ACCOUNT}/${name}`;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const action = target.replace(/^AmazonSQS\./, '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ action, path: request.url ?? '/', input });
      const failing = callsToFail.get(action) ?? 0;
      if (failing > 0) {
        callsToFail.set(action, failing - 1);
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected failure' }));
        return;
      }
      let output: unknown = {};
      if (action === 'SendMessageBatch') {
        const entries = input.Entries as { Id: string; MessageBody: string }[];
        const successful: unknown[] = [];
        const failed: unknown[] = [];
        for (const entry of entries as { Id: string; MessageBody: string; DelaySeconds?: number }[]) {
          if (entriesToFail > 0) {
            entriesToFail--;
            failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' });
          } else {
            const messageId = store(input.QueueUrl, entry.MessageBody, entry.DelaySeconds, {});
            successful.push({ Id: entry.Id, MessageId: messageId, MD5OfMessageBody: md5(entry.MessageBody) });
          }
        }
        output = { Successful: successful, Failed: failed };
      } else if (action === 'SendMessage') {
        const body = String(input.MessageBody);
        const messageId = store(input.QueueUrl, body, input.DelaySeconds, input.MessageAttributes);
        output = { MessageId: messageId, MD5OfMessageBody: md5(body) };
      } else if (action === 'ReceiveMessage') {
        const now = Date.now();
        const visible = stored(nameOf(input.QueueUrl))
          .filter((message) => message.visibleAt <= now)
          .slice(0, Number(input.MaxNumberOfMessages ?? 1));
        for (const message of visible) {
          message.receiveCount++;
          message.receipt = randomUUID();
          message.visibleAt = now + Number(input.VisibilityTimeout ?? 30) * 1000;
        }
        output = {
          Messages: visible.map((message) => ({
            MessageId: message.messageId,
            ReceiptHandle: message.receipt,
            Body: message.body,
            MD5OfBody: md5(message.body),
            Attributes: {
              SentTimestamp: String(message.sentAt),
              ApproximateReceiveCount: String(message.receiveCount),
            },
            ...(Object.keys(message.attributes).length > 0 ? { MessageAttributes: message.attributes } : {}),
          })),
        };
      } else if (action === 'DeleteMessageBatch' || action === 'ChangeMessageVisibilityBatch') {
        const successful: unknown[] = [];
        const failed: unknown[] = [];
        for (const entry of input.Entries as { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[]) {
          const message = byReceipt(input.QueueUrl, entry.ReceiptHandle);
          if (message === undefined) {
            failed.push({
              Id: entry.Id,
              SenderFault: true,
              Code: 'ReceiptHandleIsInvalid',
              Message: 'no such receipt',
            });
            continue;
          }
          if (action === 'DeleteMessageBatch') {
            const list = stored(nameOf(input.QueueUrl));
            list.splice(list.indexOf(message), 1);
          } else {
            message.visibleAt = Date.now() + Number(entry.VisibilityTimeout ?? 0) * 1000;
          }
          successful.push({ Id: entry.Id });
        }
        output = { Successful: successful, Failed: failed };
      } else if (action === 'GetQueueAttributes') {
        const name = nameOf(input.QueueUrl);
        const now = Date.now();
        const list = stored(name);
        const dlq = redrive.get(name);
        output = {
          Attributes: {
            ApproximateNumberOfMessages: String(list.filter((m) => m.visibleAt <= now).length),
            ApproximateNumberOfMessagesNotVisible: String(list.filter((m) => m.visibleAt > now && m.receipt).length),
            ApproximateNumberOfMessagesDelayed: String(list.filter((m) => m.visibleAt > now && !m.receipt).length),
            ...(dlq === undefined
              ? {}
              : {
                  RedrivePolicy: JSON.stringify({
                    deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${dlq}`,
                    maxReceiveCount: 9,
                  }),
                }),
          },
        };
      } else if (action === 'GetQueueUrl') {
        output = { QueueUrl: queueUrl(String(input.QueueName)) };
      } else if (action === 'ListDeadLetterSourceQueues') {
        const name = nameOf(input.QueueUrl);
        output = {
          queueUrls: [...redrive.entries()].filter(([, dlq]) => dlq === name).map(([source]) => queueUrl(source)),
        };
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl,
    createQueue: (name, options = {}) => {
      stored(name);
      if (options.deadLetterQueue !== undefined) redrive.set(name, options.deadLetterQueue);
      return queueUrl(name);
    },
    messages: (name) => [...stored(name)],
    calls,
    callsOf: (action) => calls.filter((call) => call.action === action),
    failNextEntries: (count) => {
      entriesToFail = count;
    },
    failNextCalls: (action, count) => {
      callsToFail.set(action, count);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The stand-in and an SDK client pointed at it (one attempt per call, so a failure shows at once). */
export interface FakeSqsWithClient {
  readonly sqs: FakeSqs;
  readonly client: SQSClient;
}

/** Starts the stand-in and its client; pair with {@link stopFakeSqsWithClient} in `afterAll`. */
export async function startFakeSqsWithClient(): Promise<FakeSqsWithClient> {
  const sqs = await startFakeSqs();
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { sqs, client };
}

export async function stopFakeSqsWithClient({ sqs, client }: FakeSqsWithClient): Promise<void> {
  client.destroy();
  await sqs.stop();
}
