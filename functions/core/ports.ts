/**
 * Ports: the only ways the pipeline touches the outside world. Each has a local adapter
 * (embedded default) and an AWS adapter; see DESIGN.md.
 */

export interface PutOptions {
  readonly contentType?: string;
  readonly cacheControl?: string;
  /**
   * The object holds a secret (a subscriber's signing keys). On disk it is written 0600 in a directory made 0700;
   * in S3 the state bucket's policy is the boundary (it blocks public access and grants only the functions).
   */
  readonly confidential?: boolean;
}

export interface ObjectInfo {
  /** Key relative to the store's root/prefix, `/`-separated, never starting with `/`. */
  readonly key: string;
  /** Quoted hex MD5 of the bytes, as S3 reports for single-part uploads, e.g. `"9e107d9d372bb6826bd81d3542a419d6"`. */
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
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
  /** Writes (creates or replaces) the object whole; readers never see a partial object. Returns its ETag. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix` ('' for all), in ascending key order, all pages. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
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
