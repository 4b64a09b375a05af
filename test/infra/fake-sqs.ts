/**
 * A stand-in for the SQS control plane on 127.0.0.1 (SQS has no local server worth running): it speaks the AWS
 * JSON 1.0 protocol the SDK uses, records every call, and can fail chosen SendMessageBatch entries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsCall {
  readonly action: string;
  /** Path of the request: the queue URL's path, since the SDK sends each call to its queue's URL. */
  readonly path: string;
  readonly input: Record<string, unknown>;
}

export interface FakeSqs {
  readonly endpoint: string;
  queueUrl(name: string): string;
  readonly calls: SqsCall[];
  callsOf(action: string): SqsCall[];
  /** The next `count` SendMessageBatch entries (across calls) are reported as failed, retryable. */
  failNextEntries(count: number): void;
  /** The next `count` calls of `action` fail whole, with a 500 InternalError (recorded in `calls` all the same). */
  failNextCalls(action: string, count: number): void;
  stop(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export async function startFakeSqs(): Promise<FakeSqs> {
  const calls: SqsCall[] = [];
  let entriesToFail = 0;
  const callsToFail = new Map<string, number>();
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
        for (const entry of entries) {
          if (entriesToFail > 0) {
            entriesToFail--;
            failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' });
          } else {
            successful.push({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(entry.MessageBody) });
          }
        }
        output = { Successful: successful, Failed: failed };
      } else if (action === 'SendMessage') {
        output = { MessageId: randomUUID(), MD5OfMessageBody: md5(String(input.MessageBody)) };
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/123456789012/${name}`,
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
