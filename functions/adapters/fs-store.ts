import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreError } from '../core/errors.ts';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../core/ports.ts';

const TEMP_SUFFIX = '.wirefeed-tmp';
const LIST_WINDOW = 64;

/** Content-Type a directory implies for a key, since a plain directory keeps no per-file metadata. */
const TYPES_BY_EXTENSION: Record<string, string> = {
  xml: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
};

function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * An ObjectStore over a directory. Writes go to a temporary file renamed into place, so a reader
 * (or a crash) never sees half an object. ETags are quoted MD5 hex, as S3 gives for single-part
 * uploads, so both adapters agree on "unchanged bytes". Content-Type is implied by the extension;
 * Cache-Control is not kept (the local server sets its own).
 */
export class FsStore implements ObjectStore {
  readonly location: string;
  readonly #root: string;
  /** ETags of files already hashed, keyed by path; valid while size and mtime are unchanged. */
  readonly #etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();
  /** Directories this instance has already created, so a build of thousands of files skips the mkdir calls. */
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.#root = root;
    this.location = root;
  }

  #path(key: string, operation: string): string {
    const bad =
      key === '' ||
      key.startsWith('/') ||
      key.includes('\\') ||
      key.includes('\0') ||
      key.split('/').some((part) => part === '' || part === '.' || part === '..') ||
      key.endsWith(TEMP_SUFFIX);
    if (bad) throw new StoreError(operation, `${this.#root}/${key}`, 'invalid key');
    return join(this.#root, ...key.split('/'));
  }

  #fail(operation: string, key: string, error: unknown): never {
    const code = (error as { code?: string }).code ?? 'error';
    const retryable = ['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY'].includes(code);
    throw new StoreError(operation, join(this.#root, key), `${code}: ${(error as Error).message}`, {
      cause: error,
      retryable,
    });
  }

  async #info(key: string, path: string, body?: Uint8Array): Promise<ObjectInfo> {
    const stats = await stat(path);
    const cached = this.#etags.get(path);
    let etag: string;
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs && body === undefined) {
      etag = cached.etag;
    } else {
      etag = md5Etag(body ?? (await readFile(path)));
      this.#etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
    }
    return { key, etag, size: stats.size, lastModified: stats.mtime };
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.#path(key, 'get');
    try {
      const body = new Uint8Array(await readFile(path));
      const info = await this.#info(key, path, body);
      return { ...info, body, contentType: contentTypeByExtension(key), cacheControl: undefined };
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'EISDIR') || isCode(error, 'ENOTDIR')) return null;
      return this.#fail('get', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.#path(key, 'head');
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return null;
      return await this.#info(key, path);
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return null;
      return this.#fail('head', key, error);
    }
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<{ etag: string }> {
    const path = this.#path(key, 'put');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const temp = `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    try {
      const dir = dirname(path);
      if (!this.#dirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.#dirs.add(dir);
      }
      await writeFile(temp, bytes);
      await rename(temp, path);
      // The next list/head hashes again only if the file changes behind our back; this one is known.
      this.#etags.delete(path);
      return { etag: md5Etag(bytes) };
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      // A directory removed behind our back (e.g. a wiped output root) must be made again.
      this.#dirs.clear();
      return this.#fail('put', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key, 'delete');
    try {
      await rm(path, { force: true });
      this.#etags.delete(path);
    } catch (error) {
      this.#fail('delete', key, error);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directory that can hold the prefix, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.#walk(base, keys);
    keys.sort();
    const matching = keys.filter((key) => key.startsWith(prefix));
    // Hash a window of files concurrently: on a busy disk, one file at a time is latency-bound.
    for (let start = 0; start < matching.length; start += LIST_WINDOW) {
      const infos = await Promise.all(
        matching.slice(start, start + LIST_WINDOW).map(async (key) => {
          try {
            return await this.#info(key, join(this.#root, ...key.split('/')));
          } catch (error) {
            if (isCode(error, 'ENOENT')) return null;
            return this.#fail('list', key, error);
          }
        }),
      );
      for (const info of infos) if (info !== null) yield info;
    }
  }

  async #walk(relative: string, into: string[]): Promise<void> {
    const dir = relative === '' ? this.#root : join(this.#root, ...relative.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return;
      return this.#fail('list', relative, error);
    }
    for (const entry of entries) {
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await this.#walk(key, into);
      else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX)) into.push(key);
    }
  }
}

export function contentTypeByExtension(key: string): string {
  const dot = key.lastIndexOf('.');
  const ext = dot === -1 ? '' : key.slice(dot + 1).toLowerCase();
  return TYPES_BY_EXTENSION[ext] ?? 'application/octet-stream';
}
