import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describeSystemError, isSystemError, PreconditionFailedError, StoreError } from '../core/errors.ts';
import { contentTypeByExtension } from '../core/media-types.ts';
import {
  type DeleteOptions,
  isValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from '../core/ports.ts';

const TEMP_SUFFIX = '.wirefeed-tmp';

function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');
}

/** Every write, rename-over, truncation or `touch` changes at least one of these, whatever mtime a tool restores. */
function revisionOf(stats: Stats): string {
  // Base 36 and whole microseconds: short, because a reconcile compares (and the index stores) one per source.
  const micros = (ms: number) => Math.round(ms * 1000).toString(36);
  return `${stats.ino.toString(36)}.${stats.size.toString(36)}.${micros(stats.mtimeMs)}.${micros(stats.ctimeMs)}`;
}

/** Why an entry that is not a regular file or a directory is not read as an object. */
function unreadableReason(stats: Pick<Stats, 'isSymbolicLink'>): string {
  return stats.isSymbolicLink()
    ? 'is a symbolic link; links are not followed (copy the file into the folder instead)'
    : 'is not a regular file';
}

const EMPTY = new Uint8Array();

/**
 * An ObjectStore over a directory. Writes go to a temporary file renamed into place, so a reader
 * (or a crash) never sees half an object — except a `createInPlace` write of a file that does not exist yet, which
 * is one exclusive create and write (a full build creates tens of thousands of files; no reader waits on them). ETags are quoted MD5 hex, as S3 gives for single-part
 * uploads, so both adapters agree on "unchanged bytes". Content-Type is implied by the extension;
 * Cache-Control is not kept (the local server sets its own). Symbolic links are listed as unreadable and never
 * followed, so a link in a content folder cannot publish a file from elsewhere on the machine.
 *
 * Conditional writes are atomic against other writers on the same file system: a create links a finished
 * temporary file into place (the link fails if the key exists); a replace or delete first renames the current
 * file aside (only one writer can), checks that it is the expected version, and only then links the new one in.
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

  #info(key: string, path: string): ObjectInfo {
    const stats = lstatSync(path);
    if (stats.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
    if (!stats.isFile()) {
      return {
        key,
        etag: md5Etag(EMPTY),
        size: 0,
        lastModified: stats.mtime,
        revision: revisionOf(stats),
        unreadable: unreadableReason(stats),
      };
    }
    return {
      key,
      etag: this.#etagOf(key, path, stats, 'head'),
      size: stats.size,
      lastModified: stats.mtime,
      revision: revisionOf(stats),
    };
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.#path(key, 'get');
    let fd: number;
    try {
      // O_NOFOLLOW: a symbolic link is reported, never read through.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isCode(error, 'ELOOP', 'EMLINK')) return this.#unreadableObject(key, path);
      if (isCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return null;
      return this.#fail('get', key, error);
    }
    try {
      const stats = fstatSync(fd);
      if (stats.isDirectory()) return null;
      if (!stats.isFile()) return this.#unreadableObject(key, path);
      const body = new Uint8Array(readFileSync(fd));
      const etag = md5Etag(body);
      this.#etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
      return {
        key,
        etag,
        size: body.byteLength,
        lastModified: stats.mtime,
        revision: revisionOf(stats),
        body,
        contentType: contentTypeByExtension(key),
        cacheControl: undefined,
      };
    } catch (error) {
      if (isCode(error, 'EISDIR')) return null;
      return this.#fail('get', key, error);
    } finally {
      closeSync(fd);
    }
  }

  #unreadableObject(key: string, path: string): StoredObject | null {
    try {
      return { ...this.#info(key, path), body: EMPTY, contentType: undefined, cacheControl: undefined };
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
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

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = this.#path(key, 'put');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    // Hashed only if a caller reads it: a build writing thousands of pages never does.
    const result = {
      get etag() {
        return md5Etag(bytes);
      },
    };
    const dir = dirname(path);
    if (
      options.createInPlace === true &&
      options.ifMatch === undefined &&
      options.ifNoneMatch === undefined &&
      !options.confidential &&
      this.#createInPlace(key, path, dir, bytes)
    ) {
      return result;
    }
    const temp = this.#tempFor(path);
    /** False once a rename consumed the temporary file: no unlink call left to make. */
    let leftover = true;
    try {
      this.#ensureDir(dir);
      if (options.confidential) this.#makePrivate(dir);
      // The mode is set at creation, so the secret is never readable by others, not even for a moment.
      writeFileSync(temp, bytes, options.confidential ? { mode: 0o600 } : undefined);
      if (options.ifNoneMatch === '*') this.#linkInPlace(temp, path, 'put', key);
      else if (options.ifMatch !== undefined) this.#replaceVersion(path, options.ifMatch, 'put', key, temp);
      else {
        renameSync(temp, path);
        leftover = false;
      }
      // The next list/head hashes the file again; it may change behind this instance's back.
      this.#etags.delete(path);
      return result;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      // A directory removed behind our back (e.g. a wiped output root) must be made again.
      this.#dirs.clear();
      return this.#fail('put', key, error);
    } finally {
      // Best effort: when the directory itself cannot be made (a file stands in its way), neither can the temp file.
      if (leftover) {
        try {
          rmSync(temp, { force: true });
        } catch {}
      }
    }
  }

  /**
   * Writes a file that does not exist yet straight to its name (exclusive create: one open, one write, one close,
   * no temporary file, no rename). False when the file exists: the caller replaces it atomically.
   */
  #createInPlace(key: string, path: string, dir: string, bytes: Uint8Array): boolean {
    let fd: number;
    try {
      this.#ensureDir(dir);
      fd = openSync(path, 'wx');
    } catch (error) {
      if (isCode(error, 'EEXIST')) return false;
      // A directory removed behind our back (e.g. a wiped output root) must be made again.
      this.#dirs.clear();
      if (isCode(error, 'ENOENT')) return false;
      return this.#fail('put', key, error);
    }
    try {
      writeSync(fd, bytes);
    } catch (error) {
      return this.#fail('put', key, error);
    } finally {
      closeSync(fd);
    }
    this.#etags.delete(path);
    return true;
  }

  /** 0700 on the object's directory, also when an earlier version made it world-readable. */
  #makePrivate(dir: string): void {
    if (this.#privateDirs.has(dir)) return;
    chmodSync(dir, 0o700);
    this.#privateDirs.add(dir);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    const path = this.#path(key, 'delete');
    try {
      if (options.ifMatch === undefined) rmSync(path, { force: true });
      else this.#replaceVersion(path, options.ifMatch, 'delete', key, null);
      this.#etags.delete(path);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      this.#fail('delete', key, error);
    }
  }

  #tempFor(path: string): string {
    return `${path}.${process.pid}-${this.#writes++}${TEMP_SUFFIX}`;
  }

  #ensureDir(dir: string): void {
    if (this.#dirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    sweepOrphans(dir);
    this.#dirs.add(dir);
  }

  /** Creates `path` from the finished `temp` only if nothing is there: link(2) fails atomically if it exists. */
  #linkInPlace(temp: string, path: string, operation: string, key: string): void {
    try {
      linkSync(temp, path);
    } catch (error) {
      if (isCode(error, 'EEXIST')) throw new PreconditionFailedError(operation, join(this.#root, key));
      // File systems without hard links: an exclusive create is still atomic, only its bytes are written after.
      if (!isCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV')) throw error;
      try {
        writeFileSync(path, readFileSync(temp), { flag: 'wx' });
      } catch (inner) {
        if (isCode(inner, 'EEXIST')) throw new PreconditionFailedError(operation, join(this.#root, key));
        throw inner;
      }
    }
  }

  /**
   * Replaces (with `temp`) or deletes (`temp` null) the file at `path` only if it is the version `etag`. The
   * current file is renamed aside first, which only one writer can do; a version that turns out not to be the
   * expected one is linked back.
   */
  #replaceVersion(path: string, etag: string, operation: string, key: string, temp: string | null): void {
    const aside = this.#tempFor(path);
    try {
      renameSync(path, aside);
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw new PreconditionFailedError(operation, join(this.#root, key));
      throw error;
    }
    try {
      if (md5Etag(readFileSync(aside)) !== etag) {
        try {
          linkSync(aside, path);
        } catch (error) {
          // Someone created a new version meanwhile; the one set aside is superseded either way.
          if (!isCode(error, 'EEXIST')) throw error;
        }
        throw new PreconditionFailedError(operation, join(this.#root, key));
      }
      if (temp !== null) this.#linkInPlace(temp, path, operation, key);
    } finally {
      rmSync(aside, { force: true });
    }
  }

  /**
   * Lists with the ETag computed on first access, from a stat-keyed cache: a caller that can tell
   * "unchanged" from size and mtime never makes the store read the file.
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* this.#listed(prefix);
  }

  /** The whole listing in one array: a reconcile of tens of thousands of sources awaits once, not once per file. */
  async *listPages(prefix: string): AsyncIterable<readonly ObjectInfo[]> {
    const listed = this.#listed(prefix);
    if (listed.length > 0) yield listed;
  }

  /** The listing of `list` and `listPages`: one walk, then one `lstat` per file. */
  #listed(prefix: string): ObjectInfo[] {
    // Walk only the directory that can hold the prefix, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    this.#walk(base, keys);
    keys.sort();
    const listed: ObjectInfo[] = [];
    const hash = this.#etagOf.bind(this);
    for (const key of keys) {
      if (!key.startsWith(prefix)) continue;
      // Keys are validated relative paths: a plain concatenation is the path (and far cheaper than join).
      const path = `${this.#root}/${key}`;
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats === undefined || stats.isDirectory()) continue;
      if (!stats.isFile()) {
        listed.push({
          key,
          size: 0,
          lastModified: stats.mtime,
          etag: md5Etag(EMPTY),
          revision: revisionOf(stats),
          unreadable: unreadableReason(stats),
        });
        continue;
      }
      listed.push(new ListedFile(key, path, stats, hash));
    }
    return listed;
  }

  #etagOf(key: string, path: string, stats: Stats, operation: string): string {
    const cached = this.#etags.get(path);
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) return cached.etag;
    try {
      const etag = md5Etag(readFileSync(path));
      this.#etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
      return etag;
    } catch (error) {
      return this.#fail(operation, key, error);
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
      // Symbolic links and other special entries are listed (as unreadable), never walked into.
      else if (!entry.name.endsWith(TEMP_SUFFIX)) into.push(key);
    }
  }
}

/**
 * One listed file. The ETag (a hash of the bytes) and the Date are computed only if a caller reads them: a
 * reconcile of tens of thousands of sources compares revisions and never needs either.
 */
class ListedFile implements ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly revision: string;
  readonly #path: string;
  readonly #stats: Stats;
  readonly #hash: (key: string, path: string, stats: Stats, operation: string) => string;

  constructor(
    key: string,
    path: string,
    stats: Stats,
    hash: (key: string, path: string, stats: Stats, operation: string) => string,
  ) {
    this.key = key;
    this.size = stats.size;
    this.revision = revisionOf(stats);
    this.#path = path;
    this.#stats = stats;
    this.#hash = hash;
  }

  get etag(): string {
    return this.#hash(this.key, this.#path, this.#stats, 'list');
  }

  get lastModified(): Date {
    return this.#stats.mtime;
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
