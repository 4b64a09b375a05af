/**
 * The bundles `cdk synth` writes to the cloud assembly, run as Lambda would run them: imported by a fresh Node.js
 * process (real ESM loader, module-scope config), invoked with real-shaped SQS events, against s3rver for S3,
 * loopback receivers for webhooks, and a local SQS stand-in for the SQS control calls only.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import {
  type DeadLetter,
  type DeliveryJob,
  isWebhookJob,
  type Subscriber,
  type WebhookJob,
} from '../../functions/core/delivery.ts';
import { PUBLISH_MESSAGE_GROUP, parsePublishMessage } from '../../functions/core/publish-messages.ts';
import { ENV } from '../../functions/handlers/env-names.ts';
import { DELIVERY_METRICS, METRIC_NAMESPACE, PUBLISH_METRICS } from '../../functions/handlers/metric-names.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { HubSubscriptions } from '../../functions/pipeline/websub/subscriptions.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import { startSubscriber, type WebSubSubscriber } from '../helpers/websub-subscriber.ts';
import { type FakeSqs, startFakeSqs } from './fake-sqs.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SITE_URL = 'https://d111111abcdef8.cloudfront.net';
const PUBLISH_QUEUE_NAME = 'Wirefeed-PublishQueue.fifo';
const PUBLISH_QUEUE_ARN = `arn:aws:sqs:us-east-1:123456789012:${PUBLISH_QUEUE_NAME}`;
const DELIVERY_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:Wirefeed-DeliveryQueue';

interface Receiver {
  readonly url: string;
  readonly requests: { headers: IncomingHttpHeaders; body: string }[];
  readonly server: Server;
}

async function startReceiver(status: number): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, requests, server };
}

interface Invocation<R = SQSBatchResponse> {
  readonly result: R;
  /** JSON lines the handler wrote to stdout or stderr: logs and EMF documents. */
  readonly logs: Record<string, unknown>[];
  readonly importMs: number;
}

/**
 * Imports the bundle in a fresh Node.js process with `env` only, invokes `handler(event)`, and returns its result.
 * With `remainingMs`, the context says that much time is left (Lambda's `getRemainingTimeInMillis`).
 */
