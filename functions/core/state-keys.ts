/**
 * Every key wirefeed reads or writes in the content and state stores, in one module, so the pipeline, the
 * handlers, the CLI and the infrastructure (which routes S3 events by these prefixes) cannot drift apart.
 * The layout is described in docs/ARCHITECTURE.md ("State keys").
 */

import { sha256 } from './hash.ts';

/** Content store: the site configuration. */
export const SITE_KEY = 'site.json';
/** Content store: article sources live under this prefix. */
export const SOURCE_PREFIX = 'articles/';

/**
 * Output store: the not-found page, served with status 404 for an unknown path by the dev server and, through an
 * error response, by CloudFront.
 */
export const NOT_FOUND_PAGE = '404.html';

/** State store, release 1 layout: one manifest of every article and source. */
export const MANIFEST_KEY = 'manifest.json';
/** State store, release 1 layout: the full articles of the feed window. */
export const WINDOW_KEY = 'feed-window.json';
/** State store, release 1 layout: the in-progress marker with the events of an interrupted run. */
export const MARKER_KEY = 'publishing.json';

/** State store: the writer lease (one run at a time). */
export const LOCK_KEY = 'lock.json';

/** State store: the root record — what is published (format, versions, site hash) and the run in progress. */
export const STATE_KEY = 'state.json';

/** State store: the latest publish that failed (when, and why), for `wirefeed status`; written only on failure. */
export const LAST_FAILURE_KEY = 'last-failure.json';

/** State store: scheduled sources (a future `date`) and when each falls due; `state.json` keeps the earliest. */
export const SCHEDULE_KEY = 'schedule.json';

/** State store: one record per article id (live or tombstone). */
export const RECORD_PREFIX = 'records/';
export function recordKey(id: string): string {
  return `${RECORD_PREFIX}${id}.json`;
}

/** State store: the source index, sharded by the hash of the source key. */
export const SOURCE_INDEX_PREFIX = 'sources/';
export const SOURCE_INDEX_SHARDS = 256;
export function sourceShardKey(shard: string): string {
  return `${SOURCE_INDEX_PREFIX}${shard}.json`;
}
/**
 * State store: the source index's revision summary, every source's revision (and rejection) in one object, with the
 * revision of each shard it was taken from; a reconcile trusts it only for shards whose revision it still matches.
 */
export const SOURCE_REVISIONS_KEY = 'source-revisions.json';

/** State store: per collection, the page directory, the stored page versions and the rendered feed window. */
export const COLLECTION_PREFIX = 'collections/';
export function directoryKey(collection: string): string {
  return `${COLLECTION_PREFIX}${collection}/pages.json`;
}
export function pageVersionPrefix(collection: string): string {
  return `${COLLECTION_PREFIX}${collection}/pages/`;
}
export function pageVersionKey(collection: string, version: string): string {
  return `${pageVersionPrefix(collection)}${version}.json`;
}
export function windowKey(collection: string): string {
  return `${COLLECTION_PREFIX}${collection}/window.json`;
}

/** State store: objects of a run in progress (its work list, batches spilled from the root record). */
/** One object per local image that articles reference: who references it, and which bytes (core/assets.ts). */
export const ASSET_PREFIX = 'assets/';
export function assetStateKey(contentKey: string): string {
  return `${ASSET_PREFIX}${sha256(contentKey).slice(0, 32)}.json`;
}

export const JOURNAL_PREFIX = 'journal/';
export function journalKey(run: string, name: string): string {
  return `${JOURNAL_PREFIX}${run}/${name}.json`;
}

/** State store, release 1 layout: normalized-article cache chunks. */
export const LEGACY_CACHE_PREFIX = 'articles/';
