/** Content-Type and Cache-Control of published files, decided by output path alone (same answer locally and on S3). */

const FEED_TYPES: Record<string, string> = {
  'feed.xml': 'application/rss+xml; charset=utf-8',
  'atom.xml': 'application/atom+xml; charset=utf-8',
  'feed.json': 'application/feed+json; charset=utf-8',
};

const EXTENSION_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  ico: 'image/x-icon',
};

/** Feeds and the index change whenever an article does, so readers must revalidate soon. */
export const SHORT_CACHE_CONTROL = 'public, max-age=300';
/** An article page changes only when that article is edited. */
export const LONG_CACHE_CONTROL = 'public, max-age=3600';

function normalizePath(path: string): string {
  return path.replace(/^\/+/, '');
}

/** Content-Type of an output file, e.g. `application/rss+xml; charset=utf-8` for `feed.xml`. */
export function contentTypeFor(path: string): string {
  const key = normalizePath(path);
  const feedType = FEED_TYPES[key];
  if (feedType !== undefined) return feedType;
  const dot = key.lastIndexOf('.');
  const extension = dot === -1 ? '' : key.slice(dot + 1).toLowerCase();
  return EXTENSION_TYPES[extension] ?? 'application/octet-stream';
}

/** Cache-Control of an output file: short for feeds and the index, longer for article pages. */
export function cacheControlFor(path: string): string {
  const key = normalizePath(path);
  return key.startsWith('articles/') && key.endsWith('.html') ? LONG_CACHE_CONTROL : SHORT_CACHE_CONTROL;
}
