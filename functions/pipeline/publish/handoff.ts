/**
 * Handoff: the run's events, after the files they describe are written, become delivery jobs for every subscriber
 * that wants them. A subscriber record that cannot be read is reported and skipped; it never holds up the others.
 */
import type { DeliveryQueue, Subscriber, SubscriberStatus } from '../../core/delivery.ts';
import type { WebhookEvent } from '../../core/events.ts';
import { fanOut } from '../../core/fan-out.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { textOf } from './state.ts';

const SUBSCRIBER_PREFIX = 'subscribers/';
/** Every status a subscriber record can have: paused and disabled ones get their jobs too (delivery dead-letters them). */
const SUBSCRIBER_STATUSES: readonly string[] = ['active', 'paused', 'disabled'] satisfies SubscriberStatus[];

/** A state object that could not be used, and why; the run went on without it. */
export interface StateProblem {
  readonly key: string;
  readonly reason: string;
}

/** The subscribers that can be read, and the ones that cannot. */
export async function readSubscribers(
  state: ObjectStore,
): Promise<{ subscribers: Subscriber[]; problems: StateProblem[] }> {
  const subscribers: Subscriber[] = [];
  const problems: StateProblem[] = [];
  for await (const info of state.list(SUBSCRIBER_PREFIX)) {
    if (!info.key.endsWith('.json')) continue;
    const object = await state.get(info.key);
    if (object === null) continue;
    let value: Partial<Subscriber> | null;
    try {
      value = JSON.parse(textOf(object.body)) as Partial<Subscriber> | null;
    } catch {
      problems.push({ key: info.key, reason: 'subscriber record is not valid JSON (truncated or damaged); skipped' });
      continue;
    }
    const valid =
      typeof value?.id === 'string' &&
      typeof value.url === 'string' &&
      SUBSCRIBER_STATUSES.includes(String(value.status)) &&
      Array.isArray(value.events) &&
      Array.isArray(value.secrets) &&
      value.secrets.every((secret) => typeof secret?.secret === 'string');
    if (valid) subscribers.push(value as Subscriber);
    else problems.push({ key: info.key, reason: 'subscriber record is not what wirefeed writes; skipped' });
  }
  return { subscribers, problems };
}

/** Hands events to the queue as delivery jobs, one per (event, subscriber that wants it). */
export async function handOff(
  queue: DeliveryQueue,
  events: readonly WebhookEvent[],
  subscribers: readonly Subscriber[],
  now: Date,
): Promise<void> {
  if (events.length === 0 || subscribers.length === 0) return;
  const jobs = fanOut(events, subscribers, now);
  if (jobs.length > 0) await queue.enqueue(jobs);
}
