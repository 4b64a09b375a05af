import { createHash } from 'node:crypto';
import {
  chmodSync,
  type Dirent,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describeSystemError, isSystemError, StoreError } from '../core/errors.ts';
import { contentTypeByExtension } from '../core/media-types.ts';
import { isValidKey, type ObjectInfo, type ObjectStore, type PutOptions, type StoredObject } from '../core/ports.ts';

const TEMP_SUFFIX = '.wirefeed-tmp';

function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');
}

/**
 * An ObjectStore over a directory. Writes go to a temporary file renamed into place, so a reader
 * (or a crash) never sees half an object. ETags are quoted MD5 hex, as S3 gives for single-part
 * uploads, so both adapters agree on "unchanged bytes". Content-Type is implied by the extension;
 * Cache-Control is not kept (the local server sets its own).
 *
 * The file calls are synchronous on purpose: objects here are small files on a local disk, where a
 * synchronous call costs a third of a promise call's round trip through libuv's thread pool
 * (measured on the 10,000-article benchmark); the methods stay async to honour the port.
 */
export class FsStore implements ObjectStore {
  readonly location: string;
  readonly #root: string;
  /** ETags of files already hashed, keyed by path; valid while size and mtime are unchanged. */
  readonly #etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();
  /** Directories this instance has already created, so a build of thousands of files skips the mkdir calls. */
  readonly #dirs = new Set<string>();
  /** Directories already made owner-only for confidential objects. */
  readonly #privateDirs = new Set<string>();
  /** Numbers temporary files; with the pid it keeps concurrent writers apart without random bytes. */
  #writes = 0;

  constructor(root: string) {
    this.#root = root;
    this.location = root;
  }

  #path(key: string, operation: string): string {
    if (!isValidKey(key) || key.endsWith(TEMP_SUFFIX))
      throw new StoreError(operation, `${this.#root}/${key}`, 'invalid key');
    return join(this.#root, ...key.split('/'));
  }

  #fail(operation: string, key: string, error: unknown): never {
    const code = (error as { code?: string }).code ?? 'error';
    const retryable = ['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY'].includes(code);
    const reason = isSystemError(error) ? describeSystemError(error) : `${code}: ${(error as Error).message}`;
    throw new StoreError(operation, join(this.#root, key), reason, {
      cause: error,
      retryable,
    });
  }

  #info(key: string, path: string, body?: Uint8Array): ObjectInfo {
    const stats = statSync(path);
    if (!stats.isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'EISDIR' });
    const cached = this.#etags.get(path);
    let etag: string;
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs && body === undefined) {
      etag = cached.etag;
    } else {
      etag = md5Etag(body ?? readFileSync(path));
      this.#etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
    }
    return { key, etag, size: stats.size, lastModified: stats.mtime };
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.#path(key, 'get');
    try {
      const body = new Uint8Array(readFileSync(path));
      const info = this.#info(key, path, body);
      return { ...info, body, contentType: contentTypeByExtension(key), cacheControl: undefined };
    } catch (error) {
      if (isCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return null;
      return this.#fail('get', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.#path(key, 'head');
    try {
      return this.#info(key, path);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return null;
      return this.#fail('head', key, error);
    }
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string }> {
    const path = this.#path(key, 'put');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const temp = `${path}.${process.pid}-${this.#writes++}${TEMP_SUFFIX}`;
    try {
      const dir = dirname(path);
      if (!this.#dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        sweepOrphans(dir);
        this.#dirs.add(dir);
      }
      if (options?.confidential) this.#makePrivate(dir);
      // The mode is set at creation, so the secret is never readable by others, not even for a moment.
      writeFileSync(temp, bytes, options?.confidential ? { mode: 0o600 } : undefined);
      renameSync(temp, path);
      // The next list/head hashes the file again; it may change behind this instance's back.
      this.#etags.delete(path);
      // Hashed only if a caller reads it: a build writing thousands of pages never does.
      return {
        get etag() {
          return md5Etag(bytes);
        },
      };
    } catch (error) {
      // Best effort: when the directory itself cannot be made (a file stands in its way), neither can the temp file.
      try {
        rmSync(temp, { force: true });
      } catch {}
      // A directory removed behind our back (e.g. a wiped output root) must be made again.
      this.#dirs.clear();
      return this.#fail('put', key, error);
    }
  }

  /** 0700 on the object's directory, also when an earlier version made it world-readable. */
  #makePrivate(dir: string): void {
    if (this.#privateDirs.has(dir)) return;
    chmodSync(dir, 0o700);
    this.#privateDirs.add(dir);
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key, 'delete');
    try {
      rmSync(path, { force: true });
      this.#etags.delete(path);
    } catch (error) {
      this.#fail('delete', key, error);
    }
  }

  /**
   * Lists with the ETag computed on first access, from a stat-keyed cache: a caller that can tell
   * "unchanged" from size and mtime never makes the store read the file.
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directory that can hold the prefix, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    this.#walk(base, keys);
    keys.sort();
    for (const key of keys) {
      if (!key.startsWith(prefix)) continue;
      const path = join(this.#root, ...key.split('/'));
      let stats: Stats;
      try {
        stats = statSync(path);
      } catch (error) {
        if (isCode(error, 'ENOENT')) continue;
        return this.#fail('list', key, error);
      }
      const etagOf = () => this.#etagOf(key, path, stats);
      yield {
        key,
        size: stats.size,
        lastModified: stats.mtime,
        get etag() {
          return etagOf();
        },
      };
    }
  }

  #etagOf(key: string, path: string, stats: Stats): string {
    const cached = this.#etags.get(path);
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) return cached.etag;
    try {
      const etag = md5Etag(readFileSync(path));
      this.#etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
      return etag;
    } catch (error) {
      return this.#fail('list', key, error);
    }
  }

  #walk(relative: string, into: string[]): void {
    const dir = relative === '' ? this.#root : join(this.#root, ...relative.split('/'));
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
      this.#fail('list', relative, error);
    }
    for (const entry of entries) {
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) this.#walk(key, into);
      else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX)) into.push(key);
    }
  }
}

/**
 * Removes temporary files that a killed writer left in `dir` (their names carry the writer's pid),
 * so an interrupted build leaves no debris in a served directory once the next build writes there.
 */
function sweepOrphans(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(TEMP_SUFFIX)) continue;
    const pid = Number(/\.(\d+)-\d+\.wirefeed-tmp$/.exec(name)?.[1]);
    if (pid === process.pid || (Number.isInteger(pid) && isAlive(pid))) continue;
    rmSync(join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}
