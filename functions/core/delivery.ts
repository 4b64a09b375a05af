/** Subscribers, delivery jobs and the ports delivery runs through: the queue, the job ledger, the webhook sender. */
import type { EventType, WebhookEvent } from './events.ts';

export interface SubscriberSecret {
  /** `whsec_` + base64 of 32 random bytes. */
  readonly secret: string;
  /** ISO 8601; a previous secret keeps signing until then (rotation). Absent for the current secret. */
  readonly expires?: string;
}

export interface Subscriber {
  readonly id: string;
  readonly url: string;
  /** Event types this subscriber receives; empty means all. */
  readonly events: readonly EventType[];
  /** Current secret first, then previous ones still valid during rotation. */
  readonly secrets: readonly SubscriberSecret[];
  readonly status: 'active' | 'disabled';
  readonly disabledReason?: string;
  readonly created: string;
}

/** One (event, subscriber) delivery. `id` is derived from both, so enqueueing it twice is harmless. */
export interface DeliveryJob {
  readonly id: string;
  readonly subscriberId: string;
  readonly event: WebhookEvent;
  /** Attempts made so far (0 before the first). */
  readonly attempts: number;
  /** ISO 8601: not to be attempted before this time. */
  readonly notBefore: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string;
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
  /** The subscriber is disabled (it answered 410 Gone); replay once it is re-enabled. */
  | 'disabled'
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
  /** Nothing left to deliver to: the subscriber was removed. */
  | { readonly kind: 'dropped'; readonly reason: 'removed'; readonly error: string };

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
}

/** Sends one signed webhook request. Never throws for a failed attempt: the result says what happened. */
export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
}

/** One delivery attempt as recorded in the attempt log. Never carries a secret. */
export interface DeliveryAttempt {
  readonly jobId: string;
  readonly eventId: string;
  readonly eventType: string;
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
  readonly reason?: DeadLetterReason | 'removed';
}
