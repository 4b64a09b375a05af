/** Change events, as computed by the pipeline and sent to webhook subscribers (Standard Webhooks body). */
import type { FeedUrls } from './feeds.ts';

export type { FeedUrls } from './feeds.ts';

export const EVENT_TYPES = [
  'article.published',
  'article.updated',
  'article.deleted',
  'feed.updated',
  'endpoint.test',
  'endpoint.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Events about wirefeed's own operation, for the operator rather than for readers: delivered only to subscribers that
 * name them in their filter (`wirefeed subscribers add URL --operator`), never to one that asked for "all".
 */
export const OPERATIONAL_EVENT_TYPES: readonly EventType[] = ['endpoint.disabled'];

export function isOperationalEvent(type: EventType): boolean {
  return OPERATIONAL_EVENT_TYPES.includes(type);
}

/** Wildcards a subscriber's filter may name besides event types: `article.*` is every `article.` event. */
export const EVENT_WILDCARDS = ['article.*'] as const;

/** One entry of a subscriber's filter: an event type, or a wildcard over one group of them. */
export type EventFilter = EventType | (typeof EVENT_WILDCARDS)[number];

export function isEventFilter(value: string): value is EventFilter {
  return isEventType(value) || (EVENT_WILDCARDS as readonly string[]).includes(value);
}

/** True when the filter entry takes events of `type` (a wildcard `group.*`: every type that starts `group.`). */
export function filterMatches(filter: EventFilter, type: EventType): boolean {
  return filter === type || (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1)));
}

/**
 * The article fields `article.updated` can name in `changes`, in this order. `published` and `updated` are the
 * dates the source gives (a date the pipeline resolved itself never changes on an edit).
 */
export const ARTICLE_FIELDS = [
  'title',
  'summary',
  'keyPoints',
  'authors',
  'category',
  'tags',
  'published',
  'updated',
  'body',
  'image',
  'canonicalUrl',
  'lang',
] as const;
export type ArticleField = (typeof ARTICLE_FIELDS)[number];

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
  readonly tags: readonly string[];
  /**
   * The article's version: 1 when first published, +1 at every announced change, kept across delete and restore.
   * Events about one article are ordered by it (there is no order across articles).
   */
  readonly version: number;
  /** The topics the article is in (`tag:markets`, `category:politics`, `author:ana-lima`), sorted. */
  readonly topics?: readonly string[];
  /** For `article.updated`: the topics the change took the article out of (absent when none). */
  readonly leftTopics?: readonly string[];
  readonly feeds: FeedUrls;
  /** `article.updated` only: the fields whose content changed since the version before (ARTICLE_FIELDS order). */
  readonly changes?: readonly ArticleField[];
  /** `article.updated` only: what the previous version said, for the fields named here that changed. */
  readonly previous?: { readonly title?: string };
}

/** `data` of feed.updated: which articles changed in the build, and which feed documents. */
export interface FeedEventData {
  readonly feeds: FeedUrls;
  /**
   * Present when the site moved to a new `siteUrl` in this build: the feed URLs before. Subscribers should follow
   * `feeds`; entry ids are unchanged (the items are not new).
   */
  readonly moved?: { readonly from: FeedUrls };
  readonly published: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  /**
   * Absolute URLs of every feed document whose bytes changed (or that was removed), sorted: current and archive
   * documents, of the site and of every topic (the feed registry's paths, core/feeds.ts); the WebSub topics to
   * announce. Absent only in events recorded before the field existed, which announced every feed.
   */
  readonly changedFeeds?: readonly string[];
}

export interface EndpointTestData {
  readonly subscriberId: string;
  readonly feeds: FeedUrls;
}

/** `data` of endpoint.disabled: which subscriber stopped receiving deliveries, why, and how to bring it back. */
export interface EndpointDisabledData {
  readonly subscriberId: string;
  /** The subscriber's URL with any credentials in it masked. */
  readonly url: string;
  readonly description?: string;
  /** In words: `410 Gone at …` or `failing since … (N consecutive failures)`. */
  readonly reason: string;
  readonly disabledAt: string;
  readonly failingSince?: string;
  readonly lastSuccess?: string;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  /** The command that re-enables it and replays what it missed. */
  readonly enableCommand: string;
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
    }
  | {
      readonly id: string;
      readonly type: 'endpoint.disabled';
      readonly timestamp: string;
      readonly data: EndpointDisabledData;
    };

/** The JSON body sent to subscribers: `{type, timestamp, data}` (the id travels in `webhook-id`). */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
