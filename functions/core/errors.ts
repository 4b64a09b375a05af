/** One base class for every error wirefeed raises on purpose; subclasses name the concept. */
export class WirefeedError extends Error {
  /** True when trying the same operation again later may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
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

/** A command line that cannot be understood (exit code 2). */
export class UsageError extends WirefeedError {}

/** An ObjectStore operation failed. `location` is e.g. `s3://bucket/key` or a path; `operation` e.g. `PutObject`. */
export class StoreError extends WirefeedError {
  readonly location: string;
  readonly operation: string;
  constructor(
    operation: string,
    location: string,
    reason: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${operation} ${location}: ${reason}`, options);
    this.operation = operation;
    this.location = location;
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

/** A webhook target refused by the SSRF guard (private address, bad scheme, credentials in URL...). */
export class UnsafeTargetError extends WirefeedError {
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`refused webhook target ${url}: ${reason}`);
    this.url = url;
  }
}

/** A webhook delivery attempt that failed; `status` is the HTTP status when one was received. */
export class DeliveryError extends WirefeedError {
  readonly status: number | null;
  constructor(message: string, options: { status?: number | null; cause?: unknown; retryable?: boolean } = {}) {
    super(message, options);
    this.status = options.status ?? null;
  }
}

export function isWirefeedError(error: unknown): error is WirefeedError {
  return error instanceof WirefeedError;
}

/** A DeliveryQueue operation failed. `queue` names the queue (e.g. its URL); `operation` e.g. `SendMessageBatch`. */
export class QueueError extends WirefeedError {
  readonly queue: string;
  readonly operation: string;
  constructor(
    operation: string,
    queue: string,
    reason: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${operation} ${queue}: ${reason}`, options);
    this.operation = operation;
    this.queue = queue;
  }
}
