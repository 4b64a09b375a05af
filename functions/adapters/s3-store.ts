import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ConfigError, PreconditionFailedError, StoreError } from '../core/errors.ts';
import {
  type DeleteOptions,
  isValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from '../core/ports.ts';

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_MAX_ATTEMPTS = 4;
/** ListObjectsV2's own maximum; tests pass a smaller page to exercise pagination. */
const DEFAULT_PAGE_SIZE = 1000;

/**
 * Builds the S3 client from the standard AWS environment. The environment is a parameter (not
 * `process.env`) so callers and tests decide what it holds; the SDK's own provider chain still
 * supplies credentials (profile, SSO, Lambda role) when no static keys are given.
 */
export function createS3Client(env: Readonly<Record<string, string | undefined>>): S3Client {
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const retryMode = nonEmpty(env.AWS_RETRY_MODE) ?? 'standard';
  if (retryMode !== 'standard' && retryMode !== 'adaptive') {
    throw new ConfigError(`Environment variable AWS_RETRY_MODE must be "standard" or "adaptive", got "${retryMode}"`);
  }
  const attemptsText = nonEmpty(env.AWS_MAX_ATTEMPTS);
  const maxAttempts = attemptsText === undefined ? DEFAULT_MAX_ATTEMPTS : Number(attemptsText);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigError(`Environment variable AWS_MAX_ATTEMPTS must be a positive integer, got "${attemptsText}"`);
  }
  const config: S3ClientConfig = {
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? DEFAULT_REGION,
    // Checksums only where S3 demands them: S3-compatible servers (s3rver, older MinIO) reject
    // the newer default CRC32 trailers, and our ETags already give us MD5 integrity.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryMode,
    maxAttempts,
    // Without deadlines a hung endpoint would stall a build until the Lambda timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  };
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    // Custom endpoints (local servers, MinIO) rarely resolve virtual-host bucket names.
    config.forcePathStyle = true;
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    config.credentials =
      sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
  }
  return new S3Client(config);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * An ObjectStore over one S3 bucket, optionally under a key prefix. Keys follow the same rules as
 * the directory store, so a key that publishes locally publishes to S3 and back. Transient
 * failures are retried by the SDK (see `createS3Client`); whatever still fails becomes a
 * `StoreError` naming the operation and the `s3://` location.
 */
export class S3Store implements ObjectStore {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  /** Normalized prefix without leading or trailing slashes; '' for the bucket root. */
  readonly #prefix: string;
  readonly #pageSize: number;

  constructor(options: { client: S3Client; bucket: string; prefix?: string; pageSize?: number }) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = (options.prefix ?? '').split('/').filter(Boolean).join('/');
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.location = this.#prefix === '' ? `s3://${this.#bucket}` : `s3://${this.#bucket}/${this.#prefix}`;
  }

  #objectKey(key: string, operation: string): string {
    if (!isValidKey(key)) throw new StoreError(operation, `${this.location}/${key}`, 'invalid key');
    return this.#prefix === '' ? key : `${this.#prefix}/${key}`;
  }

  #where(objectKey: string): string {
    return `s3://${this.#bucket}/${objectKey}`;
  }

  async get(key: string): Promise<StoredObject | null> {
    const Key = this.#objectKey(key, 'GetObject');
    try {
      const output = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key }));
      const body = output.Body === undefined ? new Uint8Array() : await output.Body.transformToByteArray();
      const etag = output.ETag ?? md5Etag(body);
      return {
        key,
        etag,
        revision: etag,
        size: body.byteLength,
        lastModified: output.LastModified ?? new Date(0),
        body,
        contentType: output.ContentType,
        cacheControl: output.CacheControl,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toStoreError('GetObject', this.#where(Key), error);
    }
  }

  /**
   * Metadata only. A HEAD response has no body, so S3 cannot say whether the key or the whole
   * bucket is missing; both read as null here, and the next GET, PUT or LIST names the bucket.
   */
  async head(key: string): Promise<ObjectInfo | null> {
    const Key = this.#objectKey(key, 'HeadObject');
    try {
      const output = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }));
      const etag = output.ETag ?? '""';
      return {
        key,
        etag,
        revision: etag,
        size: output.ContentLength ?? 0,
        lastModified: output.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toStoreError('HeadObject', this.#where(Key), error);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const Key = this.#objectKey(key, 'PutObject');
    const bytes = typeof body === 'string' ? new Uint8Array(Buffer.from(body, 'utf8')) : body;
    try {
      const output = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
          ...(options.cacheControl === undefined ? {} : { CacheControl: options.cacheControl }),
          // S3 evaluates these atomically (412 when they fail); https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
          ...(options.ifNoneMatch === undefined ? {} : { IfNoneMatch: options.ifNoneMatch }),
          ...(options.ifMatch === undefined ? {} : { IfMatch: options.ifMatch }),
        }),
      );
      // A single-part PUT's ETag is the MD5; computing it covers servers that omit the header.
      return { etag: output.ETag ?? md5Etag(bytes) };
    } catch (error) {
      if (isPreconditionFailure(error))
        throw new PreconditionFailedError('PutObject', this.#where(Key), { cause: error });
      throw toStoreError('PutObject', this.#where(Key), error);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    const Key = this.#objectKey(key, 'DeleteObject');
    try {
      await this.#client.send(
        new DeleteObjectCommand({
          Bucket: this.#bucket,
          Key,
          ...(options.ifMatch === undefined ? {} : { IfMatch: options.ifMatch }),
        }),
      );
    } catch (error) {
      if (options.ifMatch !== undefined && (isPreconditionFailure(error) || isNotFound(error))) {
        throw new PreconditionFailedError('DeleteObject', this.#where(Key), { cause: error });
      }
      // S3 answers 204 for a missing key; some compatible servers answer 404 instead.
      if (isNotFound(error)) return;
      throw toStoreError('DeleteObject', this.#where(Key), error);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const Prefix = this.#prefix === '' ? prefix : `${this.#prefix}/${prefix}`;
    const strip = this.#prefix === '' ? 0 : this.#prefix.length + 1;
    let ContinuationToken: string | undefined;
    do {
      let output: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput;
      try {
        output = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix,
            MaxKeys: this.#pageSize,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
          }),
        );
      } catch (error) {
        throw toStoreError('ListObjectsV2', this.#where(Prefix), error);
      }
      for (const object of output.Contents ?? []) {
        if (object.Key === undefined) continue;
        const etag = object.ETag ?? '""';
        yield {
          key: object.Key.slice(strip),
          etag,
          revision: etag,
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
        };
      }
      ContinuationToken = output.IsTruncated ? output.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }
}

function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/**
 * 412 PreconditionFailed: the condition did not hold. 409 ConditionalRequestConflict: another conditional write
 * to the key was in flight; either way another writer got there first.
 */
function isPreconditionFailure(error: unknown): boolean {
  const e = error as SdkErrorShape;
  return (
    e?.name === 'PreconditionFailed' ||
    e?.name === 'ConditionalRequestConflict' ||
    e?.$metadata?.httpStatusCode === 412 ||
    e?.$metadata?.httpStatusCode === 409
  );
}

function isNotFound(error: unknown): boolean {
  const e = error as SdkErrorShape;
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

const PERMANENT_REASONS: Record<string, string> = {
  NoSuchBucket: 'bucket does not exist',
  AccessDenied: 'access denied',
  AllAccessDisabled: 'access denied',
  InvalidAccessKeyId: 'credentials rejected (unknown access key)',
  SignatureDoesNotMatch: 'credentials rejected (signature does not match)',
  ExpiredToken: 'credentials expired',
  InvalidBucketName: 'invalid bucket name',
  PermanentRedirect: 'bucket is in another region',
  CredentialsProviderError: 'no AWS credentials found',
};

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** Socket-level failures worth another try: the server or the path to it may come back. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

function networkCode(error: SdkErrorShape): string | undefined {
  for (const candidate of [error.code, error.name, ...(error.errors ?? []).map((e) => (e as SdkErrorShape)?.code)]) {
    if (candidate !== undefined && NETWORK_CODES.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Turns an SDK failure (which has already been through the SDK's retries) into a one-line
 * `StoreError`; `retryable` tells the caller whether running the build again later may help.
 */
export function toStoreError(operation: string, location: string, error: unknown): StoreError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const after = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const network = networkCode(e);
  let reason: string;
  let retryable: boolean;
  const permanent = PERMANENT_REASONS[name];
  if (permanent !== undefined) {
    reason = permanent;
    retryable = false;
  } else if (status === 403) {
    reason = 'access denied';
    retryable = false;
  } else if (THROTTLING.has(name) || status === 429 || status === 503) {
    reason = `throttled (${name})${after}`;
    retryable = true;
  } else if (network !== undefined) {
    reason = `network error (${network})${after}`;
    retryable = true;
  } else if (status !== undefined && status >= 500) {
    reason = `server error ${status} (${name})${after}`;
    retryable = true;
  } else {
    reason = `${name}: ${oneLine(e.message ?? String(error))}`;
    retryable = e.$retryable !== undefined;
  }
  return new StoreError(operation, location, reason, { cause: error, retryable });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
