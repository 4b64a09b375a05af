/**
 * Subscribers, delivery jobs (webhooks and WebSub requests) and the ports delivery runs through: the queue, the job
 * ledger, the sender.
 */
import type { EventFilter, WebhookEvent } from './events.ts';

export interface SubscriberSecret {
  /** `whsec_` + base64 of 32 random bytes. */
  readonly secret: string;
  /** ISO 8601; a previous secret keeps signing until then (rotation). Absent for the current secret. */
  readonly expires?: string;
}

/**
 * `active` receives deliveries. `paused` (by the operator) and `disabled` (a 410 Gone, or failing for the whole
 * disable period) receive none: their jobs go straight to the dead letters, with reason `paused` or `disabled`, so
 * that resuming or re-enabling can replay everything missed in the meantime.
 */
export type SubscriberStatus = 'active' | 'paused' | 'disabled';

export interface Subscriber {
  readonly id: string;
  readonly url: string;
  /**
   * Event types (or wildcards such as `article.*`) this subscriber receives; empty means every content event.
   * Operational events (`endpoint.disabled`) go only to subscribers that name them.
   */
  readonly events: readonly EventFilter[];
  /**
   * Topics this subscriber follows, in the filter language (`tag:markets`, `category:politics`, `author:ana-lima`);
   * absent or empty: every article. See `subscriberWants` (core/fan-out.ts).
   */
  readonly topics?: readonly string[];
  /** Current secret first, then previous ones still valid during rotation. */
  readonly secrets: readonly SubscriberSecret[];
  readonly status: SubscriberStatus;
  /** Why it is disabled, in words (`410 Gone at …`, `failing since …`). */
  readonly disabledReason?: string;
  /** ISO 8601: when it was disabled. */
  readonly disabledAt?: string;
  /** ISO 8601: when it was paused. */
  readonly pausedAt?: string;
  /** The operator's note: whose endpoint this is, what it is for. */
  readonly description?: string;
  readonly created: string;
}

/**
 * How a subscriber's deliveries have been going, kept apart from its record (subscriber-health/<id>.json) so that the
 * frequent writes of delivery never race with an operator's edit of the URL or secrets. Several deliveries to one
 * subscriber may run at once (Lambda concurrency): a count can then miss a failure, so it is a lower bound, and the
 * times are the ones that matter for disabling.
 */
export interface SubscriberHealth {
  readonly subscriberId: string;
  /** Failed attempts since the last success. */
  readonly consecutiveFailures: number;
  /** ISO 8601, to the minute while deliveries keep succeeding (a write at most once a minute on success). */
  readonly lastSuccess?: string;
  /** ISO 8601: the first failure of the current streak; absent when the latest attempt succeeded. */
  readonly failingSince?: string;
  /** ISO 8601: the latest failure, with its status and error. */
  readonly lastFailure?: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string;
}

/** What every queued job carries, whatever its kind: its id, its attempts and schedule, how the last attempt went. */
export interface JobProgress {
  /** Derived from what the job is for, so enqueueing it twice is harmless. */
  readonly id: string;
  /** Attempts made so far (0 before the first). */
  readonly attempts: number;
  /** ISO 8601: not to be attempted before this time. */
  readonly notBefore: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string;
}

/** One (event, subscriber) webhook delivery. `kind` is absent on jobs queued before there were other kinds. */
export interface WebhookJob extends JobProgress {
  readonly kind?: 'webhook';
  readonly subscriberId: string;
  readonly event: WebhookEvent;
}

/** WebSub publisher ping: tells a hub from site.json that `topic` changed (`hub.mode=publish`). */
export interface WebSubPingJob extends JobProgress {
  readonly kind: 'websub.ping';
  readonly hub: string;
  readonly topic: string;
  /** The feed.updated event the ping announces. */
  readonly eventId: string;
}

/**
 * The built-in hub's verification of intent of one (un)subscription request. The request itself (it may hold a
 * secret) is kept in the state under `requestId`, not in the queue.
 */
