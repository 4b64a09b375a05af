/** Shared by every renderer: entry order, the item HTML, and text hygiene applied to every string we emit. */
import {
  type AssetCatalog,
  articleUrl,
  assetCatalogOf,
  type FeedEntry,
  type IndexEntry,
  type Site,
} from '../article.ts';
import { timeOf } from '../iso-date.ts';
import { escapeHtml, stripXmlInvalid } from '../text.ts';
import { renderBlocksHtml } from './blocks.ts';
import { type LeadMedia, leadMedia } from './media.ts';

/**
 * Dated moment used as the feed-level `updated` of a feed with no items. Atom requires a date and "now" would
 * make two builds differ, so it is a fixed instant; 2000-01-01 predates anything wirefeed can publish, so the
 * first real article always moves it forward, and unlike the Unix epoch no reader mistakes it for "no date".
 */
export const EMPTY_FEED_UPDATED = '2000-01-01T00:00:00.000Z';

export { toUtcIso } from '../iso-date.ts';

/**
 * Newest first by `published`, ties broken by id so the order never depends on input order.
 * Returns a new array; the input is not modified.
 */
export function sortNewestFirst<E extends IndexEntry>(entries: readonly E[]): E[] {
  return entries
    .map((entry) => ({ entry, time: timeOf(entry.published) }))
    .sort((a, b) => {
      if (a.time !== b.time) return b.time - a.time;
      const x = a.entry.article.id;
      const y = b.entry.article.id;
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map(({ entry }) => entry);
}

/** The feed's own `updated`: the latest `updated` among its items, or the fixed empty-feed instant. */
export function feedUpdated(entries: readonly FeedEntry[]): string {
  let latest: number | null = null;
  for (const entry of entries) {
    const time = timeOf(entry.updated);
    if (latest === null || time > latest) latest = time;
  }
  return latest === null ? EMPTY_FEED_UPDATED : new Date(latest).toISOString();
}

/** Removes XML-invalid characters; every string that reaches an output passes through here. */
export function clean(value: string): string {
  return stripXmlInvalid(value);
}

/** Category first, then tags, without duplicates, cleaned. */
export function termsOf(entry: FeedEntry): string[] {
  const { category, tags } = entry.article;
  const terms = [...(category === null ? [] : [category]), ...tags].map(clean).filter((t) => t.trim() !== '');
  return [...new Set(terms)];
}

/** Authors of an entry, falling back to the site author so every item has one (Atom requires it). */
export function authorsOf(site: Site, entry: IndexEntry): Site['author'][] {
  const names = entry.article.authors.map(clean).filter((n) => n.trim() !== '');
  return names.length > 0 ? names.map((name) => ({ name })) : [site.author];
}

/** Key points as a list (plain text, escaped here), each on its own line. */
export function renderKeyPointsHtml(keyPoints: readonly string[]): string {
  if (keyPoints.length === 0) return '';
  return `<ul class="key-points">\n${keyPoints.map((p) => `<li>${escapeHtml(clean(p))}</li>`).join('\n')}\n</ul>`;
}

/** The full item content of a feed: key points as a list at the top, then the body. */
export function renderContentHtml(site: Site, entry: FeedEntry, assets?: AssetCatalog): string {
  const { article } = entry;
  const body = renderBlocksHtml(article.body, { site, assets, lazyImages: false, idPrefix: article.id });
  return clean([renderKeyPointsHtml(article.keyPoints), body].filter((part) => part !== '').join('\n'));
}

/** One feed item, with the parts every format shares computed once. */
export interface FeedItem {
  readonly entry: FeedEntry;
  /** The article page's URL: the item's link. */
  readonly url: string;
  /** The item's permanent id: the entry's, else its URL. */
  readonly id: string;
  readonly contentHtml: string;
  readonly media: LeadMedia | null;
}

/**
 * Feed items of `entries` (already sorted and limited), their HTML rendered once for all three formats. `cache`
 * (by article id and content hash) lets the windows of several collections that show one article render it once.
 */
export function prepareFeedItems(
  site: Site,
  entries: readonly FeedEntry[],
  assets?: AssetCatalog,
  cache?: Map<string, string>,
): FeedItem[] {
  return entries.map((entry) => {
    // Without a catalog, each article's own (the images publishing resolved for it).
    const catalog = assets ?? assetCatalogOf(entry.article);
    const url = articleUrl(site, entry.article.id);
    const key = `${entry.article.id}\n${entry.article.contentHash}`;
    let contentHtml = cache?.get(key);
    if (contentHtml === undefined) {
      contentHtml = renderContentHtml(site, entry, catalog);
      // Bounded: a long run renders many windows; the articles repeated between them are the newest few.
      if (cache !== undefined && cache.size >= 4096) cache.clear();
      cache?.set(key, contentHtml);
    }
    return { entry, url, id: entry.id ?? url, contentHtml, media: leadMedia(site, entry.article, catalog) };
  });
}
