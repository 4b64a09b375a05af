/** Content-Type and Cache-Control of published files, decided by output path alone (same answer locally and on S3). */
import { feedFormatOfPath, isArchiveFeedPath } from '../feeds.ts';
import { contentTypeByExtension, IMAGE_CACHE_CONTROL, imageTypeOf } from '../media-types.ts';

/** Feeds and the index change whenever an article does, so readers must revalidate soon. */
export const SHORT_CACHE_CONTROL = 'public, max-age=300';
/** An article page changes only when that article is edited. */
export const LONG_CACHE_CONTROL = 'public, max-age=3600';
/**
 * An RFC 5005 archive document of a sealed page the current document does not reach changes only when one of its
 * articles is edited or a backdated one lands on it (pages that can still change are published with the short one).
 */
export const ARCHIVE_CACHE_CONTROL = 'public, max-age=86400';

function normalizePath(path: string): string {
  return path.replace(/^\/+/, '');
}

/** Content-Type of an output file, e.g. `application/rss+xml; charset=utf-8` for `feed.xml`. */
export function contentTypeFor(path: string): string {
  const key = normalizePath(path);
  const feed = feedFormatOfPath(key);
  return feed === null ? contentTypeByExtension(key) : `${feed.mediaType}; charset=utf-8`;
}

/**
 * Cache-Control of an output file: short for current feeds and pages, longer for article pages, long for archive
 * documents and images. (The publish step gives an archive document that can still change the short one itself.)
 */
export function cacheControlFor(path: string): string {
  const key = normalizePath(path);
  if (imageTypeOf(key) !== null) return IMAGE_CACHE_CONTROL;
  if (isArchiveFeedPath(key)) return ARCHIVE_CACHE_CONTROL;
  return key.startsWith('articles/') && key.endsWith('.html') ? LONG_CACHE_CONTROL : SHORT_CACHE_CONTROL;
}
