/**
 * WebSub topics: the site's own feed URLs, the only topics its hub serves and its pings name. Every topic check goes
 * through `siteFeeds`, so a longer list of feeds (per topic, archives) reaches the hub by changing this one function.
 * Pure.
 */
import type { Site } from '../article.ts';
import { currentFeedPath, FEED_FORMATS } from '../feeds.ts';

/** One feed of the site as a WebSub topic: its public URL and its key under the output root. */
export interface SiteFeed {
  readonly url: string;
  readonly path: string;
}

/** The site's feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, at the URLs the feeds name as their own (`rel="self"`). */
export function siteFeeds(site: Pick<Site, 'siteUrl'>): SiteFeed[] {
  // The site's current documents, from the feed registry (core/feeds.ts).
  return FEED_FORMATS.map((format) => {
    const path = currentFeedPath('', format);
    return { url: `${site.siteUrl}/${path}`, path };
  });
}

/** The URL as the URL standard serializes it (percent-encoding of unreserved characters decoded), or null. */
function canonicalUrl(text: string): string | null {
  try {
    return new URL(text).href;
  } catch {
    return null;
  }
}

/**
 * The feed a `hub.topic` names, or undefined when it names none of them. Spellings the URL standard treats as the
 * same URL (`HTTPS://News.Example.com/feed.xml`, `%7E` for `~`) name the same feed.
 */
export function findTopic(topic: string, feeds: readonly SiteFeed[]): SiteFeed | undefined {
  const wanted = canonicalUrl(topic);
  if (wanted === null) return undefined;
  return feeds.find((feed) => canonicalUrl(feed.url) === wanted);
}

/**
 * The URLs of the feeds whose bytes differ between two renders, given the sha256 of each feed file by output path
 * (a feed absent from one side counts as changed when present on the other).
 */
export function changedFeedUrls(
  feeds: readonly SiteFeed[],
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): string[] {
  return feeds.filter((feed) => before[feed.path] !== after[feed.path]).map((feed) => feed.url);
}
