/**
 * The paged archive of a collection, as pure data and rules (docs/ARCHITECTURE.md, "Collections").
 *
 * A collection's articles are kept in pages with stable boundaries. Pages are ordered oldest first; page i holds
 * the entries from its lower boundary `lo` (inclusive) up to the next page's boundary (exclusive); the first page
 * has no lower boundary and the last one — the open page, published as `index.html` — no upper one. Pages are
 * numbered when they are created and keep their number for good, so an archive URL never changes meaning.
 *
 * - A new article lands on the page covering its date: the open page for news, an older page for a backdated one.
 * - When the open page holds more than `pageSize` entries, its oldest `pageSize` stay (the page is sealed) and the
 *   rest open a new page; older pages are untouched.
 * - A sealed page that grows past `2 × pageSize` (a flood of backdated articles) is split in two; the older half
 *   keeps the number, the newer half gets a new one.
 * - A page emptied by deletions stays, with its boundary, so links to it keep working.
 *
 * So an edit rewrites only the page that holds the article (two if its date moves it), a new article rewrites only
 * the open page (and, when it seals, the page it opens), and no page ever holds more than `2 × pageSize` entries.
 */

/** Where an article sorts: by `published`, ties by `id`. */
export interface SortKey {
  readonly published: string;
  readonly id: string;
}

/** What an archive page shows of an article (its headline), with what the feed window needs to notice a change. */
export interface ArchiveEntry extends SortKey {
  readonly title: string;
  readonly summary: string;
  readonly authors: readonly string[];
  readonly updated: string;
  readonly contentHash: string;
  /** The entry id the article was first published with, when its record keeps one (archive documents show it). */
  readonly entryId?: string;
}

/** One page in the directory. */
export interface PageRef {
  /** Stable page number (`archive/<number>.html`). */
  readonly number: number;
  /** Lowest key the page holds (inclusive); null for the first page. */
  readonly lo: SortKey | null;
  readonly count: number;
  /** Name of the stored version of the page's entries (changes with them). */
  readonly version: string;
  /** Hash of the HTML last published for the page; null until it is written. */
  readonly rendered: string | null;
  /** Set when the page's entries or neighbours changed since it was last rendered. */
  readonly dirty: boolean;
  /** sha256 of each archive feed document of the page as last published, by path (absent before). */
  readonly feeds?: Readonly<Record<string, string>>;
}

/** An entry of the feed window: enough to tell whether the rendered feeds still show it as it is. */
export interface WindowKey extends SortKey {
  readonly updated: string;
  readonly contentHash: string;
}

/** The directory of a collection: its pages, oldest first, and the keys of its feed window, newest first. */
export interface ArchiveDirectory {
  readonly pages: readonly PageRef[];
  readonly nextNumber: number;
  readonly window: readonly WindowKey[];
}

/** A change of one article in a collection: where it sorted before (null: not a member), what it is now. */
export interface ArchiveDelta {
  readonly id: string;
  readonly before: SortKey | null;
  readonly after: ArchiveEntry | null;
}

export interface ArchiveLimits {
  /** Entries on a sealed page, and at most on the open page. */
  readonly pageSize: number;
  /** Articles in the feed window. */
  readonly windowSize: number;
}

export const EMPTY_DIRECTORY: ArchiveDirectory = { pages: [], nextNumber: 1, window: [] };

/** Newest first: later `published` first, ties by `id` ascending (the feeds' and the pages' order). */
export function compareNewestFirst(a: SortKey, b: SortKey): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameKey(a: SortKey, b: SortKey): boolean {
  return a.published === b.published && a.id === b.id;
}

