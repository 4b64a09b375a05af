/**
 * The built-in hub's records: a subscription (one per topic and callback) and a subscription request waiting for its
 * verification of intent. Ids, validation of stored records, and leases. Pure.
 */
import { createHash } from 'node:crypto';
import { InvalidRecordError } from '../errors.ts';

/** A verified subscription: the hub distributes `topic` to `callback` until `expires`. */
export interface HubSubscription {
  /** `ws_` + a hash of (topic, callback): a re-subscription of the same pair replaces it. */
  readonly id: string;
  readonly topic: string;
  /** The callback exactly as the subscriber gave it (its query string is kept byte for byte). */
  readonly callback: string;
  /** `hub.secret`, when the subscriber gave one: distributions then carry `X-Hub-Signature`. */
  readonly secret?: string;
  readonly leaseSeconds: number;
  /** ISO 8601: when the pair was first verified. */
  readonly created: string;
  /** ISO 8601: when it was last verified (the lease counts from there). */
  readonly verified: string;
  /** ISO 8601: the end of the lease; nothing is distributed from then on. */
  readonly expires: string;
}

export type HubMode = 'subscribe' | 'unsubscribe';

/** A subscription request the hub accepted (202) and will verify; kept until its verification is settled. */
export interface HubRequest {
  /** `wsr_` + random: one per request, so two requests for the same pair are verified separately. */
  readonly id: string;
  readonly mode: HubMode;
  readonly topic: string;
  readonly callback: string;
  /** The lease the hub grants (the request's, clamped to the site's bounds); sent as `hub.lease_seconds`. */
  readonly leaseSeconds: number;
  readonly secret?: string;
  /** ISO 8601. */
  readonly received: string;
}

/** The last distribution attempt of a subscription, for `wirefeed hub subscriptions`. */
export interface DistributionStatus {
  /** ISO 8601 time of the attempt. */
  readonly time: string;
  readonly status: number | null;
  /** `delivered`, `retry`, `dead` or `dropped`. */
  readonly outcome: string;
  readonly error?: string;
}

/** The id of the subscription of (topic, callback); length-prefixed so no choice of characters makes two collide. */
export function subscriptionId(topic: string, callback: string): string {
  const digest = createHash('sha256').update(`${topic.length}:${topic}:${callback}`, 'utf8').digest('hex');
  return `ws_${digest.slice(0, 32)}`;
}

const SUBSCRIPTION_ID = /^ws_[0-9a-f]{32}$/;
const REQUEST_ID = /^wsr_[0-9A-Za-z_-]{16,64}$/;

export function isSubscriptionId(id: string): boolean {
  return SUBSCRIPTION_ID.test(id);
}

export function isRequestId(id: string): boolean {
  return REQUEST_ID.test(id);
}

/** True while the lease runs: distributions go out only then. */
export function isLive(subscription: Pick<HubSubscription, 'expires'>, now: Date): boolean {
  return Date.parse(subscription.expires) > now.getTime();
}

/** The subscription a verified `subscribe` request makes: the lease counts from the verification request. */
export function subscriptionFrom(
  request: HubRequest,
  verifiedAt: Date,
  previous: HubSubscription | null,
): HubSubscription {
  return {
    id: subscriptionId(request.topic, request.callback),
    topic: request.topic,
    callback: request.callback,
    // A re-subscription without a secret drops the old one: the latest verified request says how to sign.
    ...(request.secret === undefined ? {} : { secret: request.secret }),
    leaseSeconds: request.leaseSeconds,
    created: previous?.created ?? verifiedAt.toISOString(),
    verified: verifiedAt.toISOString(),
    expires: new Date(verifiedAt.getTime() + request.leaseSeconds * 1000).toISOString(),
  };
}

type Check = (record: Record<string, unknown>) => string | null;

const isIso = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const text =
  (key: string): Check =>
  (r) =>
    typeof r[key] === 'string' && r[key] !== '' ? null : `"${key}" missing`;
const iso =
  (key: string): Check =>
  (r) =>
    isIso(r[key]) ? null : `"${key}" is not an ISO 8601 time`;
const seconds: Check = (r) =>
  typeof r.leaseSeconds === 'number' && Number.isInteger(r.leaseSeconds) && r.leaseSeconds > 0
    ? null
    : '"leaseSeconds" is not a positive whole number';
const optionalSecret: Check = (r) =>
  r.secret === undefined || (typeof r.secret === 'string' && r.secret !== '') ? null : '"secret" is not a string';

function validate(value: unknown, location: string, what: string, checks: readonly Check[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRecordError(`${location}: ${what} is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  const problems = checks.map((check) => check(record)).filter((problem) => problem !== null);
  if (problems.length > 0) throw new InvalidRecordError(`${location}: ${what} is damaged: ${problems.join(', ')}`);
  return record;
}

/**
 * A stored subscription, checked field by field; its id must be the one its topic and callback give.
 * @throws InvalidRecordError naming `location` and what is wrong.
 */
export function parseSubscription(value: unknown, location: string): HubSubscription {
  const record = validate(value, location, 'hub subscription', [
    text('id'),
    text('topic'),
    text('callback'),
    optionalSecret,
    seconds,
    iso('created'),
    iso('verified'),
    iso('expires'),
  ]);
  const subscription = record as unknown as HubSubscription;
  if (subscription.id !== subscriptionId(subscription.topic, subscription.callback)) {
    throw new InvalidRecordError(
      `${location}: hub subscription is damaged: "id" does not match its topic and callback`,
    );
  }
  return subscription;
}

/** A stored subscription request. @throws InvalidRecordError naming `location` and what is wrong. */
export function parseHubRequest(value: unknown, location: string): HubRequest {
  const record = validate(value, location, 'hub subscription request', [
    text('id'),
    (r) => (r.mode === 'subscribe' || r.mode === 'unsubscribe' ? null : '"mode" is not subscribe or unsubscribe'),
    text('topic'),
    text('callback'),
    optionalSecret,
    seconds,
    iso('received'),
  ]);
  return record as unknown as HubRequest;
}
