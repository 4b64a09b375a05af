/** From change events to delivery jobs: one per (event, subscriber whose filter matches). */
import { createHash } from 'node:crypto';
import type { Subscriber, WebhookJob } from './delivery.ts';
import { filterMatches, isOperationalEvent, type WebhookEvent } from './events.ts';
import { parseTopicFilter } from './topics.ts';

/** A stable job id: the same (event, subscriber) always maps to the same job, so re-enqueueing is harmless. */
export function deliveryJobId(eventId: string, subscriberId: string): string {
  // Length-prefixed so that no choice of separator inside an id can make two pairs collide.
  const digest = createHash('sha256').update(`${eventId.length}:${eventId}:${subscriberId}`, 'utf8').digest('hex');
  return `job_${digest.slice(0, 32)}`;
}

/**
 * True when the subscriber's filter takes this event type: an empty filter means every content event; an entry is a
 * type or a wildcard (`article.*`); an operational event (`endpoint.disabled`) only when named (no wildcard covers one). The subscriber's status does not matter here: see `fanOut`.
 */
export function subscriberWants(subscriber: Subscriber, event: WebhookEvent): boolean {
  const named = subscriber.events.some((filter) => filterMatches(filter, event.type));
  if (isOperationalEvent(event.type)) return named;
  if (subscriber.events.length > 0 && !named) return false;
  return inTopics(subscriber.topics ?? [], event);
}

/**
 * A topic filter (`tag:markets`) takes the article events of articles in those topics — including the
 * `article.updated` that takes an article out of one (its `leftTopics`), after which the article's events stop — and
 * the `feed.updated` that names one of their feed documents. No filter takes everything.
 */
function inTopics(topics: readonly string[], event: WebhookEvent): boolean {
  if (topics.length === 0) return true;
  if (event.type === 'feed.updated') {
    const paths = parseTopicFilter(topics.join(',')).map((id) => `/${id}/`);
    return (event.data.changedFeeds ?? []).some((url) => paths.some((path) => new URL(url).pathname.startsWith(path)));
  }
  if (event.type === 'article.published' || event.type === 'article.updated' || event.type === 'article.deleted') {
    const terms = [...(event.data.topics ?? []), ...(event.data.leftTopics ?? [])];
    return terms.some((term) => topics.includes(term));
  }
  return true;
}

/**
 * Delivery jobs for a batch of events: one per subscriber whose filter matches each event, due `now`.
 * Paused and disabled subscribers get their jobs too: delivery dead-letters them at once, unsent (reason `paused` or
 * `disabled`), so that resuming or re-enabling replays every event they missed, each with its webhook-id.
 * `endpoint.test` events are addressed to one subscriber by `wirefeed subscribers test` and never fanned out.
 */
export function fanOut(events: readonly WebhookEvent[], subscribers: readonly Subscriber[], now: Date): WebhookJob[] {
  const notBefore = now.toISOString();
  const jobs: WebhookJob[] = [];
  for (const event of events) {
    if (event.type === 'endpoint.test') continue;
    for (const subscriber of subscribers) {
      if (!subscriberWants(subscriber, event)) continue;
      jobs.push({
        id: deliveryJobId(event.id, subscriber.id),
        subscriberId: subscriber.id,
        event,
        attempts: 0,
        notBefore,
      });
    }
  }
  return jobs;
}
