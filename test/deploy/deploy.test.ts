/**
 * `cdk bootstrap` and `cdk deploy`, exactly as the README gives them, against a local AWS emulator (moto on
 * 127.0.0.1), then the deployed stack driven as an operator and a subscriber would: the template's wiring (the
 * EventBridge rule against the events S3 emits, the FIFO queue and its event source mapping, the custom resources
 * that turn on notifications and upload content/, the outputs) is exercised, not just asserted.
 *
 * What the emulator does differently from AWS, and what it does not check, is in README.md beside this file.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { USER_AGENT } from '../../functions/core/version.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { startSubscriber, type WebSubSubscriber } from '../helpers/websub-subscriber.ts';
import { type Completed, cliEnvironment, ROOT, run } from './commands.ts';
import { EMULATOR_REGION, type Emulator, MOTO_VERSION, probeMoto, startEmulator } from './emulator.ts';

const moto = probeMoto();
if (!moto.available) console.log(`deploy test skipped: ${moto.reason}`);

interface StackOutputs {
  SiteUrl: string;
  RssFeedUrl: string;
  AtomFeedUrl: string;
  JsonFeedUrl: string;
  ContentBucketName: string;
  SiteBucketName: string;
  StateBucketName: string;
  PublishQueueName: string;
  PublishDeadLetterQueueName: string;
  DeliveryQueueName: string;
  DeliveryDeadLetterQueueName: string;
  HubUrl: string;
}

interface WebhookBody {
  type: string;
  data: { id?: string; title?: string; url?: string };
}

/** Polls `check` until it returns a value other than undefined; `what` names the wait in the failure. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!moto.available)(`cdk deploy to a local AWS emulator (moto ${MOTO_VERSION})`, () => {
  let dir: string;
  let emulator: Emulator;
  let receiver: Receiver;
  let hubSubscriber: WebSubSubscriber;
  let env: NodeJS.ProcessEnv;
  let s3: S3Client;
  let sqs: SQSClient;
  let outputs: StackOutputs;
  const commandLog = () => join(dir, 'commands.log');
  const articleId = `emulated-${Date.now().toString(36)}`;
  const articleTitle = 'Harbour reopens after the storm';
  /** webhook-ids the receiver already failed once. */
  const failedOnce = new Set<string>();

  const cdk = (...args: string[]): Promise<Completed> => run('npx', ['cdk', ...args], env, commandLog());
  const wirefeed = (...args: string[]): Promise<Completed> =>
    run(process.execPath, [join(ROOT, 'bin/wirefeed.mjs'), ...args], env, commandLog());
  const webhooks = (type: string) =>
    receiver.requests.filter((request) => {
      const body = JSON.parse(request.body) as WebhookBody;
      return body.type === type && body.data.id === articleId;
    });
  const siteKeys = async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: outputs.SiteBucketName }))).Contents ?? []).map((o) => o.Key);
  const siteText = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: outputs.SiteBucketName, Key: key }))).Body?.transformToString();
  const queueDepths = async () => {
    const depths: Record<string, number> = {};
    for (const name of [
      outputs.PublishQueueName,
      outputs.PublishDeadLetterQueueName,
      outputs.DeliveryQueueName,
      outputs.DeliveryDeadLetterQueueName,
    ]) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      depths[name] = Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
    }
    return depths;
  };
  const queuesIdle = async () => (Object.values(await queueDepths()).every((n) => n === 0) ? true : undefined);
  /** The name of the step that failed: each step builds on the ones before, so the rest are skipped. */
  let failed: string | undefined;
  const step = (name: string, body: () => Promise<void>) =>
    it(name, async (context) => {
      if (failed !== undefined) context.skip();
      onTestFailed(() => {
        failed = name;
        console.error(`--- emulator log (${emulator.logFile}), last lines ---\n${emulator.logTail(80)}`);
      });
      await body();
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wirefeed-deploy-'));
    receiver = await startReceiver({
      // The first attempt of each article.published fails, so the retry is seen; everything else is accepted.
      reply: ({ webhookId, body }) => {
        const type = (JSON.parse(body) as WebhookBody).type;
        if (type === 'article.published' && !failedOnce.has(webhookId)) {
          failedOnce.add(webhookId);
          return { kind: 'status', status: 500 };
        }
        return { kind: 'status', status: 204 };
      },
    });
    hubSubscriber = await startSubscriber();
    // The receiver is on loopback, which the SSRF guard refuses; the deployed stack never sets this flag.
    emulator = await startEmulator({
      workdir: join(dir, 'emulator'),
      functionEnv: { WIREFEED_ALLOW_PRIVATE_TARGETS: 'true' },
    });
    env = cliEnvironment(emulator, dir);
    const client = {
      region: EMULATOR_REGION,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
    };
    s3 = new S3Client({
      ...client,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    sqs = new SQSClient(client);
  });

  afterAll(async () => {
    s3?.destroy();
    sqs?.destroy();
    await emulator?.stop();
    await receiver?.close();
    await hubSubscriber?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  step('bootstraps the environment with `npx cdk bootstrap`', async () => {
    const bootstrap = await cdk('bootstrap');
    expect(bootstrap.output).toMatch(/Environment aws:\/\/123456789012\/us-east-1 bootstrapped/);
    expect(bootstrap.code).toBe(0);
  });

  step('deploys the stack with `npx cdk deploy` and outputs its feed URLs, buckets and queues', async () => {
    const outputsFile = join(dir, 'outputs.json');
    const deploy = await cdk(
      'deploy',
      '--require-approval',
      'never',
      '--output',
      join(dir, 'cdk.out'),
      '--outputs-file',
      outputsFile,
    );
    expect(deploy.code, deploy.output).toBe(0);
    outputs = (JSON.parse(await readFile(outputsFile, 'utf8')) as { Wirefeed: StackOutputs }).Wirefeed;
    const site = outputs.SiteUrl.replace(/\/$/, '');
    expect(site).toMatch(/^https:\/\/d[a-z0-9]+\.cloudfront\.net$/);
    expect(outputs.RssFeedUrl).toBe(`${site}/feed.xml`);
    expect(outputs.AtomFeedUrl).toBe(`${site}/atom.xml`);
    expect(outputs.JsonFeedUrl).toBe(`${site}/feed.json`);
    expect(outputs.PublishQueueName).toMatch(/\.fifo$/);
    expect(outputs.PublishDeadLetterQueueName).toMatch(/\.fifo$/);
    expect(outputs.HubUrl).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com\/hub$/);
  });

  step('uploads content/, turns on EventBridge notifications, and publishes the site from that upload', async () => {
    const articles = await readdir(join(ROOT, 'content', 'articles'));
    const uploaded = (await s3.send(new ListObjectsV2Command({ Bucket: outputs.ContentBucketName }))).Contents ?? [];
    expect(uploaded.map((object) => object.Key).sort()).toEqual(
      ['site.json', ...articles.map((name) => `articles/${name}`)].sort(),
    );

    // Only S3's EventBridge notifications, which a custom resource turns on, can have started this publish.
    const pages = articles.map((name) => `articles/${name.replace(/\.[a-z]+$/, '')}.html`);
    await waitFor('the first publish', async () => {
      const keys = await siteKeys();
      return ['feed.xml', 'atom.xml', 'feed.json', 'index.html', ...pages].every((key) => keys.includes(key))
        ? true
        : undefined;
    });
    const feed = JSON.parse((await siteText('feed.json')) ?? '{}') as {
      items: { url: string }[];
      home_page_url: string;
    };
    expect(feed.items).toHaveLength(articles.length);
    // The CloudFront URL from the stack, not site.json's local siteUrl, is the base of every link.
    expect(feed.home_page_url.replace(/\/$/, '')).toBe(outputs.SiteUrl.replace(/\/$/, ''));
    await waitFor('the queues to drain after the first publish', queuesIdle);
  });

  step(
    'publishes an uploaded article and signs article.published, retried with the same webhook-id after a 500',
    async () => {
      const added = await wirefeed(
        'subscribers',
        'add',
        receiver.url,
        '--events',
        'article.published,article.deleted',
        '--state',
        `s3://${outputs.StateBucketName}`,
        '--allow-private-targets',
        '--json',
      );
      expect(added.code, added.output).toBe(0);
      const { secret } = JSON.parse(added.output.trim().split('\n').at(-1) ?? '{}') as { secret: string };
      receiver.secrets = [secret];

      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.ContentBucketName,
          Key: `articles/${articleId}.md`,
          ContentType: 'text/markdown',
          Body: `---\ntitle: ${articleTitle}\ndate: 2026-11-30T08:00:00Z\nauthor: Port Desk\n---\nThe harbour reopened at dawn after three days of storms.\n\nFerries resume on Monday.\n`,
        }),
      );

      // One publish writes the page and the three feeds, not all at the same instant: wait for all four.
      const published = ['feed.xml', 'atom.xml', 'feed.json', `articles/${articleId}.html`];
      await waitFor('the page and the three feeds', async () => {
        const texts = await Promise.all(published.map((key) => siteText(key).catch(() => '')));
        return texts.every((text) => text?.includes(articleTitle)) ? true : undefined;
      });
      const [first, retry] = await waitFor('the retried article.published', async () => {
        const seen = webhooks('article.published');
        return seen.length >= 2 ? seen : undefined;
      });
      expect(first?.status).toBe(500);
      expect(retry?.status).toBe(204);
      expect(retry?.webhookId).toBe(first?.webhookId);
      expect(first?.verifiedBy).toEqual([0]);
      expect(retry?.verifiedBy).toEqual([0]);
      expect(retry?.headers['user-agent']).toBe(USER_AGENT);
      const body = JSON.parse(retry?.body ?? '{}') as WebhookBody;
      expect(body.data).toMatchObject({ id: articleId, title: articleTitle });
      expect(body.data.url).toBe(`${outputs.SiteUrl.replace(/\/$/, '')}/articles/${articleId}.html`);
      await waitFor('the queues to drain after the delivery', queuesIdle);
      expect(webhooks('article.published')).toHaveLength(2);
    },
  );

  step('publishes article.deleted and removes the page when the article is deleted', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.ContentBucketName, Key: `articles/${articleId}.md` }));
    const [deleted] = await waitFor('article.deleted', async () => {
      const seen = webhooks('article.deleted');
      return seen.length > 0 ? seen : undefined;
    });
    expect(deleted?.status).toBe(204);
    expect(deleted?.verifiedBy).toEqual([0]);
    expect(await siteKeys()).not.toContain(`articles/${articleId}.html`);
    for (const feed of ['feed.xml', 'atom.xml', 'feed.json'])
      expect(await siteText(feed), feed).not.toContain(articleTitle);
  });

  step(
    'serves the built-in WebSub hub: a subscription verified through the DeliveryQueue, then a distribution',
    async () => {
      // Turning the hub on in site.json republishes the feeds with the stack's hub URL advertised.
      const site = JSON.parse(await readFile(join(ROOT, 'content', 'site.json'), 'utf8')) as object;
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.ContentBucketName,
          Key: 'site.json',
          Body: JSON.stringify({ ...site, hub: { enabled: true } }),
        }),
      );
      await waitFor('the hub advertised in the feeds', async () =>
        (await siteText('atom.xml'))?.includes(`<link rel="hub" href="${outputs.HubUrl}"/>`) ? true : undefined,
      );

      // Nothing listens at the API's endpoint here (stubbed): HubFunction is invoked with the event the API sends.
      // moto routes a request by the service in its credential scope and checks no signature.
      const lambda = (path: string, init: RequestInit = {}) =>
        fetch(`${emulator.url}/2015-03-31/functions/${path}`, {
          ...init,
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=emulator/20260101/${EMULATOR_REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
          },
        });
      const functions = (await (await lambda('')).json()) as {
        Functions: { FunctionName: string }[];
      };
      const hubFunction = functions.Functions.find((fn) => fn.FunctionName.includes('HubFunction'))?.FunctionName;
      expect(hubFunction).toBeDefined();
      const form = new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.topic': outputs.RssFeedUrl,
        'hub.callback': hubSubscriber.url,
        'hub.secret': 'deployed secret',
      });
      const event = {
        version: '2.0',
        routeKey: 'POST /hub',
        rawPath: '/hub',
        rawQueryString: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requestContext: { http: { method: 'POST', path: '/hub', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9' } },
        body: form.toString(),
        isBase64Encoded: false,
      };
      const invoked = await lambda(`${hubFunction}/invocations`, { method: 'POST', body: JSON.stringify(event) });
      const answer = (await invoked.json()) as { statusCode: number; body: string };
      expect(answer.statusCode, answer.body).toBe(202);
      await waitFor('the verification of intent', async () =>
        hubSubscriber.gets('subscribe').length > 0 ? true : undefined,
      );
      await waitFor('the verified subscription', async () => {
        const listed = await s3.send(
          new ListObjectsV2Command({ Bucket: outputs.StateBucketName, Prefix: 'websub/subscriptions/' }),
        );
        return (listed.Contents ?? []).length === 1 ? true : undefined;
      });

      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.ContentBucketName,
          Key: 'articles/hub-news.md',
          Body: '---\ntitle: Hub news arrives\n---\n\nDistributed to the subscriber.\n',
        }),
      );
      const [distribution] = await waitFor('the distribution', async () => {
        const posts = hubSubscriber.posts().filter((post) => post.body.toString('utf8').includes('Hub news arrives'));
        return posts.length > 0 ? posts : undefined;
      });
      const feed = await s3.send(new GetObjectCommand({ Bucket: outputs.SiteBucketName, Key: 'feed.xml' }));
      const bytes = Buffer.from((await feed.Body?.transformToByteArray()) ?? []);
      expect(distribution?.body.equals(bytes)).toBe(true);
      expect(distribution?.headers.link).toBe(`<${outputs.HubUrl}>; rel="hub", <${outputs.RssFeedUrl}>; rel="self"`);
      expect(distribution?.headers['x-hub-signature']).toBe(
        `sha256=${createHmac('sha256', 'deployed secret').update(bytes).digest('hex')}`,
      );
    },
  );

  step('leaves every queue empty, the dead-letter queues included', async () => {
    await waitFor('the queues to drain', queuesIdle);
    expect(Object.values(await queueDepths())).toEqual([0, 0, 0, 0]);
  });

  step('reports no changes on a second `npx cdk deploy`', async () => {
    const again = await cdk('deploy', '--require-approval', 'never', '--output', join(dir, 'cdk.out'));
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/Wirefeed \(no changes\)/);
  });
});
