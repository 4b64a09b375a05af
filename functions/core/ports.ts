/**
 * Ports: the only ways the pipeline touches the outside world. Each has a local adapter
 * (embedded default) and an AWS adapter; see DESIGN.md.
 */

import type { Article } from './article.ts';

/** A condition on the object currently stored under a key; a write whose condition fails changes nothing. */
export interface WriteCondition {
  /** `'*'`: write only if no object has this key (create, never replace). */
  readonly ifNoneMatch?: '*';
  /** Write only if the object stored now has this ETag (replace exactly the version that was read). */
  readonly ifMatch?: string;
}

export interface PutOptions extends WriteCondition {
  readonly contentType?: string;
  readonly cacheControl?: string;
  /**
   * The object holds a secret (a subscriber's signing keys). On disk it is written 0600 in a directory made 0700;
   * in S3 the state bucket's policy is the boundary (it blocks public access and grants only the functions).
   */
  readonly confidential?: boolean;
  /**
   * When the object does not exist yet, the store may write it in place instead of atomically (a directory: no
   * temporary file and rename): a reader may see it partial while it is written, and a crash mid-write can leave it
   * partial. Only for objects nothing reads before the run that writes them is finished, and that the journal
   * writes again after a crash (article pages, article records; docs/ARCHITECTURE.md, "Crash protocol").
   * Replacing an existing object stays atomic. S3 ignores it (every PUT is atomic).
   */
  readonly createInPlace?: boolean;
}

export interface DeleteOptions {
  /** Delete only if the object stored now has this ETag. */
  readonly ifMatch?: string;
}

export interface ObjectInfo {
  /** Key relative to the store's root/prefix, `/`-separated, never starting with `/`. */
  readonly key: string;
  /** Quoted hex MD5 of the bytes, as S3 reports for single-part uploads, e.g. `"9e107d9d372bb6826bd81d3542a419d6"`. */
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
  /**
   * Changes whenever the bytes may have changed, cheaply: equal revisions mean equal bytes (the reverse need
   * not hold). S3: the ETag. Directory: inode, size, modification and status-change times, which every write,
   * rename-over or `touch` moves, whatever modification time a tool restores.
   */
  readonly revision: string;
  /**
   * Set when the key names something the store does not read as an object, with why (e.g. a symbolic link in a
   * directory store, which is never followed). `get` then returns the object with an empty body.
   */
  readonly unreadable?: string;
}

export interface StoredObject extends ObjectInfo {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
}

/**
 * A flat key/value store of byte objects: a directory on disk, or an S3 bucket and prefix.
 * Errors are `StoreError`s with `retryable` set.
 */
export interface ObjectStore {
  /** Human-readable location of the root, e.g. `/srv/public` or `s3://bucket/prefix`. */
  readonly location: string;
  /** The object, or null when there is none. */
  get(key: string): Promise<StoredObject | null>;
  /** Metadata only, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Writes (creates or replaces) the object whole; readers never see a partial object. Returns its ETag.
   * With a condition (`ifNoneMatch`, `ifMatch`) the write happens only if it holds, atomically, and a failed
   * condition throws `PreconditionFailedError`.
   */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }>;
  /**
   * Deletes the object; deleting a missing object is not an error. With `ifMatch`, deletes only that version
   * (a missing or different object throws `PreconditionFailedError`).
   */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  /** Every object whose key starts with `prefix` ('' for all), in ascending key order, all pages. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * Optional: the objects of `list`, in ascending key order, in arrays (a directory store: the whole listing at once),
   * so a caller going through tens of thousands of keys (a reconcile of every source) pays one await per array
   * instead of one per key. Callers use `listInPages`, which falls back to `list`.
   */
  listPages?(prefix: string): AsyncIterable<readonly ObjectInfo[]>;
}

/** Keys per array when a store lists only one object at a time. */
const LIST_PAGE = 1000;

/** The objects `store.list(prefix)` yields, in arrays: the store's own `listPages` when it has one. */
export async function* listInPages(store: ObjectStore, prefix: string): AsyncIterable<readonly ObjectInfo[]> {
  if (store.listPages !== undefined) {
    yield* store.listPages(prefix);
    return;
  }
  let page: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) {
    page.push(info);
    if (page.length >= LIST_PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/**
 * True for a key every store accepts: non-empty, relative, `/`-separated, no empty, `.` or `..`
 * segment, no backslash or NUL — so a key that works on disk works on S3 and the other way round.
 */
export function isValidKey(key: string): boolean {
  return (
    key !== '' &&
    !key.startsWith('/') &&
    !key.includes('\\') &&
    !key.includes('\0') &&
    !key.split('/').some((part) => part === '' || part === '.' || part === '..')
  );
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Normalizes article sources on other threads (the CLI's worker pool, adapters/normalize-pool.ts); what it returns
 * is exactly what `normalizeArticle` returns on the calling thread. A run uses it only when it examines at least
 * `threshold` sources, below which starting the threads costs more than they save (docs/ARCHITECTURE.md, "Worker
 * pool"). The Lambda handlers never pass one.
 */
export interface ParallelNormalizer {
  /** Fewest sources a run must examine for the pool to be used. */
  readonly threshold: number;
  /** `normalizeArticle(body, {path})` on a worker; rejects with an InvalidArticleError exactly where it would. */
  normalize(body: Uint8Array, path: string): Promise<Article>;
}
