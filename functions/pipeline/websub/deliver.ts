/**
 * One attempt of each WebSub job kind, through the same sender (SSRF guard at connect time, no redirects followed) and
 * the same failure rule as webhooks (`failedAttemptOutcome`); what follows the attempt is settled by `settle()`, as
 * for every job. Whatever an attempt changes in the hub's state (a verified subscription, a removal) it changes before
 * it reports, so a crash before settling repeats the attempt, which is harmless.
 */
import { randomBytes } from 'node:crypto';
import { failedAttemptOutcome, isSuccess } from '../../core/attempt-outcome.ts';
import type {
  DeliveryOutcome,
  SendResult,
  WebSubDenyJob,
  WebSubDistributeJob,
  WebSubJob,
  WebSubPingJob,
  WebSubVerifyJob,
} from '../../core/delivery.ts';
import { ConfigError } from '../../core/errors.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { contentTypeFor } from '../../core/render/content-types.ts';
import { callbackWithQuery, distributionLink, hubSignature, pingBody } from '../../core/websub/messages.ts';
import { isLive, subscriptionFrom } from '../../core/websub/subscription.ts';
import type { AttemptReport, DeliveryDeps } from '../deliver.ts';
import { HubSubscriptions } from './subscriptions.ts';

/** What WebSub jobs need besides the sender, the clock and the schedule. */
export interface WebSubDeliveryDeps {
  readonly subscriptions: HubSubscriptions;
  /** The output root, where a distribution reads its topic's bytes. Needed only to distribute. */
  readonly output?: ObjectStore;
  /** A fresh `hub.challenge` for each verification attempt (random; injectable for tests). */
  readonly challenge?: () => string;
}