/** Index (in `pages`, oldest first) of the page whose range covers `key`; -1 when there are no pages. */
export function pageIndexFor(pages: readonly PageRef[], key: SortKey): number {
  // The last page whose lower boundary is not newer than the key.
  let low = 0;
  let high = pages.length - 1;
  let found = pages.length === 0 ? -1 : 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const lo = (pages[middle] as PageRef).lo;
    if (lo === null || compareNewestFirst(lo, key) >= 0) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * Applies deltas to a directory and the entries of its pages. Pure and synchronous: the caller loads the pages
 * `pagesNeeded` names first (from storage), then calls `apply`, `settle`, and reads back the changed pages.
 */
export class ArchiveEditor {
  #pages: PageRef[];
  #nextNumber: number;
  #window: WindowKey[];
  readonly #limits: ArchiveLimits;
  /** Loaded entries by page number, newest first. */
  readonly #entries = new Map<number, ArchiveEntry[]>();
  /** Pages whose entries changed since they were loaded. */
  readonly #changed = new Set<number>();
  #windowStale = false;

  constructor(directory: ArchiveDirectory, limits: ArchiveLimits) {
    this.#pages = [...directory.pages];
    this.#nextNumber = directory.nextNumber;
    this.#window = [...directory.window];
    this.#limits = limits;
    const total = directory.pages.reduce((sum, page) => sum + page.count, 0);
    // A changed item limit (or a window never computed) makes the window stale without any delta.
    if (this.#window.length !== Math.min(limits.windowSize, total)) this.#windowStale = true;
  }

  /** Numbers of the pages `deltas` touch that are not loaded yet. */
  pagesNeeded(deltas: readonly ArchiveDelta[]): number[] {
    const needed = new Set<number>();
    for (const delta of deltas) {
      for (const key of [delta.before, delta.after]) {
        if (key === null) continue;
        const page = this.#pages[pageIndexFor(this.#pages, key)];
        if (page !== undefined && !this.#entries.has(page.number)) needed.add(page.number);
      }
    }
    return [...needed];
  }

  /** Hands the editor a page's stored entries (newest first). */
  load(number: number, entries: readonly ArchiveEntry[]): void {
    if (!this.#entries.has(number)) this.#entries.set(number, [...entries]);
  }

  isLoaded(number: number): boolean {
    return this.#entries.has(number);
  }

  /** Applies deltas in order; every page they touch must be loaded. Idempotent for a replayed suffix of deltas. */
  apply(deltas: readonly ArchiveDelta[]): void {
    for (const delta of deltas) {
      if (delta.before !== null) this.#remove(delta.id, delta.before);
      if (delta.after !== null) this.#insert(delta.after);
      if (this.#windowStale || this.#editInWindow(delta)) continue;
      if (this.#touchesWindow(delta)) this.#windowStale = true;
    }
  }

  /**
   * An edit that keeps an article's place (same date and id) while it is in the window changes only that window
   * key: updated in place, so the window is not recomputed from the newest pages (which may need an older page
   * read when the open page holds fewer entries than the window).
   */
  #editInWindow(delta: ArchiveDelta): boolean {
    const { before, after } = delta;
    if (before === null || after === null || !sameKey(before, after)) return false;
    const index = this.#window.findIndex((key) => key.id === delta.id && sameKey(key, before));
    if (index === -1) return false;
    const window = [...this.#window];
    window[index] = {
      published: after.published,
      id: after.id,
      updated: after.updated,
      contentHash: after.contentHash,
    };
    this.#window = window;
    return true;
  }

  #entriesAt(key: SortKey): { page: PageRef; entries: ArchiveEntry[] } | null {
    const page = this.#pages[pageIndexFor(this.#pages, key)];
    if (page === undefined) return null;
    const entries = this.#entries.get(page.number);
    if (entries === undefined) throw new Error(`archive page ${page.number} was not loaded before it was changed`);
    return { page, entries };
  }

  #remove(id: string, key: SortKey): void {
    const at = this.#entriesAt(key);
    if (at === null) return;
    const index = at.entries.findIndex((entry) => entry.id === id);
    if (index === -1) return;
    at.entries.splice(index, 1);
    this.#changed.add(at.page.number);
  }

  #insert(entry: ArchiveEntry): void {
    if (this.#pages.length === 0) {
      const number = this.#nextNumber++;
      this.#pages.push({ number, lo: null, count: 0, version: '', rendered: null, dirty: true });
      this.#entries.set(number, []);
    }
    const at = this.#entriesAt(entry) as { page: PageRef; entries: ArchiveEntry[] };
    const existing = at.entries.findIndex((e) => e.id === entry.id);
    if (existing !== -1) at.entries.splice(existing, 1);
    // Entries are few per page; a sorted insert keeps them newest first.
    let position = 0;
    while (position < at.entries.length && compareNewestFirst(at.entries[position] as ArchiveEntry, entry) < 0) {
      position++;
    }
    at.entries.splice(position, 0, entry);
    this.#changed.add(at.page.number);
  }

  #touchesWindow(delta: ArchiveDelta): boolean {
    const last = this.#window.at(-1);
    if (last === undefined || this.#window.length < this.#limits.windowSize) return true;
    return [delta.before, delta.after].some((key) => key !== null && compareNewestFirst(key, last) <= 0);
  }

  /** Gives an empty collection its first (open, empty) page, so it still has a front page. */
  ensurePage(): void {
    if (this.#pages.length > 0) return;
    const number = this.#nextNumber++;
    this.#pages.push({ number, lo: null, count: 0, version: '', rendered: null, dirty: true });
    this.#entries.set(number, []);
    this.#changed.add(number);
  }

  /**
   * Seals an overfull open page and splits overfull sealed pages, then marks dirty every page whose entries or
   * neighbours changed. Returns the numbers of the pages whose entries must be stored.
   */
  settle(): number[] {
    const before = this.#neighbours();
    const pages: PageRef[] = [];
    for (let i = 0; i < this.#pages.length; i++) {
      const page = this.#pages[i] as PageRef;
      const entries = this.#entries.get(page.number);
      if (entries === undefined || !this.#changed.has(page.number)) {
        pages.push(page);
        continue;
      }
      const open = i === this.#pages.length - 1;
      for (const part of this.#cut(page, entries, open)) pages.push(part);
    }
    this.#pages = pages;
    const after = this.#neighbours();
    for (const [i, page] of this.#pages.entries()) {
      const moved = before.get(page.number) !== after.get(page.number);
      if (this.#changed.has(page.number) || moved) this.#pages[i] = { ...page, dirty: true };
    }
    return [...this.#changed];
  }

  /** The page and the pages split off it, oldest first, each with its count. */
  #cut(page: PageRef, entries: ArchiveEntry[], open: boolean): PageRef[] {
    const { pageSize } = this.#limits;
    const oldestFirst = [...entries].reverse();
    const parts: { number: number; lo: SortKey | null; entries: ArchiveEntry[] }[] = [];
    if (open) {
      // Sealed pages of exactly pageSize, counted from the oldest; the remainder stays open.
      for (let start = 0; start < oldestFirst.length || start === 0; start += pageSize) {
        const slice = oldestFirst.slice(start, start + pageSize);
        const first = slice[0];
        parts.push({
          number: start === 0 ? page.number : this.#nextNumber++,
          lo: start === 0 ? page.lo : first === undefined ? page.lo : { published: first.published, id: first.id },
          entries: slice,
        });
        if (oldestFirst.length - start <= pageSize) break;
      }
    } else {
      parts.push({ number: page.number, lo: page.lo, entries: oldestFirst });
      for (let i = 0; i < parts.length; ) {
        const part = parts[i] as (typeof parts)[number];
        if (part.entries.length <= 2 * pageSize) {
          i++;
          continue;
        }
        const half = Math.floor(part.entries.length / 2);
        const newer = part.entries.slice(half);
        const first = newer[0] as ArchiveEntry;
        parts.splice(
          i,
          1,
          { number: part.number, lo: part.lo, entries: part.entries.slice(0, half) },
          { number: this.#nextNumber++, lo: { published: first.published, id: first.id }, entries: newer },
        );
      }
    }
    return parts.map((part) => {
      this.#entries.set(part.number, part.entries.reverse());
      this.#changed.add(part.number);
      const known = part.number === page.number ? page : undefined;
      return {
        number: part.number,
        lo: part.lo,
        count: part.entries.length,
        version: known?.version ?? '',
        rendered: known?.rendered ?? null,
        dirty: true,
        ...(known?.feeds === undefined ? {} : { feeds: known.feeds }),
      };
    });
  }

  /** Page number → "older|newer" neighbour numbers, to see whose links changed. */
  #neighbours(): Map<number, string> {
    const map = new Map<number, string>();
    this.#pages.forEach((page, i) => {
      map.set(page.number, `${this.#pages[i - 1]?.number ?? ''}|${this.#pages[i + 1]?.number ?? ''}`);
    });
    return map;
  }

  /** Whether the window must be recomputed (after `apply`), and which pages that needs loaded. */
  windowPagesNeeded(): number[] {
    if (!this.#windowStale) return [];
    const needed: number[] = [];
    let covered = 0;
    for (let i = this.#pages.length - 1; i >= 0 && covered < this.#limits.windowSize; i--) {
      const page = this.#pages[i] as PageRef;
      covered += this.#entries.get(page.number)?.length ?? page.count;
      if (!this.#entries.has(page.number)) needed.push(page.number);
    }
    return needed;
  }

  /** Recomputes the window from the newest pages when a delta may have changed it (they must be loaded). */
  #refreshWindow(): void {
    if (!this.#windowStale) return;
    const window: WindowKey[] = [];
    for (let i = this.#pages.length - 1; i >= 0 && window.length < this.#limits.windowSize; i--) {
      const page = this.#pages[i] as PageRef;
      const entries = this.#entries.get(page.number);
      if (entries === undefined) throw new Error(`archive page ${page.number} was not loaded for the feed window`);
      for (const entry of entries) {
        if (window.length >= this.#limits.windowSize) break;
        window.push({
          published: entry.published,
          id: entry.id,
          updated: entry.updated,
          contentHash: entry.contentHash,
        });
      }
    }
    this.#window = window;
    this.#windowStale = false;
  }

  /** The pages as they now stand, oldest first (without refreshing the window). */
  get pages(): readonly PageRef[] {
    return this.#pages;
  }

  /** Entries of a loaded page, newest first. */
  entriesOf(number: number): readonly ArchiveEntry[] {
    const entries = this.#entries.get(number);
    if (entries === undefined) throw new Error(`archive page ${number} is not loaded`);
    return entries;
  }

  /** Records the stored version of a page's entries. */
  setVersion(number: number, version: string): void {
    this.#pages = this.#pages.map((page) => (page.number === number ? { ...page, version } : page));
    this.#changed.delete(number);
  }

  /** Marks pages for rendering whose output depends on more than their entries (the feed window's reach). */
  markDirty(numbers: readonly number[]): void {
    const marked = new Set(numbers);
    this.#pages = this.#pages.map((page) => (marked.has(page.number) ? { ...page, dirty: true } : page));
  }

  /** Records that a page was published with this hash of its files, and the hashes of its archive feed documents. */
  setRendered(number: number, rendered: string, feeds?: Readonly<Record<string, string>>): void {
    this.#pages = this.#pages.map((page) =>
      page.number === number ? { ...page, rendered, dirty: false, ...(feeds === undefined ? {} : { feeds }) } : page,
    );
  }

  /** Forgets loaded entries of pages that have no unsaved change, to bound memory on long runs. */
  evictClean(): void {
    for (const number of this.#entries.keys()) if (!this.#changed.has(number)) this.#entries.delete(number);
  }

  /** The directory as it now stands (window refreshed; the newest pages must be loaded if it was stale). */
  directory(): ArchiveDirectory {
    this.#refreshWindow();
    return { pages: this.#pages, nextNumber: this.#nextNumber, window: this.#window };
  }
}

/** Neighbours of the page at `index` for its links: the older and the newer page numbers. */
export function neighboursOf(
  pages: readonly PageRef[],
  index: number,
): { readonly older: number | null; readonly newer: number | null } {
  return { older: pages[index - 1]?.number ?? null, newer: pages[index + 1]?.number ?? null };
}

/** True when both windows list the same articles in the same state, in the same order. */
export function sameWindow(a: readonly WindowKey[], b: readonly WindowKey[]): boolean {
  return (
    a.length === b.length &&
    a.every((key, i) => {
      const other = b[i] as WindowKey;
      return sameKey(key, other) && key.updated === other.updated && key.contentHash === other.contentHash;
    })
  );
}
