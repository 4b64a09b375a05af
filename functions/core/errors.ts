/** One base class for every error wirefeed raises on purpose; subclasses name the concept. */

/** What every wirefeed error may carry besides its message. */
export interface WirefeedErrorOptions {
  readonly cause?: unknown;
  /** True when trying the same operation again later may succeed (default false). */
  readonly retryable?: boolean;
}

export class WirefeedError extends Error {
  /** True when trying the same operation again later may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: WirefeedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

/** An article source that cannot be turned into an Article. `file` names the source; `reason` says why. */
export class InvalidArticleError extends WirefeedError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super(`${file}: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

export class EmptyArticleError extends InvalidArticleError {}
export class NotUtf8Error extends InvalidArticleError {}
export class NoTitleError extends InvalidArticleError {}
export class ArticleTooLargeError extends InvalidArticleError {}
export class FrontMatterError extends InvalidArticleError {}
/** The file's extension is not one wirefeed reads (`.txt`, `.md`, `.markdown`). */
export class UnsupportedFileTypeError extends InvalidArticleError {}

/** `content/site.json` or an environment variable is missing or malformed. */
export class ConfigError extends WirefeedError {}

/** Bytes that should hold JSON but do not; the message says where (line and column, or byte offset) and why. */
export class InvalidJsonError extends WirefeedError {}

/** A command line that cannot be understood (exit code 2). */
export class UsageError extends WirefeedError {}

/**
 * An operation on an outside resource (a store, a queue) failed: `operation` names the call (e.g. `PutObject`),
 * `resource` where it went (e.g. `s3://bucket/key`, a path, a queue URL).
 */
export class OperationError extends WirefeedError {
  readonly operation: string;
  readonly resource: string;
  constructor(operation: string, resource: string, reason: string, options: WirefeedErrorOptions = {}) {
    super(`${operation} ${resource}: ${reason}`, options);
    this.operation = operation;
    this.resource = resource;
  }
}

/** An ObjectStore operation failed. `location` is e.g. `s3://bucket/key` or a path; `operation` e.g. `PutObject`. */
export class StoreError extends OperationError {
  get location(): string {
    return this.resource;
  }
}

/** A DeliveryQueue operation failed. `queue` names the queue (e.g. its URL); `operation` e.g. `SendMessageBatch`. */
export class QueueError extends OperationError {
  get queue(): string {
    return this.resource;
  }
}

/** The content root cannot be watched (missing, unreadable, out of watches, no native watcher for this platform). */
export class WatchError extends WirefeedError {
  readonly root: string;
  readonly reason: string;
  constructor(root: string, reason: string, options: { cause?: unknown } = {}) {
    super(`cannot watch ${root}: ${reason}`, options);
    this.root = root;
    this.reason = reason;
  }
}

/** A conditional write or delete (`ifNoneMatch`, `ifMatch`) found another version of the object: nothing was changed. */
export class PreconditionFailedError extends StoreError {
  constructor(operation: string, location: string, options: { cause?: unknown } = {}) {
    super(operation, location, 'precondition failed: the object was created or changed by another writer', {
      ...options,
      retryable: false,
    });
  }
}

/**
 * A state record (or the state as a whole) is unreadable or not what wirefeed wrote: `key` names the object,
 * `reason` says what is wrong. The message reads `<location>: <reason>`.
 */
export class StateError extends WirefeedError {
  readonly key: string;
  readonly reason: string;
  constructor(location: string, key: string, reason: string, options: { cause?: unknown } = {}) {
    super(`${location}: ${reason}`, options);
    this.key = key;
    this.reason = reason;
  }
}

/** Another run holds the state's writer lock or lease; nothing was written. Trying again later succeeds. */
export class WriterBusyError extends WirefeedError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

/** This run's writer lease was taken over (it had expired); the run stopped before writing anything more. */
export class LeaseLostError extends WirefeedError {}

/**
 * A webhook target refused by the SSRF guard (private address, bad scheme, credentials in URL...). `privateTarget`
 * is true when only local development's `allowPrivateTargets` would let it through (loopback or private address,
 * `http:`, a port other than the default).
 */
export class UnsafeTargetError extends WirefeedError {
  readonly url: string;
  /** Why, without the URL: e.g. `port 8080 is not allowed (default only)`. */
  readonly reason: string;
  readonly privateTarget: boolean;
  constructor(url: string, reason: string, options: { privateTarget?: boolean } = {}) {
    super(`refused webhook target ${url}: ${reason}`);
    this.url = url;
    this.reason = reason;
    this.privateTarget = options.privateTarget ?? false;
  }
}

/** A WebSub subscription request the hub refuses: `status` (4xx) and `reason` (plain text) are its answer. */
export class HubRequestError extends WirefeedError {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string) {
    super(`hub request refused (${status}): ${reason}`);
    this.status = status;
    this.reason = reason;
  }
}

/** A stored record (e.g. a hub subscription) that is not of the shape wirefeed wrote; the message names it. */
export class InvalidRecordError extends WirefeedError {}

export function isWirefeedError(error: unknown): error is WirefeedError {
  return error instanceof WirefeedError;
}

/** What system-call failures mean, in words (the code stays in the message, for searching). */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EADDRINUSE: 'address already in use',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
};

/** A failed system call as Node reports it (`fs`, `net`): caused by the machine or its files, not by a bug. */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
}

export function isSystemError(error: unknown): error is SystemError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code) && 'syscall' in error;
}

/** The reason in words with its code, without the path: `no such file or directory (ENOENT)`. */
export function systemErrorReason(error: SystemError): string {
  if ((error.code === 'EEXIST' || error.code === 'ENOTDIR') && error.syscall === 'mkdir') {
    return `a file stands where a directory must be (${error.code})`;
  }
  const meaning = SYSTEM_ERRORS[error.code];
  return meaning === undefined ? error.message : `${meaning} (${error.code})`;
}

/** `<path>: <reason>`, e.g. `/srv/public/articles: a file stands where a directory must be (EEXIST)`. */
export function describeSystemError(error: SystemError): string {
  return `${error.path ?? error.syscall ?? 'system call'}: ${systemErrorReason(error)}`;
}

/** A worker thread of the normalize pool failed (crashed, or threw something normalize never throws). */
export class WorkerPoolError extends WirefeedError {}
