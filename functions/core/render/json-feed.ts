/** JSON Feed 1.1 (`feed.json`), written directly: `feed` 6 only produces version 1.0 (`author`, no `language`). */
import type { Site } from '../article.ts';
import type { FeedDocument } from '../feeds.ts';
import { authorsOf, clean, type FeedItem, termsOf, toUtcIso } from './entries.ts';
import type { LeadMedia } from './media.ts';

export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

interface JsonFeedAuthor {
  name: string;
  url?: string;
}

function jsonAuthor(author: Site['author']): JsonFeedAuthor {
  return { name: clean(author.name), ...(author.url === undefined ? {} : { url: clean(author.url) }) };
}

/** JSON Feed 1.1 `attachments` need a media type; the size and title are optional. */
function attachmentsOf(media: LeadMedia | null): object {
  if (media?.type == null) return {};
  const attachment = {
    url: clean(media.url),
    mime_type: clean(media.type),
    ...(media.title === undefined ? {} : { title: clean(media.title) }),
    ...(media.length === null ? {} : { size_in_bytes: media.length }),
  };
  return { attachments: [attachment] };
}

/**
 * JSON Feed 1.1 document for `entries`, which must already be sorted and limited: a collection's current document or
 * one of its archive pages (`next_url` names the next older one). Only 1.1 fields: `authors` (never the deprecated
 * `author`), `language`, `hubs` when the site has any. Deterministic: no clock is read.
 */
export function renderJsonFeed(site: Site, doc: FeedDocument, entries: readonly FeedItem[]): string {
  const feed = {
    version: JSON_FEED_VERSION,
    title: clean(doc.title),
    home_page_url: doc.home,
    feed_url: doc.self.json,
    ...(doc.older === null ? {} : { next_url: doc.older.json }),
    ...(doc.description === '' ? {} : { description: clean(doc.description) }),
    language: clean(site.language),
    authors: [jsonAuthor(site.author)],
    ...(site.hubs.length === 0 ? {} : { hubs: site.hubs.map((url) => ({ type: 'WebSub', url: clean(url) })) }),
    items: entries.map(({ entry, url, id, contentHtml, media }) => {
      const { article } = entry;
      const tags = termsOf(entry);
      return {
        id,
        url,
        ...(article.canonicalUrl == null ? {} : { external_url: clean(article.canonicalUrl) }),
        title: clean(article.title),
        content_html: contentHtml,
        summary: clean(article.summary),
        ...(media === null ? {} : { image: clean(media.url) }),
        date_published: toUtcIso(entry.published),
        date_modified: toUtcIso(entry.updated),
        authors: authorsOf(site, entry).map(jsonAuthor),
        ...(tags.length === 0 ? {} : { tags }),
        ...(article.lang == null ? {} : { language: clean(article.lang) }),
        ...attachmentsOf(media),
      };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
