import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { DeleteOptions, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../core/ports.ts';
import { FsStore } from './fs-store.ts';

/** S3's naming rules for buckets created today (3–63 of lowercase letters, digits, dots, hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Splits `s3://bucket[/prefix]` into bucket and prefix (no leading or trailing slashes); null when
 * `spec` is not an s3:// URL. A malformed s3:// URL is a usage error rather than a directory name,
 * so `s3:/bucket` typos never silently publish into a local folder called `s3:`.
 */
export function parseS3Url(spec: string): { bucket: string; prefix: string } | null {
  if (!/^s3:/i.test(spec)) return null;
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(spec);
  const bucket = match?.[1] ?? '';
  if (match === null || !BUCKET_NAME.test(bucket)) {
    throw new UsageError(`${spec}: expected s3://BUCKET[/PREFIX] with a valid bucket name`);
  }
  const prefix = (match[2] ?? '').split('/').filter(Boolean).join('/');
  return { bucket, prefix };
}

/** 's3://bucket[/prefix]' → S3Store; anything else → FsStore at the path resolved against cwd. */
export function openStore(spec: string, env: Readonly<Record<string, string | undefined>>, cwd: string): ObjectStore {
  const s3 = parseS3Url(spec);
  if (s3 === null) return new FsStore(resolve(cwd, spec));
  const location = s3.prefix === '' ? `s3://${s3.bucket}` : `s3://${s3.bucket}/${s3.prefix}`;
  return new DeferredS3Store(location, async () => {
    const { createS3Client, S3Store } = await import('./s3-store.ts');
    return new S3Store({ client: createS3Client(env), bucket: s3.bucket, prefix: s3.prefix });
  });
}

/**
 * An S3Store loaded on first use: the AWS SDK is large, and a CLI run that touches only local
 * directories should not pay for loading it.
 */
class DeferredS3Store implements ObjectStore {
  readonly location: string;
  readonly #load: () => Promise<ObjectStore>;
  #store: Promise<ObjectStore> | undefined;

  constructor(location: string, load: () => Promise<ObjectStore>) {
    this.location = location;
    this.#load = load;
  }

  #inner(): Promise<ObjectStore> {
    this.#store ??= this.#load();
    return this.#store;
  }

  async get(key: string): Promise<StoredObject | null> {
    return (await this.#inner()).get(key);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return (await this.#inner()).head(key);
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }> {
    return (await this.#inner()).put(key, body, options);
  }

  async delete(key: string, options?: DeleteOptions): Promise<void> {
    return (await this.#inner()).delete(key, options);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* (await this.#inner()).list(prefix);
  }
}