export interface WebSubVerifyJob extends JobProgress {
  readonly kind: 'websub.verify';
  readonly requestId: string;
  readonly subscriptionId: string;
  readonly mode: 'subscribe' | 'unsubscribe';
  readonly topic: string;
}

/** The built-in hub tells a subscriber that its subscription is denied (`hub.mode=denied`), with why. */
export interface WebSubDenyJob extends JobProgress {
  readonly kind: 'websub.deny';
  readonly subscriptionId: string;
  readonly topic: string;
  /** The subscription is gone by the time this is sent, so the job keeps where to send it. */
  readonly callback: string;
  readonly reason: string;
}

/**
 * The built-in hub's content distribution: the topic's bytes as they are in the output store when the attempt is
 * made (a retry sends the current document), to one subscription.
 */
export interface WebSubDistributeJob extends JobProgress {
  readonly kind: 'websub.distribute';
  readonly subscriptionId: string;
  readonly topic: string;
  /** The topic's key under the output root, e.g. `feed.xml`. */
  readonly path: string;
  /** The hub URL the distribution names in its `Link` header. */
  readonly hub: string;
  /** The feed.updated event it distributes. */
  readonly eventId: string;
}

export type WebSubJob = WebSubPingJob | WebSubVerifyJob | WebSubDenyJob | WebSubDistributeJob;

/** Anything the delivery queue holds: a webhook, or one of the WebSub requests. All are attempted and settled alike. */
export type DeliveryJob = WebhookJob | WebSubJob;

export const WEBSUB_JOB_KINDS = ['websub.ping', 'websub.verify', 'websub.deny', 'websub.distribute'] as const;

export function isWebhookJob(job: DeliveryJob): job is WebhookJob {
  return job.kind === undefined || job.kind === 'webhook';
}

/** The string fields each kind of job must have (beyond `id`), to tell a job from a message of another shape. */
const REQUIRED_FIELDS: Record<WebSubJob['kind'], readonly string[]> = {
  'websub.ping': ['hub', 'topic', 'eventId'],
  'websub.verify': ['requestId', 'subscriptionId', 'mode', 'topic'],
  'websub.deny': ['subscriptionId', 'topic', 'callback', 'reason'],
  'websub.distribute': ['subscriptionId', 'topic', 'path', 'hub', 'eventId'],
};

/**
 * A queued message's parsed JSON as a job of a kind wirefeed knows, with the fields that kind needs.
 * @throws TypeError saying what is missing.
 */
export function asDeliveryJob(value: unknown): DeliveryJob {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not a JSON object');
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string') throw new TypeError('not a delivery job: id is required');
  const kind = record.kind;
  if (kind === undefined || kind === 'webhook') {
    const event = record.event as { id?: unknown } | null | undefined;
    if (typeof record.subscriberId !== 'string' || typeof event !== 'object' || typeof event?.id !== 'string') {
      throw new TypeError('not a webhook job: id, subscriberId and event.id are required');
    }
    return value as WebhookJob;
  }
  const required = typeof kind === 'string' ? REQUIRED_FIELDS[kind as WebSubJob['kind']] : undefined;
  if (required === undefined) throw new TypeError(`not a delivery job: unknown kind ${JSON.stringify(kind)}`);
  const missing = required.filter((field) => typeof record[field] !== 'string');
  if (missing.length > 0) throw new TypeError(`not a ${kind} job: ${missing.join(', ')} required`);
  return value as WebSubJob;
}

/**
 * Who and what a job is for, for logs and listings: `party` is the subscriber id, the hub subscription id, or the
 * pinged hub's URL; `type` the event type or the WebSub job kind; `ref` the event (or subscription request) id.
 * Never a secret, never a callback URL (a callback is a capability).
 */
export function jobSummary(job: DeliveryJob): { readonly party: string; readonly type: string; readonly ref: string } {
  if (isWebhookJob(job)) return { party: job.subscriberId, type: job.event.type, ref: job.event.id };
  switch (job.kind) {
    case 'websub.ping':
      return { party: job.hub, type: job.kind, ref: job.eventId };
    case 'websub.verify':
      return { party: job.subscriptionId, type: `${job.kind} (${job.mode})`, ref: job.requestId };
    case 'websub.deny':
      return { party: job.subscriptionId, type: job.kind, ref: job.subscriptionId };
    case 'websub.distribute':
      return { party: job.subscriptionId, type: job.kind, ref: job.eventId };
  }
}

