/**
 * Every key wirefeed reads or writes in the content and state stores, in one module, so the pipeline, the
 * handlers, the CLI and the infrastructure (which routes S3 events by these prefixes) cannot drift apart.
 * The layout is described in docs/ARCHITECTURE.md ("State keys").
 */

/** Content store: the site configuration. */
export const SITE_KEY = 'site.json';
/** Content store: article sources live under this prefix. */
export const SOURCE_PREFIX = 'articles/';

/** State store, release 1 layout: one manifest of every article and source. */
export const MANIFEST_KEY = 'manifest.json';
/** State store, release 1 layout: the full articles of the feed window. */
export const WINDOW_KEY = 'feed-window.json';
/** State store, release 1 layout: the in-progress marker with the events of an interrupted run. */
export const MARKER_KEY = 'publishing.json';

/** State store: the writer lease (one run at a time). */
export const LOCK_KEY = 'lock.json';
