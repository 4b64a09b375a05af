/**
 * The render stage: pure functions from a site and its entries to output files. No clock, no I/O: identical
 * input gives byte-identical output.
 */
import type { FeedEntry, IndexEntry, OutputFile, Site } from '../article.ts';
import { cacheControlFor, contentTypeFor } from './content-types.ts';
import { sortNewestFirst } from './entries.ts';
import { renderArticleHtml, renderIndexHtml } from './html.ts';
import { renderJsonFeed } from './json-feed.ts';
import { renderAtom, renderRss } from './rss-atom.ts';

export { cacheControlFor, contentTypeFor } from './content-types.ts';
export { EMPTY_FEED_UPDATED, sortNewestFirst } from './entries.ts';

function outputFile(path: string, body: string): OutputFile {
  return { path, body, contentType: contentTypeFor(path), cacheControl: cacheControlFor(path) };
}

/**
 * `feed.xml` (RSS 2.0), `atom.xml` (Atom 1.0) and `feed.json` (JSON Feed 1.1). Entries may come in any order;
 * the feeds hold the newest `site.itemLimit` by `published` (ties by id).
 */
export function renderFeeds(site: Site, entries: readonly FeedEntry[]): OutputFile[] {
  const items = sortNewestFirst(entries).slice(0, site.itemLimit);
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

/** `articles/<id>.html`: the readable page of one article. */
export function renderArticlePage(site: Site, entry: FeedEntry): OutputFile {
  return outputFile(`articles/${entry.article.id}.html`, renderArticleHtml(site, entry));
}
