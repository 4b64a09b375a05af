/**
 * Delivery's bookkeeping of subscriber health, called by `settle()` after every attempt: the subscriber's run of
 * successes and failures, and the decision to disable it — at once on a 410 Gone, or once it has failed continuously
 * for the disable period (5 days unless configured) — telling every operator subscriber with an `endpoint.disabled`
 * event. The rules are pure (core/subscriber-health.ts); this module reads and writes them.
 */
import { createHash } from 'node:crypto';
import type { DeliveryOutcome, DeliveryQueue, Subscriber, SubscriberHealth, WebhookJob } from '../core/delivery.ts';
import { maskCredentials } from '../core/display.ts';
import type { WebhookEvent } from '../core/events.ts';
import { fanOut } from '../core/fan-out.ts';
import {
  DEFAULT_DISABLE_AFTER_MS,
  failingTooLong,
  formatPeriod,
  healthSignal,
  nextHealth,
} from '../core/subscriber-health.ts';
import type { SubscriberRepository } from './subscribers.ts';

export interface HealthPolicy {
  /** Disable a subscriber failing continuously this long; null never (410 Gone still disables). */
  readonly disableAfterMs: number | null;
  /** Where `endpoint.disabled` jobs for the operator subscribers go: the delivery queue. Without it, nobody is told. */
  readonly notify?: DeliveryQueue;
}

/** What the bookkeeping did that its caller should report. */
export type HealthNote =
  | {
      readonly kind: 'disabled';
      readonly subscriber: Subscriber;
      readonly health: SubscriberHealth;
      /** Operator subscribers an `endpoint.disabled` event was queued for. */
      readonly notified: number;
    }
  /** The bookkeeping failed (the state store was unreachable): the job itself is settled all the same. */
  | { readonly kind: 'error'; readonly subscriberId: string; readonly error: unknown };

/**
 * Keeps each subscriber's health as deliveries settle. `record` never throws: the job's fate is already recorded
 * when it runs, and a lost health update costs only accuracy (the next attempt writes again), so a failure is
 * reported as a note instead of making the job run again.
 */
export class HealthKeeper {
  readonly #subscribers: SubscriberRepository;
  readonly #policy: HealthPolicy;
  readonly #onNote: ((note: HealthNote) => void) | undefined;
  /** The last record this process read or wrote per subscriber, so steady successes cost no read at all. */
  readonly #known = new Map<string, SubscriberHealth>();

  constructor(
    subscribers: SubscriberRepository,
    policy: Partial<HealthPolicy> = {},
    onNote?: (note: HealthNote) => void,
  ) {
    this.#subscribers = subscribers;
    this.#policy = { disableAfterMs: DEFAULT_DISABLE_AFTER_MS, ...policy };
    this.#onNote = onNote;
  }

  /** Records what `outcome` says about `job`'s subscriber at `now`; disables it when the policy says so. */
  async record(job: WebhookJob, outcome: DeliveryOutcome, now: Date): Promise<HealthNote | null> {
    let note: HealthNote | null = null;
    try {
      note = await this.#record(job.subscriberId, outcome, now);
    } catch (error) {
      note = { kind: 'error', subscriberId: job.subscriberId, error };
    }
    if (note !== null) this.#onNote?.(note);
    return note;
  }

  async #record(subscriberId: string, outcome: DeliveryOutcome, now: Date): Promise<HealthNote | null> {
    const signal = healthSignal(outcome);
    if (signal.kind === 'none') return null;
    const known = this.#known.get(subscriberId);
    if (signal.kind === 'success' && known !== undefined && nextHealth(known, signal, now) === null) return null;
    // Failures always re-read: another delivery (or an operator's enable) may have changed the record meanwhile.
    const current = await this.#subscribers.health(subscriberId);
    const next = nextHealth(current, signal, now);
    this.#known.set(subscriberId, next ?? current);
    if (next === null) return null;
    await this.#subscribers.writeHealth(next);
    if (signal.kind !== 'failure') return null;

    const gone = outcome.kind === 'dead' && outcome.reason === 'disabled' && outcome.status === 410;
    if (!gone && !failingTooLong(next, now, this.#policy.disableAfterMs)) return null;
    const subscriber = await this.#subscribers.get(subscriberId);
    if (subscriber === null || subscriber.status === 'disabled') return null;
    const reason = gone
      ? `410 Gone at ${now.toISOString()}`
      : `failing since ${next.failingSince} (${next.consecutiveFailures} consecutive failures; ` +
        `disabled after ${formatPeriod(this.#policy.disableAfterMs)})`;
    const disabled = await this.#subscribers.disable(subscriberId, reason, now);
    return { kind: 'disabled', subscriber: disabled, health: next, notified: await this.#notify(disabled, next) };
  }

  /** Queues `endpoint.disabled` for every operator subscriber other than the one disabled. */
  async #notify(subscriber: Subscriber, health: SubscriberHealth): Promise<number> {
    const queue = this.#policy.notify;
    if (queue === undefined) return 0;
    const event = endpointDisabledEvent(subscriber, health);
    const operators = (await this.#subscribers.list()).filter((s) => s.id !== subscriber.id);
    const jobs = fanOut([event], operators, new Date(event.timestamp));
    await queue.enqueue(jobs);
    return jobs.length;
  }
}

/**
 * The `endpoint.disabled` event for a subscriber just disabled. Its id is derived from the subscriber and the
 * streak (or 410) that disabled it, so two deliveries deciding at once produce one event, not two.
 */
export function endpointDisabledEvent(subscriber: Subscriber, health: SubscriberHealth): WebhookEvent {
  const disabledAt = subscriber.disabledAt ?? new Date(0).toISOString();
  const cause = health.failingSince ?? disabledAt;
  const digest = createHash('sha256').update(`${subscriber.id}\n${cause}`, 'utf8').digest('hex').slice(0, 24);
  return {
    id: `evt_disabled_${digest}`,
    type: 'endpoint.disabled',
    timestamp: disabledAt,
    data: {
      subscriberId: subscriber.id,
      url: maskCredentials(subscriber.url),
      ...(subscriber.description ? { description: subscriber.description } : {}),
      reason: subscriber.disabledReason ?? 'disabled',
      disabledAt,
      ...(health.failingSince ? { failingSince: health.failingSince } : {}),
      ...(health.lastSuccess ? { lastSuccess: health.lastSuccess } : {}),
      consecutiveFailures: health.consecutiveFailures,
      ...(health.lastError ? { lastError: health.lastError } : {}),
      enableCommand: `wirefeed subscribers enable ${subscriber.id} --replay`,
    },
  };
}
