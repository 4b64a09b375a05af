/**
 * The built-in hub's front door, the same locally (`npm start` routes `POST /hub` here) and in AWS (the hub Lambda
 * behind its HTTP API): a subscription request is checked, kept in the state, and its verification of intent
 * queued on the delivery queue; the answer is 202, or a 4xx with a plain-text reason. The answer never depends on the
 * verification, which happens afterwards, through the same queue, retries and SSRF guard as every delivery.
 */
import { randomBytes } from 'node:crypto';
import type { Site } from '../../core/article.ts';
import type { DeliveryQueue, WebSubVerifyJob } from '../../core/delivery.ts';
import { HubRequestError } from '../../core/errors.ts';
import type { Clock, ObjectStore } from '../../core/ports.ts';
import { webSubJobId } from '../../core/websub/fan-out.ts';
import { notAFeed, parseHubForm, readHubForm } from '../../core/websub/hub-request.ts';
import { type HubRequest, subscriptionId } from '../../core/websub/subscription.ts';
import { HubSubscriptions } from './subscriptions.ts';
import { PublishedTopics } from './topics.ts';

/** An HTTP request as the hub needs it: whoever receives it (the dev server, the Lambda) fills this in. */
export interface HubHttpRequest {
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

export interface HubHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HubDeps {
  /** The site as published now: its feeds are the topics, its `hub` settings the lease bounds. */
  readonly site: Site;
  readonly state: ObjectStore;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
  /** Local development: callbacks on loopback or private addresses. */
  readonly allowPrivateTargets: boolean;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } as const;

function answer(status: number, body: string, headers: Record<string, string> = {}): HubHttpResponse {
  return { status, headers: { ...TEXT, ...headers }, body: `${body}\n` };
}

/**
 * Answers one request to the hub. A POST with a valid subscription request is 202 once its request is stored and its
 * verification queued; a refused one is the status and reason `parseHubForm` gives. The hub answers 404 while
 * site.json does not turn it on.
 */
export async function handleHubRequest(request: HubHttpRequest, deps: HubDeps): Promise<HubHttpResponse> {
  const { hub } = deps.site;
  if (hub === undefined) {
    return answer(404, 'this site runs no WebSub hub ("hub": {"enabled": true} in site.json turns it on)');
  }
  if (request.method !== 'POST') {
    return answer(
      405,
      `this is the WebSub hub of ${deps.site.siteUrl}: POST hub.mode=subscribe or unsubscribe, hub.topic (one of its feeds) and hub.callback`,
      { allow: 'POST' },
    );
  }
  let parsed: ReturnType<typeof parseHubForm>;
  try {
    const form = readHubForm(request.contentType, request.body);
    parsed = parseHubForm(form, {
      site: deps.site,
      lease: hub.lease,
      allowPrivateTargets: deps.allowPrivateTargets,
    });
  } catch (error) {
    if (error instanceof HubRequestError) return answer(error.status, error.reason);
    throw error;
  }
  // A subscription needs its topic published now; an unsubscription of a topic that is gone is still verified, so a
  // subscriber can always end what it started.
  if (parsed.mode === 'subscribe' && (await new PublishedTopics(deps.state, deps.site).find(parsed.topic)) === null) {
    return answer(404, notAFeed(parsed.topic, deps.site, 'is not published now (no article has that topic)'));
  }
  const received: HubRequest = {
    id: `wsr_${randomBytes(16).toString('base64url')}`,
    ...parsed,
    received: deps.clock.now().toISOString(),
  };
  const verify: WebSubVerifyJob = {
    kind: 'websub.verify',
    id: webSubJobId('websub.verify', received.id),
    requestId: received.id,
    subscriptionId: subscriptionId(received.topic, received.callback),
    mode: received.mode,
    topic: received.topic,
    attempts: 0,
    notBefore: received.received,
  };
  // The request first: a verification job always finds what it verifies.
  await new HubSubscriptions(deps.state).putRequest(received);
  await deps.queue.enqueue([verify]);
  return answer(202, `accepted: the hub will verify this ${received.mode} request at the callback`);
}
