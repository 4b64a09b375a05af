/**
 * Watches a content root and reports batches of changed content keys (`articles/x.md`, `site.json`): relative to
 * the root, `/`-separated, as the content store names them. The dev server rebuilds from them.
 *
 * Built on @parcel/watcher (README, "Watching"): one native watch per directory (inotify, FSEvents,
 * ReadDirectoryChangesW), never one per file, so a save that replaces a file by renaming another over it (sed -i,
 * vim, VS Code) cannot detach the watch, and bursts are coalesced per path in native code. Two gaps of its Linux
 * backend are closed here, because each leaves the dev server deaf to some files until it restarts:
 *
 * - A directory that arrives with content (`mkdir -p a/b`, `cp -r`, `git checkout`): the native watch on a new
 *   directory is added only once its create event is read, so files already in it go unreported and directories
 *   already in it are never watched (parcel-bundler/watcher#97 and #243). A new directory is therefore walked and
 *   every file in it reported; one holding sub-directories also gets a subscription of its own (which scans and
 *   watches its whole tree) and is walked once more when that subscription is in place.
 * - A directory removed or moved away is reported by its own path only: the files known under it are reported.
 */
import { type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { AsyncSubscription, Event, SubscribeCallback } from '@parcel/watcher';
import { WatchError } from '../core/errors.ts';

/** One batch of changes under the content root. */
export interface ContentChanges {
  /**
   * Keys of files created, changed or removed, sorted, each once. A key may name a file that is already gone again
   * (an editor's temporary file): the consumer looks and finds nothing to publish.
   */
  readonly keys: readonly string[];
  /** True when changes may be missing from `keys` (the native watcher reported an error): examine every source. */
  readonly incomplete: boolean;
}

export interface WatchContentOptions {
  /** The keys worth reporting (default: every file). Directories are followed whatever it says. */
  readonly accept?: (key: string) => boolean;
  /** Receives each batch, in order. */
  readonly onChanges: (changes: ContentChanges) => void;
  /** Receives problems met after the start; the watch goes on, and an incomplete batch follows each one. */
  readonly onError: (error: WatchError) => void;
}

export interface ContentWatcher {
  /** The real path watched. */
  readonly root: string;
  close(): Promise<void>;
}

type Subscribe = (dir: string, callback: SubscribeCallback) => Promise<AsyncSubscription>;

/**
 * Starts watching `root` (a directory) and resolves once the watch is in place: a change made after that is
 * reported. Throws a `WatchError` when the root is missing or the native watcher cannot start.
 */
export async function watchContent(root: string, options: WatchContentOptions): Promise<ContentWatcher> {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (error) {
    throw new WatchError(root, (error as { code?: string }).code === 'ENOENT' ? 'no such directory' : String(error), {
      cause: error,
    });
  }
  const watch = new TreeWatch(real, await loadSubscribe(root), options);
  await watch.start();
  return watch;
}

/** Loaded on first use, so commands that never watch never load the native module. */
async function loadSubscribe(root: string): Promise<Subscribe> {
  try {
    const { subscribe } = await import('@parcel/watcher');
    return subscribe;
  } catch (error) {
    throw new WatchError(
      root,
      `@parcel/watcher does not load on ${process.platform}-${process.arch}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * A native subscription over one directory's tree. `asked` and `settled` are readings of one counter taken when it
 * was requested and when it was in place, so two subscriptions can be ordered.
 */
interface Subscription {
  readonly asked: number;
  settled: number;
  readonly ready: Promise<AsyncSubscription | null>;
}

class TreeWatch implements ContentWatcher {
  readonly root: string;
  readonly #subscribe: Subscribe;
  readonly #options: WatchContentOptions;
  readonly #accept: (key: string) => boolean;
  /** Files and directories known to exist, by key: what a removed directory held. */
  readonly #files = new Set<string>();
  readonly #dirs = new Set<string>();
  /** By the key of the directory each one watches; '' is the root's. */
  readonly #subscriptions = new Map<string, Subscription>();
  #counter = 0;
  #closed = false;

  constructor(root: string, subscribe: Subscribe, options: WatchContentOptions) {
    this.root = root;
    this.#subscribe = subscribe;
    this.#options = options;
    this.#accept = options.accept ?? (() => true);
  }

  async start(): Promise<void> {
    const ready = this.#subscribe(this.root, (error, events) => this.#onEvents(error, events));
    this.#subscriptions.set('', { asked: ++this.#counter, settled: Infinity, ready: ready.catch(() => null) });
    try {
      await ready;
    } catch (error) {
      this.#subscriptions.delete('');
      throw new WatchError(this.root, (error as Error).message, { cause: error });
    }
    // Walked once the watch is in place, so nothing created in between goes unknown.
    this.#walk('', new Set<string>());
  }

  async close(): Promise<void> {
    this.#closed = true;
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map(unsubscribe));
  }

  #onEvents(error: Error | null, events: readonly Event[]): void {
    if (this.#closed) return;
    const changed = new Set<string>();
    const grown: string[] = [];
    let incomplete = false;
    if (error !== null) {
      incomplete = true;
      this.#options.onError(new WatchError(this.root, error.message, { cause: error }));
    }
    for (const event of events) {
      const key = this.#keyOf(event.path);
      if (key === '') {
        if (event.type === 'delete') {
          incomplete = true;
          this.#options.onError(new WatchError(this.root, 'the directory was removed or moved away'));
        }
      } else if (key !== null) {
        if (event.type === 'delete') this.#removed(key, changed);
        else if (event.type === 'create') this.#created(key, changed, grown);
        else if (!this.#dirs.has(key)) {
          this.#files.add(key);
          changed.add(key);
        }
      }
    }
    this.#emit(changed, incomplete);
    // One subscription for the outermost new directory covers those inside it: its scan comes after all of them
    // were created (they are in this batch, so they existed before it was read).
    for (const dir of grown) {
      if (!grown.some((outer) => dir.startsWith(`${outer}/`))) void this.#watchGrown(dir);
    }
  }

  #created(key: string, changed: Set<string>, grown: string[]): void {
    let isDirectory: boolean;
    try {
      isDirectory = lstatSync(this.#path(key)).isDirectory();
    } catch {
      // Gone again before it could be looked at: a file never seen changed nothing; a known one was removed.
      if (this.#files.has(key) || this.#dirs.has(key)) this.#removed(key, changed);
      return;
    }
    if (!isDirectory) {
      this.#files.add(key);
      changed.add(key);
      return;
    }
    this.#dirs.add(key);
    if (this.#walk(key, changed)) grown.push(key);
  }

  #removed(key: string, changed: Set<string>): void {
    if (!this.#dirs.has(key)) {
      this.#files.delete(key);
      changed.add(key);
      return;
    }
    const under = `${key}/`;
    for (const file of this.#files) {
      if (file.startsWith(under)) {
        this.#files.delete(file);
        changed.add(file);
      }
    }
    for (const dir of [...this.#dirs]) if (dir === key || dir.startsWith(under)) this.#dirs.delete(dir);
    for (const [dir, subscription] of this.#subscriptions) {
      if (dir === key || dir.startsWith(under)) {
        this.#subscriptions.delete(dir);
        void unsubscribe(subscription);
      }
    }
  }

  /** Records what is under `dir`, adding files not known yet to `changed`; true when it holds sub-directories. */
  #walk(dir: string, changed: Set<string>): boolean {
    let entries: Dirent[];
    try {
      entries = readdirSync(this.#path(dir), { withFileTypes: true });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        this.#options.onError(new WatchError(this.root, `cannot read ${dir || '.'}: ${code}`, { cause: error }));
      }
      return false;
    }
    let hasSubdirectories = false;
    for (const entry of entries) {
      const key = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        hasSubdirectories = true;
        this.#dirs.add(key);
        this.#walk(key, changed);
      } else if (!this.#files.has(key)) {
        this.#files.add(key);
        changed.add(key);
      }
    }
    return hasSubdirectories;
  }

  /**
   * A new directory with sub-directories gets a subscription of its own, whose scan watches the whole tree; then a
   * second walk reports files that arrived before that scan.
   */
  async #watchGrown(dir: string): Promise<void> {
    if (this.#closed || this.#subscriptions.has(dir)) return;
    const ready = this.#subscribe(this.#path(dir), (error, events) => this.#onEvents(error, events)).catch(
      (error: unknown) => {
        if (!this.#closed && this.#dirs.has(dir)) {
          this.#options.onError(new WatchError(this.root, `${dir}: ${(error as Error).message}`, { cause: error }));
          this.#emit(new Set<string>(), true);
        }
        return null;
      },
    );
    const subscription: Subscription = { asked: ++this.#counter, settled: Infinity, ready };
    this.#subscriptions.set(dir, subscription);
    if ((await ready) === null || this.#closed || this.#subscriptions.get(dir) !== subscription) return;
    subscription.settled = ++this.#counter;
    // A subscription inside this tree that was in place before this one was asked for watches nothing more: every
    // directory it watches existed when this one scanned.
    for (const [other, older] of this.#subscriptions) {
      if (other.startsWith(`${dir}/`) && older.settled < subscription.asked) {
        this.#subscriptions.delete(other);
        void unsubscribe(older);
      }
    }
    const changed = new Set<string>();
    this.#walk(dir, changed);
    this.#emit(changed, false);
  }

  #emit(changed: Set<string>, incomplete: boolean): void {
    const keys = [...changed].filter((key) => this.#accept(key)).sort();
    if (keys.length > 0 || incomplete) this.#options.onChanges({ keys, incomplete });
  }

  #keyOf(path: string): string | null {
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return null;
    return sep === '/' ? rel : rel.split(sep).join('/');
  }

  #path(key: string): string {
    return key === '' ? this.root : join(this.root, ...key.split('/'));
  }
}

async function unsubscribe(subscription: Subscription): Promise<void> {
  const native = await subscription.ready;
  // A tree whose root was removed is unwatched by the kernel already; the native call then fails harmlessly.
  await native?.unsubscribe().catch(() => undefined);
}
