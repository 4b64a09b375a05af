/** Change events from the difference between two published states. Pure. */
import { createHash } from 'node:crypto';
import type { ArticleEventData, FeedUrls, WebhookEvent } from './events.ts';
import type { ArticleRecord } from './manifest.ts';

/**
 * Stable event id from (type, subject, content hash): a retried build that sees the same change
 * produces the same id, so receivers can de-duplicate on `webhook-id`.
 */
export function eventId(type: string, subject: string, contentHash: string): string {
  return `evt_${createHash('sha256').update(`${type}\n${subject}\n${contentHash}`).digest('hex').slice(0, 32)}`;
}

function articleData(record: ArticleRecord, url: string, feeds: FeedUrls): ArticleEventData {
  return {
    id: record.id,
    title: record.title,
    summary: record.summary,
    url,
    published: record.published,
    updated: record.updated,
    authors: record.authors,
    category: record.category,
    feeds,
  };
}

export interface DiffContext {
  readonly feeds: FeedUrls;
  readonly articleUrl: (id: string) => string;
  /** ISO 8601 time of the build, carried as the event's `timestamp`. */
  readonly timestamp: string;
  /** Hashes of the feed files after the build, when any feed file changed; null when none changed. */
  readonly feedFilesHash: string | null;
}

/**
 * Events for the change from `previous` to `next` articles: `article.published` (new id),
 * `article.updated` (content hash changed), `article.deleted` (id gone), in id order per type,
 * then one `feed.updated` when any feed file changed.
 */
export function diffArticles(
  previous: Readonly<Record<string, ArticleRecord>>,
  next: Readonly<Record<string, ArticleRecord>>,
  context: DiffContext,
): WebhookEvent[] {
  const published: WebhookEvent[] = [];
  const updated: WebhookEvent[] = [];
  const deleted: WebhookEvent[] = [];
  for (const id of Object.keys(next).sort()) {
    const now = next[id] as ArticleRecord;
    const before = previous[id];
    if (before?.contentHash === now.contentHash) continue;
    const type = before === undefined ? 'article.published' : 'article.updated';
    (before === undefined ? published : updated).push({
      id: eventId(type, id, now.contentHash),
      type,
      timestamp: context.timestamp,
      data: articleData(now, context.articleUrl(id), context.feeds),
    });
  }
  for (const id of Object.keys(previous).sort()) {
    if (id in next) continue;
    const before = previous[id] as ArticleRecord;
    deleted.push({
      id: eventId('article.deleted', id, before.contentHash),
      type: 'article.deleted',
      timestamp: context.timestamp,
      data: articleData(before, context.articleUrl(id), context.feeds),
    });
  }
  const events = [...published, ...updated, ...deleted];
  if (context.feedFilesHash !== null) {
    const ids = (list: WebhookEvent[]) => list.map((e) => (e.data as ArticleEventData).id);
    events.push({
      id: eventId('feed.updated', 'feeds', context.feedFilesHash),
      type: 'feed.updated',
      timestamp: context.timestamp,
      data: { feeds: context.feeds, published: ids(published), updated: ids(updated), deleted: ids(deleted) },
    });
  }
  return events;
}
