/** JSON Feed 1.1 (`feed.json`), written directly: `feed` 6 only produces version 1.0 (`author`, no `language`). */
import { articleUrl, type FeedEntry, feedUrls, type Site } from '../article.ts';
import { authorsOf, clean, renderContentHtml, termsOf, toUtcIso } from './entries.ts';

export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

interface JsonFeedAuthor {
  name: string;
  url?: string;
}

function jsonAuthor(author: Site['author']): JsonFeedAuthor {
  return { name: clean(author.name), ...(author.url === undefined ? {} : { url: clean(author.url) }) };
}

/**
 * JSON Feed 1.1 document for `entries`, which must already be sorted and limited. Only 1.1 fields: `authors`
 * (never the deprecated `author`), `language`, `hubs` when the site has any. Deterministic: no clock is read.
 */
export function renderJsonFeed(site: Site, entries: readonly FeedEntry[]): string {
  const urls = feedUrls(site);
  const feed = {
    version: JSON_FEED_VERSION,
    title: clean(site.title),
    home_page_url: urls.home,
    feed_url: urls.json,
    ...(site.description === '' ? {} : { description: clean(site.description) }),
    language: clean(site.language),
    authors: [jsonAuthor(site.author)],
    ...(site.hubs.length === 0 ? {} : { hubs: site.hubs.map((url) => ({ type: 'WebSub', url: clean(url) })) }),
    items: entries.map((entry) => {
      const { article } = entry;
      const url = articleUrl(site, article.id);
      const tags = termsOf(entry);
      return {
        id: url,
        url,
        title: clean(article.title),
        content_html: renderContentHtml(entry),
        summary: clean(article.summary),
        date_published: toUtcIso(entry.published),
        date_modified: toUtcIso(entry.updated),
        authors: authorsOf(site, entry).map(jsonAuthor),
        ...(tags.length === 0 ? {} : { tags }),
      };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
