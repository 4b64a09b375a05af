/** Change events from the difference between an article's state before and after a run. Pure. */
import { createHash } from 'node:crypto';
import {
  ARTICLE_FIELDS,
  type ArticleEventData,
  type ArticleField,
  type FeedUrls,
  type WebhookEvent,
} from './events.ts';
import type { RecordImage } from './records.ts';
import { topicFilterTerm, topicKindOf } from './topics.ts';

/** The topics of a record in the filter language (its topic collections), sorted. */
function topicsOfRecord(record: RecordImage & { state: 'live' }): string[] {
  return record.collections
    .filter((id) => topicKindOf(id) !== null)
    .map(topicFilterTerm)
    .sort();
}

/**
 * Stable event id from (type, subject, content hash, version): a retried or continued run that announces the same
 * change produces the same id, so receivers can de-duplicate on `webhook-id`; a restore of identical content is a
 * new version, hence a new id.
 */
export function eventId(type: string, subject: string, contentHash: string, version = 0): string {
  return `evt_${createHash('sha256').update(`${type}\n${subject}\n${contentHash}\n${version}`).digest('hex').slice(0, 32)}`;
}

export interface EventContext {
  readonly feeds: FeedUrls;
  readonly articleUrl: (id: string) => string;
  /** ISO 8601 time of the run (of the first run of a continued sequence), carried as the event's `timestamp`. */
  readonly timestamp: string;
  /** The feed URLs before, when the run moves the site to a new `siteUrl` (announced in feed.updated). */
  readonly movedFrom?: FeedUrls;
}

type LiveImage = RecordImage & { state: 'live' };

function articleData(record: LiveImage, context: EventContext, before?: LiveImage): ArticleEventData {
  const { article } = record;
  const topics = topicsOfRecord(record);
  const left = before === undefined ? [] : topicsOfRecord(before).filter((term) => !topics.includes(term));
  return {
    id: record.id,
    title: article.title,
    summary: article.summary,
    url: context.articleUrl(record.id),
    published: record.published,
    updated: record.updated,
    authors: article.authors,
    category: article.category,
    tags: article.tags ?? [],
    version: record.version,
    feeds: context.feeds,
    topics,
    ...(left.length === 0 ? {} : { leftTopics: left }),
  };
}

/**
 * The fields that differ between two versions, in ARTICLE_FIELDS order. A field is compared by its digest; an
 * image journaled by an earlier release has none, and then only its headline fields can be compared.
 */
export function changedFields(before: LiveImage, after: LiveImage): ArticleField[] {
  const headline: Partial<Record<ArticleField, unknown>> = {
    title: before.article.title,
    summary: before.article.summary,
    authors: before.article.authors,
    category: before.article.category,
    ...(before.article.tags === undefined ? {} : { tags: before.article.tags }),
  };
  const afterHeadline: Partial<Record<ArticleField, unknown>> = { ...after.article };
  return ARTICLE_FIELDS.filter((field) => {
    const was = before.fields?.[field];
    const now = after.fields?.[field];
    if (was !== undefined && now !== undefined) return was !== now;
    if (!(field in headline)) return false;
    return JSON.stringify(headline[field]) !== JSON.stringify(afterHeadline[field]);
  });
}

/** `changes` and `previous` of an `article.updated`. */
function updateData(before: LiveImage, after: LiveImage): Pick<ArticleEventData, 'changes' | 'previous'> {
  const changes = changedFields(before, after);
  return {
    changes,
    ...(changes.includes('title') ? { previous: { title: before.article.title } } : {}),
  };
}

/**
 * The event announcing an article's change from `before` to `after` (null: no record), or null when the change is
 * not announced. The version decides: a record's version grows exactly when its change is announced, so a silent
 * re-normalization (same version) announces nothing. A live record that appears, or reappears after a tombstone,
 * is `article.published`; a live record whose version grew is `article.updated`; a live record that became a
 * tombstone is `article.deleted` (with the last announced content).
 */
export function changeEvent(
  before: RecordImage | null,
  after: RecordImage | null,
  context: EventContext,
): WebhookEvent | null {
  const wasLive = before?.state === 'live';
  if (after?.state === 'live') {
    if (wasLive && after.version <= before.version) return null;
    if (!wasLive && before !== null && after.version <= before.version) return null;
    const type = wasLive ? 'article.updated' : 'article.published';
    return {
      id: eventId(type, after.id, after.contentHash, after.version),
      type,
      timestamp: context.timestamp,
      data: {
        ...articleData(after, context, wasLive ? before : undefined),
        ...(wasLive ? updateData(before, after) : {}),
      },
    };
  }
  if (!wasLive) return null;
  return {
    id: eventId('article.deleted', before.id, before.contentHash, before.version),
    type: 'article.deleted',
    timestamp: context.timestamp,
    data: articleData(before, context),
  };
}

/** Article ids announced by one run (or one continued sequence of runs), by kind. */
export interface AnnouncedIds {
  readonly published: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * The one `feed.updated` of a run whose feed files changed; its id follows the feed bytes. `changedFeeds` are the URLs
 * of the feeds whose bytes changed (the WebSub topics to announce); unknown, every feed is named.
 */
export function feedUpdatedEvent(
  ids: AnnouncedIds,
  feedFilesHash: string,
  context: EventContext,
  changedFeeds?: readonly string[],
): WebhookEvent {
  const { feeds } = context;
  return {
    id: eventId('feed.updated', 'feeds', feedFilesHash),
    type: 'feed.updated',
    timestamp: context.timestamp,
    data: {
      feeds,
      ...(context.movedFrom === undefined ? {} : { moved: { from: context.movedFrom } }),
      ...ids,
      changedFeeds: changedFeeds ?? [feeds.rss, feeds.atom, feeds.json],
    },
  };
}