/**
 * Where delivery jobs wait: a durable outbox under the state root (local), or SQS (AWS).
 * Enqueueing a job whose id is already queued must not produce a second, different delivery.
 */
export interface DeliveryQueue {
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
}

/** Why a job was given up and moved to the dead letters, where it stays replayable. */
export type DeadLetterReason =
  /** Every attempt of the retry schedule failed. */
  | 'expired'
  /** The SSRF guard refuses the URL itself (credentials in it, the cloud metadata address, not a URL): no retry helps. */
  | 'refused'
  /**
   * The guard refuses the URL only because it is local: a loopback or private address, `http:`, a port other than
   * the default. Local development lifts this with `--allow-private-targets`.
   */
  | 'private-target'
  /** The subscriber is disabled (410 Gone, or failing for the whole disable period); replayed when it is re-enabled. */
  | 'disabled'
  /** The subscriber is paused by the operator; replayed when it is resumed. */
  | 'paused'
  /**
   * SQS moved the job to the DeliveryDLQ itself after its last receive, because no attempt finished it (the function
   * crashed or timed out every time).
   */
  | 'unfinished'
  /** A queued message that is not a delivery job at all (SQS). */
  | 'unreadable';

/** A job that was given up: the same shape in the outbox's dead letters and in the DeliveryDLQ. */
export interface DeadLetter {
  /** The job as it was last attempted: `attempts` counts that attempt; `lastStatus` and `lastError` say how it went. */
  readonly job: DeliveryJob;
  readonly reason: DeadLetterReason;
  /** ISO 8601. */
  readonly deadAt: string;
}

/** What one attempt means for its job; `settle()` (pipeline/deliver.ts) turns it into one JobLedger call. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly latencyMs: number }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly status: number | null; readonly error: string }
  | {
      readonly kind: 'dead';
      readonly reason: DeadLetterReason;
      readonly status: number | null;
      readonly error: string;
    }
  /** Nothing left to do (see DroppedReason). */
  | { readonly kind: 'dropped'; readonly reason: DroppedReason; readonly error: string };

/**
 * Why a job was completed without delivering: `removed`, nothing is left to deliver to (the subscriber, the hub
 * subscription or the topic is gone); `declined`, a WebSub callback did not confirm a verification of intent, so
 * nothing changed; `lease-expired`, the hub subscription's lease ended before the distribution.
 */
export type DroppedReason = 'removed' | 'declined' | 'lease-expired';

/**
 * Where the fate of an attempted job is recorded: the local outbox, or the SQS message the job came in. Exactly one
 * of these follows every attempt.
 */
export interface JobLedger {
  /** The job is done with: delivered, or nothing is left to deliver to. */
  complete(job: DeliveryJob): Promise<void>;
  /** Attempt the job again, not before `at`. `job` already counts the failed attempt and carries its status/error. */
  retryAt(job: DeliveryJob, at: Date): Promise<void>;
  /** Give the job up: keep it as a dead letter, with why. */
  deadLetter(letter: DeadLetter): Promise<void>;
}

/**
 * The local outbox as delivery drains it: a JobLedger that also lists what is waiting and keeps the attempt log.
 * (In AWS, SQS holds the waiting jobs and CloudWatch the log.)
 */
export interface Outbox extends JobLedger {
  /** Every waiting job, soonest first. */
  pending(): Promise<DeliveryJob[]>;
  /** Waiting jobs whose time has come. */
  due(now: Date): Promise<DeliveryJob[]>;
  recordAttempt(record: DeliveryAttempt): Promise<void>;
}

