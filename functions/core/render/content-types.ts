/** Content-Type and Cache-Control of published files, decided by output path alone (same answer locally and on S3). */
import { contentTypeByExtension, IMAGE_CACHE_CONTROL, imageTypeOf } from '../media-types.ts';

const FEED_TYPES: Record<string, string> = {
  'feed.xml': 'application/rss+xml; charset=utf-8',
  'atom.xml': 'application/atom+xml; charset=utf-8',
  'feed.json': 'application/feed+json; charset=utf-8',
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
  return feedType ?? contentTypeByExtension(key);
}

/** Cache-Control of an output file: short for feeds and the index, longer for article pages, long for images. */
export function cacheControlFor(path: string): string {
  const key = normalizePath(path);
  if (imageTypeOf(key) !== null) return IMAGE_CACHE_CONTROL;
  return key.startsWith('articles/') && key.endsWith('.html') ? LONG_CACHE_CONTROL : SHORT_CACHE_CONTROL;
}
