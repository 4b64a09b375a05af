/** Subscribers and delivery jobs, and the ports delivery runs through: the queue and the webhook sender. */
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
  readonly outcome: 'delivered' | 'retry' | 'dead' | 'dropped';
}
