/**
 * The render stage: pure functions from a site and its entries to output files. No clock, no I/O: identical
 * input gives byte-identical output.
 */
import {
  type Article,
  type AssetCatalog,
  articleUrl,
  type FeedEntry,
  type IndexEntry,
  type OutputFile,
  type Site,
} from '../article.ts';
import {
  archiveFeedPath,
  currentFeedPath,
  FEED_FORMATS,
  type FeedDocument,
  type FeedFormatId,
  feedUrlSet,
} from '../feeds.ts';
import { NOT_FOUND_PAGE } from '../state-keys.ts';
import { escapeHtml } from '../text.ts';
import { cacheControlFor, contentTypeFor, SHORT_CACHE_CONTROL } from './content-types.ts';
import { clean, type FeedItem, prepareFeedItems, sortNewestFirst } from './entries.ts';
import {
  type ArchivePageView,
  archivePagePath,
  type CollectionView,
  renderArchivePageHtml,
  renderArticleHtml,
  renderNotFoundHtml,
  siteCollectionView,
} from './html.ts';
import { renderJsonFeed } from './json-feed.ts';
import { renderAtom, renderRss } from './rss-atom.ts';

export { cacheControlFor, contentTypeFor } from './content-types.ts';
export { EMPTY_FEED_UPDATED, sortNewestFirst } from './entries.ts';
export { type ArchivePageView, archivePagePath, type CollectionView, siteCollectionView } from './html.ts';
export { type LeadMedia, leadMedia } from './media.ts';

export { RENDER_VERSION } from './version.ts';

/** The renderer of each registered feed format (core/feeds.ts); a format without one does not type-check. */
export const FEED_RENDERERS: Readonly<
  Record<FeedFormatId, (site: Site, doc: FeedDocument, items: readonly FeedItem[]) => string>
> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };

function outputFile(path: string, body: string, cacheControl = cacheControlFor(path)): OutputFile {
  return { path, body, contentType: contentTypeFor(path), cacheControl };
}

/** Where a collection's feed documents are and which neighbours they link (archive page numbers, null: none). */
export interface FeedPlace {
  /** The archive page this document is (null: the current document). */
  readonly number: number | null;
  /** The next older archive page (the newest one, for the current document). */
  readonly older: number | null;
  /** The next newer archive page; null for the newest page and the current document. */
  readonly newer: number | null;
}

/** The self-description of one feed document of a collection. */
export function feedDocumentOf(site: Site, view: CollectionView, place: FeedPlace): FeedDocument {
  const at = (number: number) => feedUrlSet(site.siteUrl, (f) => archiveFeedPath(view.base, number, f));
  const current = feedUrlSet(site.siteUrl, (f) => currentFeedPath(view.base, f));
  return {
    title: view.title,
    description: view.description,
    home: `${site.siteUrl}/${view.base}`,
    self: place.number === null ? current : at(place.number),
    current,
    older: place.older === null ? null : at(place.older),
    newer: place.newer === null ? null : at(place.newer),
    archive: place.number !== null,
  };
}

function feedFiles(
  site: Site,
  view: CollectionView,
  place: FeedPlace,
  items: readonly FeedItem[],
  cacheControl?: string,
): OutputFile[] {
  const doc = feedDocumentOf(site, view, place);
  return FEED_FORMATS.map((format) => {
    const path =
      place.number === null ? currentFeedPath(view.base, format) : archiveFeedPath(view.base, place.number, format);
    return outputFile(path, FEED_RENDERERS[format.id](site, doc, items), cacheControl);
  });
}

/**
 * A collection's current documents (`feed.xml` RSS 2.0, `atom.xml` Atom 1.0, `feed.json` JSON Feed 1.1 under its base
 * path, the site's by default). Entries may come in any order; the feeds hold the newest `limit` (the site's
 * `itemLimit` by default) by `published` (ties by id). `older` names the newest archive page for the RFC 5005
 * `prev-archive` link and JSON Feed `next_url`. `assets` gives the size, length and type of local images where the
 * pipeline knows them; without it, feeds still carry every image, with what can be told from its URL.
 */
export function renderFeeds(
  site: Site,
  entries: readonly FeedEntry[],
  assets?: AssetCatalog,
  options: {
    readonly view?: CollectionView;
    readonly limit?: number;
    readonly older?: number | null;
    /** Item HTML by article id and content hash, shared by the collections rendered in one run. */
    readonly cache?: Map<string, string>;
  } = {},
): OutputFile[] {
  const entriesShown = sortNewestFirst(entries).slice(0, options.limit ?? site.itemLimit);
  const items = prepareFeedItems(site, entriesShown, assets, options.cache);
  const view = options.view ?? siteCollectionView(site);
  return feedFiles(site, view, { number: null, older: options.older ?? null, newer: null }, items);
}

/** A headline as a feed entry: what an archive document says of an article (its page has the rest). */
function headlineEntry(entry: IndexEntry): FeedEntry {
  const article: Article = {
    ...entry.article,
    keyPoints: [],
    category: null,
    tags: [],
    published: entry.published,
    updated: entry.updated,
    body: [],
    dropped: [],
    contentHash: '',
    source: '',
    format: 'md',
    draft: false,
    image: null,
    assets: [],
    canonicalUrl: null,
    lang: null,
  };
  return { article, published: entry.published, updated: entry.updated };
}

/**
 * The archive documents of one archive page (`<base>archive/<n>/feed.xml`, `atom.xml`, `feed.json`): its entries
 * (those not in the current document), as headlines — title, summary, authors, dates, link — with RFC 5005 links
 * and `fh:archive`. `stable` (a sealed page the current document does not reach) gets the long archive
 * Cache-Control; a page that can still change gets the short one.
 */
export function renderArchiveFeeds(
  site: Site,
  view: CollectionView,
  place: FeedPlace & { readonly number: number },
  entries: readonly (IndexEntry & { readonly id?: string })[],
  stable: boolean,
): OutputFile[] {
  const items = sortNewestFirst(entries).map((entry) => {
    const feedEntry = headlineEntry(entry);
    const url = articleUrl(site, entry.article.id);
    const contentHtml = `<p>${escapeHtml(clean(entry.article.summary))}</p>`;
    return { entry: feedEntry, url, id: entry.id ?? url, contentHtml, media: null };
  });
  return feedFiles(site, view, place, items, stable ? undefined : SHORT_CACHE_CONTROL);
}

/** One archive page (entries newest first) with links to its neighbours and feed autodiscovery. */
export function renderArchivePage(site: Site, view: ArchivePageView): OutputFile {
  return outputFile(
    archivePagePath({ ...view, base: view.collection?.base ?? '' }),
    renderArchivePageHtml(site, { ...view, entries: sortNewestFirst(view.entries) }),
  );
}

/** `articles/<id>.html`: the readable page of one article; `assets` as for `renderFeeds` (intrinsic image sizes). */
export function renderArticlePage(site: Site, entry: FeedEntry, assets?: AssetCatalog): OutputFile {
  return outputFile(`articles/${entry.article.id}.html`, renderArticleHtml(site, entry, assets));
}

/** `404.html`, the page served for an address the site does not have. */
export function renderNotFoundPage(site: Site): OutputFile {
  return outputFile(NOT_FOUND_PAGE, renderNotFoundHtml(site));
}