function invokeBundle<R = SQSBatchResponse>(
  bundle: string,
  env: Record<string, string>,
  event: SQSEvent | APIGatewayProxyEventV2,
  remainingMs?: number,
): Promise<Invocation<R>> {
  const remaining = remainingMs === undefined ? '' : `, getRemainingTimeInMillis: () => ${remainingMs}`;
  const script = `
    const started = performance.now();
    const { handler } = await import(${JSON.stringify(`file://${bundle}`)});
    const importMs = performance.now() - started;
    const result = await handler(JSON.parse(process.env.WF_EVENT), { awsRequestId: 'test-request'${remaining} });
    process.stdout.write('\\nRESULT ' + JSON.stringify({ result, importMs }) + '\\n');
  `;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env, WF_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
      if (code !== 0 || line === undefined) {
        fail(new Error(`bundle exited with ${code}\n${stdout}\n${stderr}`));
        return;
      }
      const { result, importMs } = JSON.parse(line.slice('RESULT '.length)) as Omit<Invocation<R>, 'logs'>;
      importTimes[bundle] = [...(importTimes[bundle] ?? []), importMs];
      // Lambda sends both streams to CloudWatch Logs; Powertools writes warnings and errors to stderr.
      const logs = `${stdout}\n${stderr}`
        .split('\n')
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as Record<string, unknown>);
      done({ result, logs, importMs });
    });
  });
}

/** An SQS record as Lambda's poller delivers it. */
function sqsRecord(body: string, options: { receiveCount: number; arn: string; messageId: string }): SQSRecord {
  const fifo = options.arn.endsWith('.fifo');
  return {
    messageId: options.messageId,
    receiptHandle: `AQEB${options.messageId}-receipt`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount),
      SentTimestamp: String(Date.now() - 1000),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(fifo
        ? {
            SequenceNumber: '18887342000000000001',
            MessageGroupId: 'publish',
            MessageDeduplicationId: options.messageId,
          }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: '0',
    eventSource: 'aws:sqs',
    eventSourceARN: options.arn,
    awsRegion: 'us-east-1',
  };
}

/** The EventBridge event S3 emits for an object in the content bucket, as the rule forwards it to SQS. */
function s3Event(type: 'Object Created' | 'Object Deleted', key: string): string {
  return JSON.stringify({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': type,
    source: 'aws.s3',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:s3:::content'],
    detail: {
      version: '0',
      bucket: { name: 'content' },
      object: { key, size: 1024, etag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  });
}

let s3: S3TestServer;
let sqs: FakeSqs;
let okReceiver: Receiver;
let failingReceiver: Receiver;
let bundles: { publish: string; delivery: string; hub: string };
let okSubscriber: Subscriber;
let failingSubscriber: Subscriber;
let synthSeconds = 0;
/** Cold import time of each bundle, in ms, for the closing log line. */
const importTimes: Record<string, number[]> = {};

function baseEnv(): Record<string, string> {
  return { ...s3.env, AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
}

function publishEnv(): Record<string, string> {
  return {
    ...baseEnv(),
    [ENV.contentBucket]: 'content',
    [ENV.siteBucket]: 'site',
    [ENV.stateBucket]: 'state',
    [ENV.siteUrl]: SITE_URL,
    [ENV.deliveryQueueUrl]: sqs.queueUrl('Wirefeed-DeliveryQueue'),
    [ENV.publishQueueUrl]: sqs.queueUrl(PUBLISH_QUEUE_NAME),
    AWS_LAMBDA_FUNCTION_NAME: PUBLISH_FUNCTION_NAME,
  };
}

const PUBLISH_FUNCTION_NAME = 'Wirefeed-PublishFunction-def456';

function deliveryEnv(): Record<string, string> {
  return {
    ...baseEnv(),
    [ENV.stateBucket]: 'state',
    [ENV.deliveryQueueUrl]: sqs.queueUrl('Wirefeed-DeliveryQueue'),
    [ENV.deliveryDeadLetterQueueUrl]: sqs.queueUrl('Wirefeed-DeliveryDLQ'),
    [ENV.allowPrivateTargets]: 'true',
    AWS_LAMBDA_FUNCTION_NAME: DELIVERY_FUNCTION_NAME,
  };
}

const DELIVERY_FUNCTION_NAME = 'Wirefeed-DeliveryFunction-abc123';

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The EMF documents among a handler's stdout lines. */
function emfDocuments(logs: Record<string, unknown>[]): EmfDocument[] {
  return logs.filter((line) => typeof line._aws === 'object') as unknown as EmfDocument[];
}

/** Each metric name in the documents, with its unit, dimension set and values (summed). */
function metricsIn(
  documents: EmfDocument[],
): Record<string, { unit: string; dimensions: Record<string, unknown>; total: number }[]> {
  const found: Record<string, { unit: string; dimensions: Record<string, unknown>; total: number }[]> = {};
  for (const document of documents) {
    for (const directive of document._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe(METRIC_NAMESPACE);
      const names = directive.Dimensions[0] ?? [];
      const dimensions = Object.fromEntries(names.map((name) => [name, document[name]]));
      for (const metric of directive.Metrics) {
        const value = document[metric.Name];
        const total = Array.isArray(value) ? value.reduce((a: number, b: number) => a + b, 0) : Number(value);
        found[metric.Name] = [...(found[metric.Name] ?? []), { unit: metric.Unit, dimensions, total }];
      }
    }
  }
  return found;
}

/** Finds each function's bundle through the template: its code's S3 key is `<asset hash>.zip`. */
function findBundles(outdir: string): { publish: string; delivery: string; hub: string } {
  const template = JSON.parse(readFileSync(join(outdir, 'Wirefeed.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const bundleOf = (prefix: string) => {
    const entry = Object.entries(template.Resources).find(
      ([id, resource]) => id.startsWith(prefix) && resource.Type === 'AWS::Lambda::Function',
    );
    const key = entry?.[1].Properties.Code?.S3Key;
    if (key === undefined) throw new Error(`no ${prefix} in the template`);
    return join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  };
  return { publish: bundleOf('PublishFunction'), delivery: bundleOf('DeliveryFunction'), hub: bundleOf('HubFunction') };
}

beforeAll(async () => {
  const outdir = await mkdtemp(join(tmpdir(), 'wirefeed-cdk-out-'));
  const started = performance.now();
  // The same command as `npm run synth`, offline: no credentials, no Docker, no metadata-service lookups.
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), AWS_EC2_METADATA_DISABLED: 'true' },
    timeout: 200_000,
  });
  synthSeconds = (performance.now() - started) / 1000;
  bundles = findBundles(outdir);

  [s3, sqs, okReceiver, failingReceiver] = await Promise.all([
    startS3Server(['content', 'site', 'state']),
    startFakeSqs(),
    startReceiver(204),
    startReceiver(500),
  ]);
  const content = new S3Store({ client: s3.client, bucket: 'content' });
  await content.put('site.json', await readFile(join(ROOT, 'content', 'site.json')));
  for (const name of await readdir(join(ROOT, 'content', 'articles'))) {
    await content.put(`articles/${name}`, await readFile(join(ROOT, 'content', 'articles', name)));
  }
  const subscribers = new SubscriberRepository(new S3Store({ client: s3.client, bucket: 'state' }));
  const now = new Date();
  okSubscriber = await subscribers.add(okReceiver.url, { allowPrivateTargets: true, now });
  failingSubscriber = await subscribers.add(failingReceiver.url, { allowPrivateTargets: true, now });
}, 240_000);

afterAll(async () => {
  okReceiver?.server.close();
  failingReceiver?.server.close();
  await Promise.all([s3?.stop(), sqs?.stop()]);
  const sizes = Object.entries(bundles ?? {}).map(([name, file]) => {
    const imports = (importTimes[file] ?? []).map((ms) => ms.toFixed(0)).join('/');
    return `${name} ${(statSync(file).size / 1024).toFixed(0)} KiB, cold import ${imports} ms`;
  });
  console.info(`cdk synth ${synthSeconds.toFixed(1)} s; bundles: ${sizes.join(', ')}`);
});

function queuedJobs(): DeliveryJob[] {
  return sqs
    .callsOf('SendMessageBatch')
    .flatMap((call) => (call.input.Entries as { MessageBody: string }[]).map((entry) => JSON.parse(entry.MessageBody)));
}

describe('publish bundle', () => {
  it('publishes the feeds to the site bucket and queues one job per event and subscriber', async () => {
    const articles = readdirSync(join(ROOT, 'content', 'articles'));
    const event: SQSEvent = {
      Records: articles.map((name, index) =>
        sqsRecord(s3Event('Object Created', `articles/${name}`), {
          receiveCount: 1,
          arn: PUBLISH_QUEUE_ARN,
          messageId: `publish-${index}`,
        }),
      ),
    };
    const { result, logs, importMs } = await invokeBundle(bundles.publish, publishEnv(), event);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(importMs).toBeLessThan(5_000);

    const site = new S3Store({ client: s3.client, bucket: 'site' });
    for (const key of ['feed.xml', 'atom.xml', 'feed.json', 'index.html']) {
      expect(await site.head(key), key).not.toBeNull();
    }
    const rss = Buffer.from((await site.get('feed.xml'))?.body ?? []).toString('utf8');
    expect(rss).toContain(`${SITE_URL}/feed.xml`);

    const jobs = queuedJobs().filter(isWebhookJob);
    const events = new Set(jobs.map((job) => job.event.id));
    // Each article's article.published plus one feed.updated, for each of the two subscribers.
    expect(events.size).toBe(articles.length + 1);
    expect(jobs).toHaveLength(2 * events.size);
    expect(new Set(jobs.map((job) => job.subscriberId))).toEqual(new Set([okSubscriber.id, failingSubscriber.id]));

    const summary = logs.find((line) => line.message === 'published');
    expect(summary).toMatchObject({
      level: 'INFO',
      service: PUBLISH_FUNCTION_NAME,
      function_request_id: 'test-request',
      records: articles.length,
      articles: articles.length,
      events: events.size,
    });
    // One line per event handed out, with the id each delivery of it logs as its eventId (the webhook-id).
    const handed = logs.filter((line) => line.message === 'event handed out');
    expect(handed.map((line) => line.eventId).sort()).toEqual([...events].sort());
    for (const line of handed) {
      expect(line).toMatchObject({
        level: 'INFO',
        service: PUBLISH_FUNCTION_NAME,
        function_request_id: 'test-request',
      });
    }
    expect(handed.filter((line) => line.eventType === 'article.published').map((line) => line.articleId)).toEqual(
      expect.arrayContaining(articles.map((name) => name.replace(/\.(txt|md)$/, ''))),
    );

    // One EMF document for the invocation, every publish metric by service, with its unit.
    const documents = emfDocuments(logs);
    expect(documents).toHaveLength(1);
    const metrics = metricsIn(documents);
    const service = { service: PUBLISH_FUNCTION_NAME };
    const written = Number(summary?.written) + Number(summary?.deleted);
    expect(metrics[PUBLISH_METRICS.articlesPublished.name]).toEqual([
      { unit: 'Count', dimensions: service, total: articles.length },
    ]);
    expect(metrics[PUBLISH_METRICS.articlesUpdated.name]).toEqual([{ unit: 'Count', dimensions: service, total: 0 }]);
    expect(metrics[PUBLISH_METRICS.articlesDeleted.name]).toEqual([{ unit: 'Count', dimensions: service, total: 0 }]);
    expect(metrics[PUBLISH_METRICS.articlesRejected.name]).toEqual([{ unit: 'Count', dimensions: service, total: 0 }]);
    expect(metrics[PUBLISH_METRICS.filesWritten.name]).toEqual([
      { unit: 'Count', dimensions: service, total: written },
    ]);
    expect(written).toBeGreaterThan(0);
    expect(metrics[PUBLISH_METRICS.runDuration.name]).toMatchObject([{ unit: 'Milliseconds', dimensions: service }]);
    expect(documents[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
  });

  it('writes nothing and queues nothing when republishing unchanged content', async () => {
    const before = sqs.callsOf('SendMessageBatch').length;
    s3.resetCounts();
    const event: SQSEvent = {
      Records: [
        sqsRecord(s3Event('Object Created', 'site.json'), {
          receiveCount: 1,
          arn: PUBLISH_QUEUE_ARN,
          messageId: 'again',
        }),
      ],
    };
    const { result, logs } = await invokeBundle(bundles.publish, publishEnv(), event);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(s3.count('PutObject')).toBe(0);
    expect(s3.count('DeleteObject')).toBe(0);
    expect(sqs.callsOf('SendMessageBatch')).toHaveLength(before);
    expect(logs.find((line) => line.message === 'published')).toMatchObject({ written: 0, events: 0 });
  });

  it('carries a run that does not fit in an invocation on through continuation messages, handing each event out once', async () => {
    const content = new S3Store({ client: s3.client, bucket: 'content' });
    const added = ['late-1', 'late-2', 'late-3'];
    for (const [i, id] of added.entries()) {
      await content.put(`articles/${id}.md`, `---\ntitle: Late ${i}\ndate: 2026-02-0${i + 1}\n---\n\nFiled late.\n`);
    }
    const jobsBefore = queuedJobs().length;
    // No time left: each invocation does the one step every run is allowed, then checkpoints and continues.
    let records = added.map((id, index) =>
      sqsRecord(s3Event('Object Created', `articles/${id}.md`), {
        receiveCount: 1,
        arn: PUBLISH_QUEUE_ARN,
        messageId: `late-${index}`,
      }),
    );
    const statuses: string[] = [];
    for (let invocation = 0; invocation < 20 && records.length > 0; invocation++) {
      const sent = sqs.callsOf('SendMessage').length;
      const { result, logs } = await invokeBundle(bundles.publish, publishEnv(), { Records: records }, 0);
      expect(result).toEqual({ batchItemFailures: [] });
      const summary = logs.find((line) => line.level === 'INFO') ?? {};
      statuses.push(String(summary.status));
      const continuations = sqs.callsOf('SendMessage').slice(sent);
      if (summary.status === 'complete') {
        expect(continuations).toEqual([]);
        records = [];
        continue;
      }
      expect(summary).toMatchObject({ message: 'checkpointed, continuing', run: expect.any(String) });
      expect(continuations).toHaveLength(1);
      expect(continuations[0]?.input).toMatchObject({
        QueueUrl: sqs.queueUrl(PUBLISH_QUEUE_NAME),
        MessageGroupId: PUBLISH_MESSAGE_GROUP,
      });
      const body = String(continuations[0]?.input.MessageBody);
      expect(parsePublishMessage(body)).toEqual({ kind: 'continue', run: summary.run });
      records = [sqsRecord(body, { receiveCount: 1, arn: PUBLISH_QUEUE_ARN, messageId: `continue-${invocation}` })];
    }
    expect(statuses.at(-1)).toBe('complete');
    expect(statuses.length).toBeGreaterThan(2);

    const site = new S3Store({ client: s3.client, bucket: 'site' });
    for (const id of added) expect(await site.head(`articles/${id}.html`), id).not.toBeNull();
    const jobs = queuedJobs().slice(jobsBefore);
    // Three article.published and one feed.updated, for each of the two subscribers, each handed out once.
    expect(
      jobs
        .filter(isWebhookJob)
        .map((job) => job.event.type)
        .sort(),
    ).toEqual([...Array(6).fill('article.published'), ...Array(2).fill('feed.updated')].sort());
    expect(new Set(queuedJobs().map((job) => job.id)).size).toBe(queuedJobs().length);
  });

  it('fails the whole batch, naming the cause, when the content bucket has no site.json', async () => {
    const event: SQSEvent = {
      Records: [
        sqsRecord(s3Event('Object Deleted', 'site.json'), {
          receiveCount: 1,
          arn: PUBLISH_QUEUE_ARN,
          messageId: 'broken',
        }),
      ],
    };
    const { result, logs } = await invokeBundle(
      bundles.publish,
      { ...publishEnv(), [ENV.contentBucket]: 'state' },
      event,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'broken' }] });
    expect(logs.find((line) => line.level === 'ERROR')).toMatchObject({
      message: 'publish failed',
      errorName: 'ConfigError',
      service: PUBLISH_FUNCTION_NAME,
      function_request_id: 'test-request',
    });
    // A failed call counts its duration and nothing else.
    const metrics = metricsIn(emfDocuments(logs));
    expect(Object.keys(metrics)).toEqual([PUBLISH_METRICS.runDuration.name]);
  });

  it('fails at import, naming the variable, when the configuration is incomplete', async () => {
    const { [ENV.siteUrl]: _, ...env } = publishEnv();
    await expect(invokeBundle(bundles.publish, env, { Records: [] })).rejects.toThrow(
      `Environment variable ${ENV.siteUrl} is required`,
    );
  });
});

describe('delivery bundle', () => {
  const jobsFor = (subscriber: Subscriber) =>
    queuedJobs()
      .filter(isWebhookJob)
      .filter((job) => job.subscriberId === subscriber.id);

  it('delivers signed webhooks to a loopback receiver and reports no failures', async () => {
    const jobs = jobsFor(okSubscriber);
    expect(jobs.length).toBeGreaterThan(0);
    const event: SQSEvent = {
      Records: jobs.map((job, index) =>
        sqsRecord(JSON.stringify(job), { receiveCount: 1, arn: DELIVERY_QUEUE_ARN, messageId: `ok-${index}` }),
      ),
    };
    const { result, logs } = await invokeBundle(bundles.delivery, deliveryEnv(), event);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(okReceiver.requests).toHaveLength(jobs.length);

    // One EMF document for the invocation: DeliveriesSucceeded and DeliveryLatency by service.
    const metrics = metricsIn(emfDocuments(logs));
    const service = { service: DELIVERY_FUNCTION_NAME };
    expect(metrics[DELIVERY_METRICS.deliveriesSucceeded.name]).toEqual([
      { unit: 'Count', dimensions: service, total: jobs.length },
    ]);
    expect(metrics[DELIVERY_METRICS.deliveryLatency.name]).toMatchObject([
      { unit: 'Milliseconds', dimensions: service },
    ]);
    expect(metrics[DELIVERY_METRICS.deliveriesRetried.name]).toBeUndefined();
    // Powertools log lines: level, message, service, the request id, and the job and event ids as correlation keys.
    const delivered = logs.filter((line) => line.message === 'delivery delivered');
    expect(delivered).toHaveLength(jobs.length);
    for (const line of delivered) {
      expect(line).toMatchObject({
        level: 'INFO',
        service: DELIVERY_FUNCTION_NAME,
        function_request_id: 'test-request',
        subscriberId: okSubscriber.id,
        attempt: 1,
        status: 204,
      });
      expect(jobs.map((job) => [job.id, job.event.id])).toContainEqual([line.jobId, line.eventId]);
      expect(typeof line.timestamp).toBe('string');
    }
    const verifier = new Webhook(okSubscriber.secrets[0]?.secret ?? '');
    for (const request of okReceiver.requests) {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      expect(() => verifier.verify(request.body, headers)).not.toThrow();
    }
    expect(okReceiver.requests.map((request) => request.headers['webhook-id']).sort()).toEqual(
      jobs.map((job) => job.event.id).sort(),
    );
  });

  it('reports a failed delivery and hides it for the schedule’s first delay', async () => {
    const job = jobsFor(failingSubscriber)[0] as WebhookJob;
    const visibilityCalls = sqs.callsOf('ChangeMessageVisibility').length;
    const event: SQSEvent = {
      Records: [sqsRecord(JSON.stringify(job), { receiveCount: 1, arn: DELIVERY_QUEUE_ARN, messageId: 'fail-1' })],
    };
    const { result, logs } = await invokeBundle(bundles.delivery, deliveryEnv(), event);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'fail-1' }] });
    expect(metricsIn(emfDocuments(logs))[DELIVERY_METRICS.deliveriesRetried.name]).toEqual([
      { unit: 'Count', dimensions: { service: DELIVERY_FUNCTION_NAME, reason: 'status' }, total: 1 },
    ]);
    expect(logs.find((line) => line.message === 'delivery retry')).toMatchObject({
      level: 'WARN',
      jobId: job.id,
      eventId: job.event.id,
      status: 500,
      error: 'HTTP 500',
    });
    expect(failingReceiver.requests).toHaveLength(1);
    const calls = sqs.callsOf('ChangeMessageVisibility').slice(visibilityCalls);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toMatchObject({
      QueueUrl: sqs.queueUrl('Wirefeed-DeliveryQueue'),
      ReceiptHandle: 'AQEBfail-1-receipt',
    });
    // 5 s ± 20% jitter, rounded up to whole seconds.
    expect(calls[0]?.input.VisibilityTimeout).toBeGreaterThanOrEqual(4);
    expect(calls[0]?.input.VisibilityTimeout).toBeLessThanOrEqual(6);
  });

  it('moves a job whose last attempt failed to the dead-letter queue with its reason, and acknowledges it', async () => {
    const job = jobsFor(failingSubscriber)[0] as WebhookJob;
    const event: SQSEvent = {
      Records: [sqsRecord(JSON.stringify(job), { receiveCount: 8, arn: DELIVERY_QUEUE_ARN, messageId: 'fail-8' })],
    };
    const { result, logs } = await invokeBundle(bundles.delivery, deliveryEnv(), event);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metricsIn(emfDocuments(logs))[DELIVERY_METRICS.deliveriesDead.name]).toEqual([
      { unit: 'Count', dimensions: { service: DELIVERY_FUNCTION_NAME, reason: 'exhausted' }, total: 1 },
    ]);
    const dead = sqs.callsOf('SendMessage').at(-1);
    expect(dead?.input.QueueUrl).toBe(sqs.queueUrl('Wirefeed-DeliveryDLQ'));
    const letter = JSON.parse(String(dead?.input.MessageBody)) as DeadLetter;
    expect(letter.reason).toBe('expired');
    expect(letter.job).toMatchObject({ id: job.id, attempts: 8, lastStatus: 500, lastError: 'HTTP 500' });
    expect(dead?.input.MessageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'expired' },
      error: { DataType: 'String', StringValue: 'HTTP 500' },
    });
  });

  it('counts an SSRF refusal and a permanent dead letter when the guard is on, and delivers a DeadLetter body redriven as it was', async () => {
    const job = jobsFor(okSubscriber)[0] as WebhookJob;
    const guarded = { ...deliveryEnv(), [ENV.allowPrivateTargets]: 'false' };
    const refused = await invokeBundle(bundles.delivery, guarded, {
      Records: [sqsRecord(JSON.stringify(job), { receiveCount: 1, arn: DELIVERY_QUEUE_ARN, messageId: 'ssrf-1' })],
    });
    expect(refused.result).toEqual({ batchItemFailures: [] });
    const metrics = metricsIn(emfDocuments(refused.logs));
    expect(metrics[DELIVERY_METRICS.ssrfRefusals.name]).toEqual([
      { unit: 'Count', dimensions: { service: DELIVERY_FUNCTION_NAME }, total: 1 },
    ]);
    expect(metrics[DELIVERY_METRICS.deliveriesDead.name]).toEqual([
      { unit: 'Count', dimensions: { service: DELIVERY_FUNCTION_NAME, reason: 'permanent' }, total: 1 },
    ]);

    // The SQS console's redrive moves the DeadLetter body back as it is: the job inside it is delivered.
    const letter = JSON.parse(String(sqs.callsOf('SendMessage').at(-1)?.input.MessageBody)) as DeadLetter;
    const before = okReceiver.requests.length;
    const redriven = await invokeBundle(bundles.delivery, deliveryEnv(), {
      Records: [sqsRecord(JSON.stringify(letter), { receiveCount: 1, arn: DELIVERY_QUEUE_ARN, messageId: 'redriven' })],
    });
    expect(redriven.result).toEqual({ batchItemFailures: [] });
    expect(okReceiver.requests.slice(before).map((r) => r.headers['webhook-id'])).toEqual([job.event.id]);
  });
});

/** An API Gateway HTTP API request (payload format 2.0), as the hub's route delivers it to HubFunction. */
function hubEvent(
  form: Record<string, string>,
  options: { base64?: boolean; sourceIp?: string } = {},
): APIGatewayProxyEventV2 {
  const body = new URLSearchParams(form).toString();
  return {
    version: '2.0',
    routeKey: 'POST /hub',
    rawPath: '/hub',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: 'POST',
        path: '/hub',
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.7',
        userAgent: 'reader/1.0',
      },
      requestId: 'hub-request',
      routeKey: 'POST /hub',
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

describe('hub bundle, with the delivery and publish bundles, against s3rver and a loopback subscriber', () => {
  const HUB_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/hub';
  const topic = `${SITE_URL}/feed.xml`;
  let subscriber: WebSubSubscriber;
  const hubEnv = () => ({
    ...baseEnv(),
    [ENV.contentBucket]: 'content',
    [ENV.stateBucket]: 'state',
    [ENV.siteUrl]: SITE_URL,
    [ENV.deliveryQueueUrl]: sqs.queueUrl('Wirefeed-DeliveryQueue'),
    [ENV.allowPrivateTargets]: 'true',
  });
  const sentSince = (count: number) => queuedJobs().slice(count);
  const deliver = (job: DeliveryJob, messageId: string) =>
    invokeBundle(
      bundles.delivery,
      { ...deliveryEnv(), [ENV.siteBucket]: 'site' },
      {
        Records: [sqsRecord(JSON.stringify(job), { receiveCount: 1, arn: DELIVERY_QUEUE_ARN, messageId })],
      },
    );

  beforeAll(async () => {
    subscriber = await startSubscriber();
    const content = new S3Store({ client: s3.client, bucket: 'content' });
    const site = JSON.parse(await readFile(join(ROOT, 'content', 'site.json'), 'utf8')) as object;
    await content.put('site.json', JSON.stringify({ ...site, hub: { enabled: true } }));
  });
  afterAll(async () => {
    await subscriber?.close();
  });

  it('answers 202 to a subscription request and queues its verification; 4xx with the reason otherwise', async () => {
    const before = queuedJobs().length;
    const { result } = await invokeBundle<APIGatewayProxyStructuredResultV2>(
      bundles.hub,
      hubEnv(),
      hubEvent(
        { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.secret': 'bundle secret' },
        { base64: true },
      ),
    );
    expect(result.statusCode).toBe(202);
    expect(result.headers?.['content-type']).toBe('text/plain; charset=utf-8');
    expect(sentSince(before)).toEqual([expect.objectContaining({ kind: 'websub.verify', mode: 'subscribe', topic })]);
    // The secret stays in the state bucket, never in the queue.
    expect(JSON.stringify(sentSince(before))).not.toContain('bundle secret');

    const refused = await invokeBundle<APIGatewayProxyStructuredResultV2>(
      bundles.hub,
      hubEnv(),
      hubEvent({ 'hub.mode': 'subscribe', 'hub.topic': `${SITE_URL}/index.html`, 'hub.callback': subscriber.url }),
    );
    expect(refused.result.statusCode).toBe(404);
    expect(refused.result.body).toMatch(/is not a feed of this site/);
    const loopback = await invokeBundle<APIGatewayProxyStructuredResultV2>(
      bundles.hub,
      { ...hubEnv(), [ENV.allowPrivateTargets]: '' },
      hubEvent({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url }),
    );
    expect(loopback.result.statusCode).toBe(400);
    expect(loopback.result.body).toMatch(/hub\.callback is refused/);
    expect(queuedJobs().length).toBe(before + 1);
  });

  it('verifies through the delivery bundle: the subscriber echoes the challenge, the subscription lands in the state bucket', async () => {
    const verify = queuedJobs().find((job) => job.kind === 'websub.verify') as DeliveryJob;
    const { result } = await deliver(verify, 'verify-1');
    expect(result).toEqual({ batchItemFailures: [] });
    expect(subscriber.gets('subscribe')).toHaveLength(1);
    const { subscriptions } = await new HubSubscriptions(new S3Store({ client: s3.client, bucket: 'state' })).list();
    expect(subscriptions).toEqual([
      expect.objectContaining({ topic, callback: subscriber.url, secret: 'bundle secret' }),
    ]);
  });

  it('publishes with the hub advertised and distributes the exact bytes of the site bucket’s feed, signed', async () => {
    const before = queuedJobs().length;
    const event: SQSEvent = {
      Records: [
        sqsRecord(s3Event('Object Created', 'site.json'), {
          receiveCount: 1,
          arn: PUBLISH_QUEUE_ARN,
          messageId: 'hub-on',
        }),
      ],
    };
    const { result } = await invokeBundle(bundles.publish, { ...publishEnv(), [ENV.hubUrl]: HUB_URL }, event);
    expect(result).toEqual({ batchItemFailures: [] });
    const site = new S3Store({ client: s3.client, bucket: 'site' });
    const feed = await site.get('feed.xml');
    expect(Buffer.from(feed?.body ?? []).toString('utf8')).toContain(`<atom:link href="${HUB_URL}" rel="hub"/>`);

    const distributions = sentSince(before).filter((job) => job.kind === 'websub.distribute');
    expect(distributions).toEqual([expect.objectContaining({ topic, path: 'feed.xml', hub: HUB_URL })]);
    const delivered = await deliver(distributions[0] as DeliveryJob, 'distribute-1');
    expect(delivered.result).toEqual({ batchItemFailures: [] });
    const [post] = subscriber.posts();
    expect(post?.sha256).toBe(
      createHash('sha256')
        .update(feed?.body ?? new Uint8Array())
        .digest('hex'),
    );
    expect(post?.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(post?.headers.link).toBe(`<${HUB_URL}>; rel="hub", <${topic}>; rel="self"`);
    expect(post?.headers['x-hub-signature']).toBe(
      `sha256=${createHmac('sha256', 'bundle secret')
        .update(post?.body ?? Buffer.alloc(0))
        .digest('hex')}`,
    );
  });

  it('fails at import, naming the variable, when the configuration is incomplete', async () => {
    const { [ENV.deliveryQueueUrl]: _, ...env } = hubEnv();
    await expect(invokeBundle(bundles.hub, env, hubEvent({}))).rejects.toThrow(
      `Environment variable ${ENV.deliveryQueueUrl} is required`,
    );
  });
});
