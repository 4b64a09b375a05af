/**
 * The render stage: pure functions from a site and its entries to output files. No clock, no I/O: identical
 * input gives byte-identical output.
 */
import type { AssetCatalog, FeedEntry, OutputFile, Site } from '../article.ts';
import { cacheControlFor, contentTypeFor } from './content-types.ts';
import { prepareFeedItems, sortNewestFirst } from './entries.ts';
import { type ArchivePageView, renderArchivePageHtml, renderArticleHtml } from './html.ts';
import { renderJsonFeed } from './json-feed.ts';
import { renderAtom, renderRss } from './rss-atom.ts';

export { cacheControlFor, contentTypeFor } from './content-types.ts';
export { EMPTY_FEED_UPDATED, sortNewestFirst } from './entries.ts';
export type { ArchivePageView } from './html.ts';
export { type LeadMedia, leadMedia } from './media.ts';

export { RENDER_VERSION } from './version.ts';

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

/** Where an archive page is published: `index.html` for the newest page's front copy, else `archive/<n>.html`. */
export function archivePagePath(view: Pick<ArchivePageView, 'number' | 'at'>): string {
  return view.at === 'index' ? 'index.html' : `archive/${view.number}.html`;
}

/** One archive page (entries newest first) with links to its neighbours and feed autodiscovery. */
export function renderArchivePage(site: Site, view: ArchivePageView): OutputFile {
  return outputFile(
    archivePagePath(view),
    renderArchivePageHtml(site, { ...view, entries: sortNewestFirst(view.entries) }),
  );
}

/** `articles/<id>.html`: the readable page of one article; `assets` as for `renderFeeds` (intrinsic image sizes). */
export function renderArticlePage(site: Site, entry: FeedEntry, assets?: AssetCatalog): OutputFile {
  return outputFile(`articles/${entry.article.id}.html`, renderArticleHtml(site, entry, assets));
}
