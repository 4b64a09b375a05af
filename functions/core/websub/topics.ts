/**
 * WebSub topics: the site's own feed URLs, the only topics its hub serves and its pings name — every document the
 * feed registry (core/feeds.ts) gives a collection: the current and archive documents of the site and of each topic
 * (`tags/<slug>/feed.xml`, `archive/<n>/atom.xml`). Every topic check goes through `feedOfUrl`, which knows the
 * shape of those paths; whether such a feed is published now is the state's to say (pipeline/websub/topics.ts).
 * Pure.
 */
import type { Site } from '../article.ts';
import { currentFeedPath, FEED_FORMATS, feedFormatOfPath } from '../feeds.ts';
import { isSlug } from '../normalize/slug.ts';
import { TOPIC_KINDS } from '../topics.ts';

/** State id of the whole-site collection (the same as the collections' `SITE_COLLECTION_ID`). */
const SITE_COLLECTION = 'site';

/** One feed of the site as a WebSub topic: its public URL and its key under the output root. */
export interface SiteFeed {
  readonly url: string;
  readonly path: string;
  /** The collection that publishes it: `site`, or a topic's `<kind>/<slug>` (`tags/markets`). */
  readonly collection: string;
  /** The archive page whose document it is, or null for a current document. */
  readonly page: number | null;
}

/** The site's current documents: RSS 2.0, Atom 1.0 and JSON Feed 1.1, at the URLs they name as their own. */
export function siteFeeds(site: Pick<Site, 'siteUrl'>): SiteFeed[] {
  return FEED_FORMATS.map((format) => {
    const path = currentFeedPath('', format);
    return { url: `${site.siteUrl}/${path}`, path, collection: SITE_COLLECTION, page: null };
  });
}

/** The URL as the URL standard serializes it (percent-encoding of unreserved characters decoded), or null. */
function canonicalUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

const ARCHIVE_NUMBER = /^[1-9]\d{0,8}$/;

/**
 * The feed a URL names by the shape of its path, or null when no collection of this site could publish it:
 * `<file>` or `archive/<n>/<file>` under the site's root or under `<kind>/<slug>/` for a topic kind `site.json`
 * keeps on. Spellings the URL standard treats as the same URL (`HTTPS://News.Example.com/feed.xml`, `%7E` for `~`)
 * name the same feed; a query or fragment names none. Whether the feed is published now is not decided here.
 */
export function feedOfUrl(site: Pick<Site, 'siteUrl' | 'topics'>, url: string): SiteFeed | null {
  const wanted = canonicalUrl(url);
  const root = canonicalUrl(`${site.siteUrl}/`);
  if (wanted === null || root === null || wanted.search !== '' || wanted.hash !== '') return null;
  if (wanted.origin !== root.origin || !wanted.pathname.startsWith(root.pathname)) return null;
  const path = wanted.pathname.slice(root.pathname.length);
  if (feedFormatOfPath(path) === null) return null;
  const parts = path.split('/');
  let collection = SITE_COLLECTION;
  const kind = TOPIC_KINDS.find((k) => k.kind === parts[0]);
  if (kind !== undefined && parts.length >= 3) {
    if (site.topics?.[kind.kind] == null || !isSlug(parts[1] ?? '')) return null;
    collection = `${kind.kind}/${parts[1]}`;
    parts.splice(0, 2);
  }
  let page: number | null = null;
  if (parts.length === 3 && parts[0] === 'archive' && ARCHIVE_NUMBER.test(parts[1] ?? '')) {
    page = Number(parts[1]);
  } else if (parts.length !== 1) {
    return null;
  }
  return { url: `${site.siteUrl}/${path}`, path, collection, page };
}

/**
 * The feed among `feeds` a `hub.topic` names, or undefined when it names none of them (same spellings as
 * `feedOfUrl`).
 */
export function findTopic(topic: string, feeds: readonly SiteFeed[]): SiteFeed | undefined {
  const wanted = canonicalUrl(topic)?.href;
  if (wanted === undefined) return undefined;
  return feeds.find((feed) => canonicalUrl(feed.url)?.href === wanted);
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
