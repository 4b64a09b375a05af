/**
 * The feed registry (docs/ARCHITECTURE.md, "Feed registry"): the one list of feed formats wirefeed publishes, with
 * their file names, media types and labels. Everything that names a feed — publish, the collections, the pages'
 * autodiscovery links and subscribe links, the content types, the events, the dev server's banner and the stack
 * outputs — reads it from here. Adding a format is one entry here and its renderer in `render/index.ts` (keyed by
 * the same id, which the type checker requires).
 *
 * Every collection (the whole site, each topic) publishes every format at three kinds of address, under the
 * collection's base path (`''` for the site, `tags/<slug>/` for a topic):
 * - the current document: `<base><file>` (e.g. `tags/markets/feed.xml`), the newest items with full content;
 * - one archive document per archive page: `<base>archive/<n>/<file>`, the page's items not in the current document
 *   (RFC 5005 archived feeds for RSS and Atom, `next_url` paging for JSON Feed).
 * Pure: no I/O.
 */

/** Ids of the feed formats; the renderer table and the events' `feeds` object are keyed by them. */
export type FeedFormatId = 'rss' | 'atom' | 'json';

export interface FeedFormat {
  readonly id: FeedFormatId;
  /** File name of the current document under a collection's base path, and of each archive document. */
  readonly file: string;
  /** Media type without parameters, as in autodiscovery links. */
  readonly mediaType: string;
  /** Name shown to readers ("RSS"). */
  readonly label: string;
  /** Stack output naming the site's current document (`RssFeedUrl`), and what it is. */
  readonly output: { readonly name: string; readonly description: string };
}

/** Every feed format, in the order pages list them. */
export const FEED_FORMATS: readonly FeedFormat[] = [
  {
    id: 'rss',
    file: 'feed.xml',
    mediaType: 'application/rss+xml',
    label: 'RSS',
    output: { name: 'RssFeedUrl', description: 'RSS 2.0 feed' },
  },
  {
    id: 'atom',
    file: 'atom.xml',
    mediaType: 'application/atom+xml',
    label: 'Atom',
    output: { name: 'AtomFeedUrl', description: 'Atom 1.0 feed' },
  },
  {
    id: 'json',
    file: 'feed.json',
    mediaType: 'application/feed+json',
    label: 'JSON Feed',
    output: { name: 'JsonFeedUrl', description: 'JSON Feed 1.1' },
  },
];

/** Path of a collection's current document in `format` (`base` is `''` or ends in `/`). */
export function currentFeedPath(base: string, format: FeedFormat): string {
  return `${base}${format.file}`;
}

/** Path of the archive document of page `number` in `format`. */
export function archiveFeedPath(base: string, number: number, format: FeedFormat): string {
  return `${base}archive/${number}/${format.file}`;
}

/** The format of a published feed path (current or archive), or null when the path is not a feed. */
export function feedFormatOfPath(path: string): FeedFormat | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const format = FEED_FORMATS.find((f) => f.file === name);
  if (format === undefined) return null;
  // Article pages and images live under articles/; nothing wirefeed publishes there is a feed.
  return path.startsWith('articles/') ? null : format;
}

/** True for an archive document path (`…archive/<n>/<file>`). */
export function isArchiveFeedPath(path: string): boolean {
  return feedFormatOfPath(path) !== null && /(^|\/)archive\/\d+\/[^/]+$/.test(path);
}

/** Absolute URLs of one document in every format, keyed by format id. */
export type FeedUrlSet = Readonly<Record<FeedFormatId, string>>;

/** URLs of the site's current feeds and home page (the `feeds` object of every event). */
export interface FeedUrls extends FeedUrlSet {
  readonly home: string;
}

/** URLs of a collection's documents in every format, from a path function. */
export function feedUrlSet(siteUrl: string, pathOf: (format: FeedFormat) => string): FeedUrlSet {
  return Object.fromEntries(FEED_FORMATS.map((f) => [f.id, `${siteUrl}/${pathOf(f)}`])) as Record<FeedFormatId, string>;
}

/** The site's current feed URLs and home page. */
export function siteFeedUrls(site: { readonly siteUrl: string }): FeedUrls {
  return { ...feedUrlSet(site.siteUrl, (f) => currentFeedPath('', f)), home: `${site.siteUrl}/` };
}

/**
 * What one feed document says about itself besides its items: the channel (title, description, the HTML page it
 * belongs to), its own URL in every format (self and alternate links), and its place in the collection's history.
 */
export interface FeedDocument {
  readonly title: string;
  readonly description: string;
  /** The HTML page of the collection (the feed's `link`, `home_page_url`). */
  readonly home: string;
  /** This document in every format. */
  readonly self: FeedUrlSet;
  /** The collection's current document in every format (RFC 5005 `current`). */
  readonly current: FeedUrlSet;
  /** The next older archive document (RFC 5005 `prev-archive`, JSON Feed `next_url`), or null at the oldest. */
  readonly older: FeedUrlSet | null;
  /** The next newer archive document (RFC 5005 `next-archive`); null for the current document and the newest archive. */
  readonly newer: FeedUrlSet | null;
  /** True for an archive document (RFC 5005 `fh:archive`). */
  readonly archive: boolean;
}
