/** Change events, as computed by the pipeline and sent to webhook subscribers (Standard Webhooks body). */

export const EVENT_TYPES = [
  'article.published',
  'article.updated',
  'article.deleted',
  'feed.updated',
  'endpoint.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export interface FeedUrls {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
  readonly home: string;
}

/** `data` of article.* events: small, never the whole feed. */
export interface ArticleEventData {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly url: string;
  readonly published: string;
  readonly updated: string;
  readonly authors: readonly string[];
  readonly category: string | null;
  readonly feeds: FeedUrls;
}

/** `data` of feed.updated: which articles changed in the build. */
export interface FeedEventData {
  readonly feeds: FeedUrls;
  readonly published: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
}

export interface EndpointTestData {
  readonly subscriberId: string;
  readonly feeds: FeedUrls;
}

/** A change event. `id` is stable: derived from (article id, content hash, type), so a retried build repeats it. */
export type WebhookEvent =
  | {
      readonly id: string;
      readonly type: 'article.published' | 'article.updated' | 'article.deleted';
      readonly timestamp: string;
      readonly data: ArticleEventData;
    }
  | { readonly id: string; readonly type: 'feed.updated'; readonly timestamp: string; readonly data: FeedEventData }
  | {
      readonly id: string;
      readonly type: 'endpoint.test';
      readonly timestamp: string;
      readonly data: EndpointTestData;
    };

/** The JSON body sent to subscribers: `{type, timestamp, data}` (the id travels in `webhook-id`). */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
