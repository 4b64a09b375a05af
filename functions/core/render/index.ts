/**
 * The render stage: pure functions from a site and its entries to output files. No clock, no I/O: identical
 * input gives byte-identical output.
 */
import type { AssetCatalog, FeedEntry, IndexEntry, OutputFile, Site } from '../article.ts';
import { cacheControlFor, contentTypeFor } from './content-types.ts';
import { prepareFeedItems, sortNewestFirst } from './entries.ts';
import { renderArticleHtml, renderIndexHtml } from './html.ts';
import { renderJsonFeed } from './json-feed.ts';
import { renderAtom, renderRss } from './rss-atom.ts';

export { cacheControlFor, contentTypeFor } from './content-types.ts';
export { EMPTY_FEED_UPDATED, sortNewestFirst } from './entries.ts';
export { type LeadMedia, leadMedia } from './media.ts';

/**
 * Bump when rendered output changes for the same articles and site, so existing sites are re-rendered whole.
 *
 * 2: bodies rendered from the document model (code, tables, images, footnotes…); lead images in the feeds;
 * page dates in the site's time zone.
 */
export const RENDER_VERSION = '2';

function outputFile(path: string, body: string): OutputFile {
  return { path, body, contentType: contentTypeFor(path), cacheControl: cacheControlFor(path) };
}

/**
 * `feed.xml` (RSS 2.0), `atom.xml` (Atom 1.0) and `feed.json` (JSON Feed 1.1). Entries may come in any order;
 * the feeds hold the newest `site.itemLimit` by `published` (ties by id). `assets` gives the size, length and type
 * of local images where the pipeline knows them (lead image enclosures, image sizes); without it, feeds still
 * carry every image, with what can be told from its URL.
 */
export function renderFeeds(site: Site, entries: readonly FeedEntry[], assets?: AssetCatalog): OutputFile[] {
  const items = prepareFeedItems(site, sortNewestFirst(entries).slice(0, site.itemLimit), assets);
  return [
    outputFile('feed.xml', renderRss(site, items)),
    outputFile('atom.xml', renderAtom(site, items)),
    outputFile('feed.json', renderJsonFeed(site, items)),
  ];
}

/** `index.html`: all entries, newest first, with autodiscovery links to the three feeds. */
export function renderIndex(site: Site, entries: readonly IndexEntry[]): OutputFile {
  return outputFile('index.html', renderIndexHtml(site, sortNewestFirst(entries)));
}

/** `articles/<id>.html`: the readable page of one article; `assets` as for `renderFeeds` (intrinsic image sizes). */
export function renderArticlePage(site: Site, entry: FeedEntry, assets?: AssetCatalog): OutputFile {
  return outputFile(`articles/${entry.article.id}.html`, renderArticleHtml(site, entry, assets));
}