/** What one HTTP attempt came to. */
export interface SendResult {
  /** HTTP status received, or null when none was (refused, network error, timeout before headers). */
  readonly status: number | null;
  readonly latencyMs: number;
  /** Set when the attempt failed before or while reading the response. */
  readonly error?: string;
  /** From a `Retry-After` header (seconds or HTTP date), when the response carried one. */
  readonly retryAfterMs?: number;
  /** The first bytes of the response body, as text (the receiver's: print it only through `printable`). */
  readonly bodySnippet?: string;
  /**
   * The SSRF guard refused the URL itself (scheme, port, credentials, IP literal), so retrying cannot help:
   * `private-target` when local development's `allowPrivateTargets` would let it through, `unsafe` otherwise.
   */
  readonly refused?: 'unsafe' | 'private-target';
  /**
   * The host resolved to an address the SSRF guard refuses, found at connect time. Retried like a network error (the
   * name may resolve elsewhere later), and counted as an SSRF refusal.
   */
  readonly refusedAddress?: boolean;
}

/** How an outgoing request is made: a POST with a body (the default), or a GET with none (WebSub's verification). */
export interface SendOptions {
  readonly method?: 'GET' | 'POST';
}

/**
 * Sends one outgoing delivery request (a signed webhook, a WebSub ping, verification or distribution). Never throws
 * for a failed attempt: the result says what happened.
 */
export interface WebhookSender {
  send(
    url: string,
    headers: Record<string, string>,
    body: string | Uint8Array,
    options?: SendOptions,
  ): Promise<SendResult>;
}

/** One delivery attempt as recorded in the attempt log (fields as `jobSummary` gives them). Never carries a secret. */
export interface DeliveryAttempt {
  readonly jobId: string;
  /** The event id, or for a WebSub verification the subscription request's id. */
  readonly eventId: string;
  /** The event type, or the WebSub job kind. */
  readonly eventType: string;
  /** The subscriber id, the hub subscription id, or the pinged hub. */
  readonly subscriberId: string;
  /** 1 for the first try. */
  readonly attempt: number;
  /** ISO 8601 time the attempt started. */
  readonly time: string;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly error?: string;
  readonly outcome: DeliveryOutcome['kind'];
  /** Why the job was dead-lettered or dropped. */
  readonly reason?: DeadLetterReason | DroppedReason;
}

/** Which dead letters an operator means: all of them when empty; otherwise those matching every field given. */
export interface DeadLetterSelection {
  readonly jobIds?: readonly string[];
  readonly subscriberId?: string;
  /** Only letters given up at or after this time. */
  readonly since?: Date;
}

/** True when `letter` is one `selection` names. */
export function selectsDeadLetter(selection: DeadLetterSelection, letter: DeadLetter): boolean {
  if (selection.jobIds !== undefined && !selection.jobIds.includes(letter.job.id)) return false;
  if (selection.subscriberId !== undefined && jobSummary(letter.job).party !== selection.subscriberId) return false;
  if (selection.since !== undefined && !(Date.parse(letter.deadAt) >= selection.since.getTime())) return false;
  return true;
}

/** A dead-letter message that holds no delivery job (SQS): kept, listed, never replayed. */
export interface UnreadableLetter {
  readonly messageId: string;
  readonly error: string;
  /** The first bytes of the body, as it came (print it only through `printable`). */
  readonly body: string;
}

/**
 * Where given-up jobs are kept and replayed from: the local outbox's dead letters, or the DeliveryDLQ in AWS. Listing
 * never loses or consumes a letter; replaying puts the job (its event, and so its `webhook-id`, unchanged) back to
 * be delivered with a fresh schedule, and only then forgets the letter — a failure in between leaves a duplicate,
 * never a loss.
 */
export interface DeadLetterBox {
  /** Where the letters are, for messages: a state location or a queue URL. */
  readonly location: string;
  /** The letters, oldest first, and (SQS) the messages that are not delivery jobs. */
  list(selection?: DeadLetterSelection): Promise<{ letters: DeadLetter[]; unreadable: UnreadableLetter[] }>;
  /** Replays the selected letters, oldest first; returns them. A job held twice is replayed once. */
  replay(selection: DeadLetterSelection, now: Date): Promise<DeadLetter[]>;
}