/** The WebSub part of the delivery dependencies, over the state store (and the output root, to distribute). */
export function webSubDeliveryDeps(state: ObjectStore, output?: ObjectStore): WebSubDeliveryDeps {
  return { subscriptions: new HubSubscriptions(state), ...(output === undefined ? {} : { output }) };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

function randomChallenge(): string {
  return randomBytes(32).toString('base64url');
}

function websubDeps(deps: DeliveryDeps): WebSubDeliveryDeps {
  if (deps.websub === undefined)
    throw new ConfigError('WebSub jobs need the hub state: delivery was set up without it');
  return deps.websub;
}

/** Attempts one WebSub job; see each kind's function for what success means. */
export function attemptWebSub(job: WebSubJob, deps: DeliveryDeps): Promise<AttemptReport> {
  switch (job.kind) {
    case 'websub.ping':
      return attemptPing(job, deps);
    case 'websub.verify':
      return attemptVerify(job, deps);
    case 'websub.deny':
      return attemptDeny(job, deps);
    case 'websub.distribute':
      return attemptDistribute(job, deps);
  }
}

/** Builds an AttemptReport from the send result and the outcome it led to. */
function reporter(started: Date, result: SendResult | null) {
  return (outcome: DeliveryOutcome): AttemptReport => ({
    outcome,
    started,
    status: result?.status ?? null,
    latencyMs: result?.latencyMs ?? 0,
  });
}

function failure(job: WebSubJob, result: SendResult, deps: DeliveryDeps): DeliveryOutcome {
  return failedAttemptOutcome(result, job.attempts, deps.schedule, deps.random ?? Math.random);
}

/** A publisher ping to a hub from site.json: 2xx is done; anything else retries on the schedule. */
async function attemptPing(job: WebSubPingJob, deps: DeliveryDeps): Promise<AttemptReport> {
  const started = deps.clock.now();
  const result = await deps.sender.send(job.hub, FORM, pingBody(job.topic));
  const report = reporter(started, result);
  if (isSuccess(result))
    return report({ kind: 'delivered', status: result.status as number, latencyMs: result.latencyMs });
  return report(failure(job, result, deps));
}

/** True for answers a retry may change: no answer at all, a server error, or "too many requests". */
function isTransient(result: SendResult): boolean {
  return result.error !== undefined || result.status === null || result.status >= 500 || result.status === 429;
}

/**
 * Verification of intent: a GET to the callback (its own query string kept) with `hub.mode`, `hub.topic`, a fresh
 * `hub.challenge` and, to subscribe, `hub.lease_seconds`. Only a 2xx whose body is exactly the challenge verifies:
 * then the subscription is written (its lease counted from this request) or removed. A 3xx, a 4xx or a wrong body is
 * the callback declining: nothing changes, the request is dropped. No answer, 5xx or 429 retry on the schedule.
 */
async function attemptVerify(job: WebSubVerifyJob, deps: DeliveryDeps): Promise<AttemptReport> {
  const websub = websubDeps(deps);
  const started = deps.clock.now();
  const request = await websub.subscriptions.getRequest(job.requestId);
  if (request === null) {
    return reporter(
      started,
      null,
    )({ kind: 'dropped', reason: 'removed', error: 'subscription request already settled' });
  }
  const challenge = (websub.challenge ?? randomChallenge)();
  const params: Record<string, string> = {
    'hub.mode': request.mode,
    'hub.topic': request.topic,
    'hub.challenge': challenge,
    ...(request.mode === 'subscribe' ? { 'hub.lease_seconds': String(request.leaseSeconds) } : {}),
  };
  const result = await deps.sender.send(callbackWithQuery(request.callback, params), {}, '', { method: 'GET' });
  const report = reporter(started, result);
  if (isSuccess(result) && (result.bodySnippet ?? '') === challenge) {
    const previous = await websub.subscriptions.get(job.subscriptionId);
    if (request.mode === 'subscribe') await websub.subscriptions.put(subscriptionFrom(request, started, previous));
    else await websub.subscriptions.remove(job.subscriptionId);
    await websub.subscriptions.removeRequest(request.id);
    return report({ kind: 'delivered', status: result.status as number, latencyMs: result.latencyMs });
  }
  if (result.refused !== undefined || isTransient(result)) return report(failure(job, result, deps));
  await websub.subscriptions.removeRequest(request.id);
  const error = isSuccess(result)
    ? `verification declined: HTTP ${result.status} without the challenge in its body`
    : `verification declined: HTTP ${result.status}`;
  return report({ kind: 'dropped', reason: 'declined', error });
}

/** A denial (`hub.mode=denied`, `hub.topic`, `hub.reason`): any answer means the subscriber was told. */
async function attemptDeny(job: WebSubDenyJob, deps: DeliveryDeps): Promise<AttemptReport> {
  const started = deps.clock.now();
  const params = { 'hub.mode': 'denied', 'hub.topic': job.topic, 'hub.reason': job.reason };
  const result = await deps.sender.send(callbackWithQuery(job.callback, params), {}, '', { method: 'GET' });
  const report = reporter(started, result);
  if (result.refused !== undefined || result.error !== undefined || result.status === null) {
    return report(failure(job, result, deps));
  }
  return report({ kind: 'delivered', status: result.status, latencyMs: result.latencyMs });
}

/**
 * Content distribution: the topic's bytes as the output store holds them now, with its Content-Type, `Link` (hub and
 * self) and, when the subscription has a secret, `X-Hub-Signature`. 2xx delivers; 410 Gone ends the subscription;
 * anything else retries on the schedule (the subscription stays, and the next update is sent to it too). Nothing is
 * sent once the lease has ended or the subscription is gone.
 */
async function attemptDistribute(job: WebSubDistributeJob, deps: DeliveryDeps): Promise<AttemptReport> {
  const websub = websubDeps(deps);
  const started = deps.clock.now();
  const unsent = reporter(started, null);
  const subscription = await websub.subscriptions.get(job.subscriptionId);
  if (subscription === null) return unsent({ kind: 'dropped', reason: 'removed', error: 'hub subscription removed' });
  if (!isLive(subscription, started)) {
    await websub.subscriptions.removeIfExpired(subscription.id, started);
    return unsent({ kind: 'dropped', reason: 'lease-expired', error: `lease ended at ${subscription.expires}` });
  }
  if (websub.output === undefined)
    throw new ConfigError('WebSub distribution needs the output store to read topics from');
  const topic = await websub.output.get(job.path);
  if (topic === null)
    return unsent({ kind: 'dropped', reason: 'removed', error: `topic ${job.path} is not published` });

  const headers: Record<string, string> = {
    'content-type': contentTypeFor(job.path),
    link: distributionLink(job.hub, job.topic),
    ...(subscription.secret === undefined ? {} : { 'x-hub-signature': hubSignature(subscription.secret, topic.body) }),
  };
  const result = await deps.sender.send(subscription.callback, headers, topic.body);
  const report = reporter(started, result);
  let outcome: DeliveryOutcome;
  if (isSuccess(result)) {
    outcome = { kind: 'delivered', status: result.status as number, latencyMs: result.latencyMs };
  } else if (result.status === 410 && result.error === undefined) {
    await websub.subscriptions.remove(subscription.id);
    return report({
      kind: 'dropped',
      reason: 'removed',
      error: 'the callback answered 410 Gone: subscription removed',
    });
  } else {
    outcome = failure(job, result, deps);
  }
  await websub.subscriptions.recordDistribution(subscription.id, {
    time: started.toISOString(),
    status: result.status,
    outcome: outcome.kind,
    ...(outcome.kind === 'delivered' ? {} : { error: outcome.error }),
  });
  return report(outcome);
}
