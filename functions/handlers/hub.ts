/**
 * HubFunction: the built-in WebSub hub behind its HTTP API (`POST /hub`, payload format 2.0). The endpoint takes
 * unauthenticated requests because a hub is public by definition: any feed reader on the internet subscribes without
 * an account. What keeps that safe is what the hub accepts, not who may call it: the API stage's rate limit for
 * everyone together; here, a body of at most 16 KiB, form-encoded, topics limited to this site's feeds, callbacks
 * through the SSRF guard, a rate per caller address and per instance; and nothing happens before the subscriber
 * confirms the challenge, which goes out through the DeliveryQueue (its concurrency cap, its retries, its DLQ), never
 * from here.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createS3Client, S3Store } from '../adapters/s3-store.ts';
import { SqsQueue } from '../adapters/sqs-queue.ts';
import type { Site } from '../core/article.ts';
import { systemClock } from '../core/ports.ts';
import { RateLimiter } from '../core/rate-limit.ts';
import { MAX_HUB_REQUEST_BYTES } from '../core/websub/hub-request.ts';
import { loadSite } from '../pipeline/site.ts';
import { type HubHttpResponse, handleHubRequest } from '../pipeline/websub/hub.ts';
import { loadHubConfig } from './config.ts';
import { describeError, logJson } from './log.ts';

const config = loadHubConfig(process.env);
const s3 = createS3Client(process.env);
const content = new S3Store({ client: s3, bucket: config.contentBucket });
const state = new S3Store({ client: s3, bucket: config.stateBucket });
const queue = new SqsQueue({ client: new SQSClient({}), queueUrl: config.deliveryQueueUrl });

/** Requests per second one instance accepts from everyone together, and from one address. */
export const INSTANCE_LIMIT = { perSecond: 20, burst: 40 } as const;
export const CALLER_LIMIT = { perSecond: 0.2, burst: 10 } as const;
const everyone = new RateLimiter(INSTANCE_LIMIT, 1);
const callers = new RateLimiter(CALLER_LIMIT);

/** site.json is read at most every 30 seconds: an edit (turning the hub on or off) shows within that. */
const SITE_TTL_MS = 30_000;
let cachedSite: { site: Site; at: number } | null = null;

async function currentSite(now: number): Promise<Site> {
  if (cachedSite === null || now - cachedSite.at > SITE_TTL_MS) {
    cachedSite = { site: await loadSite(content, config.siteUrl), at: now };
  }
  return cachedSite.site;
}

function toResult(answer: HubHttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body };
}

function plain(
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: `${body}\n` };
}

export async function handler(
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const now = Date.now();
  const caller = event.requestContext.http.sourceIp;
  const fields = { requestId: context?.awsRequestId, method: event.requestContext.http.method, caller };
  for (const decision of [everyone.take('all', now), callers.take(caller, now)]) {
    if (!decision.allowed) {
      logJson('WARN', 'hub request throttled', fields);
      return plain(429, 'too many requests: try again later', { 'retry-after': String(decision.retryAfterSeconds) });
    }
  }
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > MAX_HUB_REQUEST_BYTES) return plain(413, `the request body is over ${MAX_HUB_REQUEST_BYTES} bytes`);
  try {
    const answer = await handleHubRequest(
      { method: event.requestContext.http.method, contentType: event.headers['content-type'], body },
      {
        site: await currentSite(now),
        state,
        queue,
        clock: systemClock,
        allowPrivateTargets: config.allowPrivateTargets,
      },
    );
    logJson(answer.status < 400 ? 'INFO' : 'WARN', 'hub request', { ...fields, status: answer.status });
    return toResult(answer);
  } catch (error) {
    logJson('ERROR', 'hub request failed', { ...fields, ...describeError(error) });
    return plain(503, 'the hub cannot take requests right now: try again later', { 'retry-after': '60' });
  }
}
