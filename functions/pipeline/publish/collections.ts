/**
 * Collections: named selections of articles, each with a feed window (the newest `itemLimit`, with full content)
 * and a paged archive with stable boundaries (core/archive.ts). One instance today — the whole site — defined as
 * an entry of COLLECTIONS; a topic collection (per category, tag or author) is another entry whose `idsOf` names
 * the instances an article belongs to (docs/ARCHITECTURE.md, "Collections").
 *
 * State per collection: `pages.json` (the directory: page boundaries, counts, stored versions, rendered hashes and
 * the window's keys), immutable page versions under `pages/`, and `window.json` (the window's full articles as
 * last rendered, with the feed files' hashes). Changes arrive as deltas, are applied in memory, stored at a
 * checkpoint (new page versions first, then the directory that names them), and rendered at the end of a run.
 */

import {
  type ArchiveDirectory,
  ArchiveEditor,
  type ArchiveEntry,
  EMPTY_DIRECTORY,
  neighboursOf,
  type PageRef,
  sameWindow,
  type WindowKey,
} from '../../core/archive.ts';
import type { Article, FeedEntry, OutputFile, Site } from '../../core/article.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { sha256 } from '../../core/hash.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { entryIdOf, type LiveRecord, withArticleDefaults } from '../../core/records.ts';
import type { ArchivePageView } from '../../core/render/index.ts';
import { directoryKey, pageVersionKey, pageVersionPrefix, windowKey } from '../../core/state-keys.ts';
import type { CollectionDelta, RecordSource } from './accept.ts';
import { loadRenderers, type Renderers } from './engines.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, readState } from './state.ts';

/** Entries per sealed archive page (a page holds at most twice as many after a flood of backdated articles). */
export const ARCHIVE_PAGE_SIZE = 100;

/** A kind of collection: which of its instances an article belongs to, and how an instance is published. */
export interface CollectionDefinition {
  /** The instances (state ids under `collections/`) an article belongs to. */
  idsOf(article: Article): readonly string[];
  /** Whether this definition publishes the instance `id`. */
  owns(id: string): boolean;
  /** The feed files of an instance's window (`render`: the renderers, loaded only when a run renders). */
  feeds(site: Site, id: string, entries: readonly FeedEntry[], render: Renderers): OutputFile[];
  /** The files of one archive page (the newest page also as the instance's front page). */
  page(site: Site, id: string, view: Omit<ArchivePageView, 'at'>, newest: boolean, render: Renderers): OutputFile[];
}

/** State id of the whole-site collection. */
export const SITE_COLLECTION_ID = 'site';

/** The whole site: every article; feeds at the root, `index.html`, `archive/<n>.html`. */
export const SITE_COLLECTION: CollectionDefinition = {
  idsOf: () => [SITE_COLLECTION_ID],
  owns: (id) => id === SITE_COLLECTION_ID,
  feeds: (site, _id, entries, render) => render.renderFeeds(site, entries),
  page: (site, _id, view, newest, render) => [
    render.renderArchivePage(site, { ...view, at: 'archive' }),
    ...(newest ? [render.renderArchivePage(site, { ...view, at: 'index' })] : []),
  ],
};

/** Every collection definition; adding a collection is adding an entry here. */
export const COLLECTIONS: readonly CollectionDefinition[] = [SITE_COLLECTION];

/** The collection ids an article belongs to. */
export function collectionsOf(article: Article): string[] {
  return COLLECTIONS.flatMap((definition) => definition.idsOf(article));
}

function definitionOf(id: string): CollectionDefinition {
  const definition = COLLECTIONS.find((d) => d.owns(id));
  if (definition === undefined) throw new Error(`no collection definition publishes "${id}"`);
  return definition;
}

interface StoredWindow {
  readonly entries: readonly FeedEntry[];
  /** sha256 of each feed file as last written, by path. */
  readonly feeds: Readonly<Record<string, string>>;
}

function parseDirectory(state: ObjectStore, key: string, value: unknown): ArchiveDirectory {
  const d = value as Partial<ArchiveDirectory> | null;
  if (
    typeof d !== 'object' ||
    d === null ||
    !Array.isArray(d.pages) ||
    !Array.isArray(d.window) ||
    typeof d.nextNumber !== 'number' ||
    d.pages.some(
      (p: Partial<PageRef>) =>
        typeof p?.number !== 'number' || typeof p.count !== 'number' || typeof p.version !== 'string',
    )
  ) {
    throw invalidState(state, key, 'archive directory is not what wirefeed writes (pages, window, nextNumber)');
  }
  return { pages: d.pages, nextNumber: d.nextNumber, window: d.window };
}

function parsePage(state: ObjectStore, key: string, value: unknown): ArchiveEntry[] {
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (
    !Array.isArray(entries) ||
    entries.some((e: Partial<ArchiveEntry>) => typeof e?.id !== 'string' || typeof e.published !== 'string')
  ) {
    throw invalidState(state, key, 'archive page has no valid "entries"');
  }
  return entries as ArchiveEntry[];
}

function parseWindow(state: ObjectStore, key: string, value: unknown): StoredWindow {
  const w = value as Partial<StoredWindow> | null;
  if (typeof w !== 'object' || w === null || !Array.isArray(w.entries) || typeof w.feeds !== 'object') {
    throw invalidState(state, key, 'feed window is not what wirefeed writes (entries, feeds)');
  }
  return w as StoredWindow;
}

/** What a render step wrote and whether the feeds now differ from `feedsBefore`. */
export interface RenderOutcome {
  readonly written: string[];
  /** Hash over every collection's feed files, as now published. */
  readonly feedsHash: string;
  /** sha256 of each feed file as now published, by output path (what tells WebSub which feeds changed). */
  readonly feedFiles: Readonly<Record<string, string>>;
  /** False when the render stopped early because the run's time was up (the directory records its progress). */
  readonly complete: boolean;
}

/** The collections of one state store during a run. */
export class Collections {
  readonly #state: ObjectStore;
  readonly #pageSize: number;
  readonly #windowSize: number;
  readonly #editors = new Map<string, ArchiveEditor>();
  /** The directory as stored, per collection (to skip writing an unchanged one). */
  readonly #stored = new Map<string, string>();

  constructor(state: ObjectStore, site: Site, pageSize = ARCHIVE_PAGE_SIZE) {
    this.#state = state;
    this.#pageSize = pageSize;
    this.#windowSize = site.itemLimit;
  }

  async #editor(id: string): Promise<ArchiveEditor> {
    const existing = this.#editors.get(id);
    if (existing !== undefined) return existing;
    const key = directoryKey(id);
    const read = await readState(
      this.#state,
      key,
      (value) => parseDirectory(this.#state, key, value),
      'archive directory',
    );
    const directory = read?.value ?? EMPTY_DIRECTORY;
    this.#stored.set(id, read === null ? '' : JSON.stringify(directory));
    const editor = new ArchiveEditor(directory, { pageSize: this.#pageSize, windowSize: this.#windowSize });
    this.#editors.set(id, editor);
    return editor;
  }

  async #loadPages(id: string, editor: ArchiveEditor, numbers: readonly number[]): Promise<void> {
    const byNumber = new Map(editor.pages.map((page) => [page.number, page.version]));
    await mapLimit(numbers, IO_CONCURRENCY, async (number) => {
      if (editor.isLoaded(number)) return;
      const version = byNumber.get(number);
      if (version === undefined || version === '') {
        editor.load(number, []);
        return;
      }
      const key = pageVersionKey(id, version);
      const read = await readState(this.#state, key, (value) => parsePage(this.#state, key, value), 'archive page');
      if (read === null) throw invalidState(this.#state, key, 'archive page named by the directory is missing');
      editor.load(number, read.value);
    });
  }

  /** Applies the deltas of one batch (in order) to the collections in memory. */
  async apply(deltas: readonly CollectionDelta[]): Promise<void> {
    const byCollection = new Map<string, CollectionDelta[]>();
    for (const delta of deltas)
      byCollection.set(delta.collection, [...(byCollection.get(delta.collection) ?? []), delta]);
    for (const [id, list] of byCollection) {
      const editor = await this.#editor(id);
      await this.#loadPages(id, editor, editor.pagesNeeded(list));
      editor.apply(list);
    }
  }

  /** Makes sure every collection with a stored directory is open (for a forced re-render). */
  async openAll(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.#editor(id);
  }

  /**
   * Stores every change applied so far: new page versions first, then the directory naming them (the directory
   * is the commit point: a crash before it leaves the previous directory and its versions intact).
   */
  async flush(): Promise<void> {
    for (const [id, editor] of this.#editors) {
      editor.ensurePage();
      const changed = editor.settle();
      await mapLimit(changed, IO_CONCURRENCY, async (number) => {
        const entries = editor.entriesOf(number);
        const body = `${JSON.stringify({ format: 1, number, entries })}\n`;
        const version = `${number}-${sha256(body).slice(0, 16)}`;
        await this.#state.put(pageVersionKey(id, version), body, JSON_TYPE);
        editor.setVersion(number, version);
      });
      await this.#loadPages(id, editor, editor.windowPagesNeeded());
      await this.#storeDirectory(id, editor);
      editor.evictClean();
    }
  }

  async #storeDirectory(id: string, editor: ArchiveEditor): Promise<void> {
    const text = JSON.stringify(editor.directory());
    if (this.#stored.get(id) === text) return;
    const directory = JSON.parse(text) as ArchiveDirectory;
    await this.#state.put(directoryKey(id), `${JSON.stringify({ format: 1, ...directory })}\n`, JSON_TYPE);
    this.#stored.set(id, text);
  }

  /** Published output files of every open collection (feeds, front page, archive pages). */
  outputCount(): number {
    let count = 0;
    for (const editor of this.#editors.values()) count += 3 + 1 + editor.pages.length;
    return count;
  }

  /**
   * Renders and writes what changed since the last render: dirty pages (all with `force`) and the feeds when the
   * window's articles changed. `records` supplies full articles entering the window; `yieldNow` stops the render
   * between pages when the run's time is up. Call after `flush`.
   */
  async render(options: {
    readonly site: Site;
    readonly output: ObjectStore;
    readonly records: RecordSource;
    /** Base of the entry ids of records from before ids were kept (`entryIdOf`). */
    readonly entryIdBase: string;
    readonly force: boolean;
    readonly yieldNow: () => boolean;
    readonly onWrite: (path: string) => void;
  }): Promise<RenderOutcome> {
    const render = await loadRenderers();
    const written: string[] = [];
    const feedHashes: string[] = [];
    const feedFiles: Record<string, string> = {};
    let complete = true;
    const put = async (file: OutputFile) => {
      await options.output.put(file.path, file.body, {
        contentType: file.contentType,
        cacheControl: file.cacheControl,
      });
      written.push(file.path);
      options.onWrite(file.path);
    };
    for (const [id, editor] of [...this.#editors].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const definition = definitionOf(id);
      const pages = editor.pages;
      const dirty = pages.map((page, index) => ({ page, index })).filter(({ page }) => options.force || page.dirty);
      for (let start = 0; start < dirty.length; start += IO_CONCURRENCY) {
        if (start > 0 && options.yieldNow()) {
          complete = false;
          break;
        }
        const chunk = dirty.slice(start, start + IO_CONCURRENCY);
        await this.#loadPages(
          id,
          editor,
          chunk.map(({ page }) => page.number),
        );
        await mapLimit(chunk, IO_CONCURRENCY, async ({ page, index }) => {
          const { older, newer } = neighboursOf(pages, index);
          const entries = editor.entriesOf(page.number).map((entry) => ({
            article: { id: entry.id, title: entry.title, summary: entry.summary, authors: entry.authors },
            published: entry.published,
            updated: entry.updated,
          }));
          const files = definition.page(
            options.site,
            id,
            { number: page.number, entries, older, newer },
            newer === null,
            render,
          );
          const hash = sha256(files.map((file) => `${file.path}\n${file.body}`).join('\n'));
          if (options.force || hash !== page.rendered) for (const file of files) await put(file);
          editor.setRendered(page.number, hash);
        });
        editor.evictClean();
      }
      if (!complete) {
        await this.#storeDirectory(id, editor);
        break;
      }
      const feeds = await this.#renderWindow(id, definition, editor, { ...options, render }, put);
      Object.assign(feedFiles, feeds);
      feedHashes.push(hashOfFeeds(feeds));
      await this.#storeDirectory(id, editor);
    }
    return { written, feedsHash: sha256(feedHashes.join('\n')), feedFiles, complete };
  }

  /** Renders the feeds of a collection when its window changed (or with `force`); returns each file's hash. */
  async #renderWindow(
    id: string,
    definition: CollectionDefinition,
    editor: ArchiveEditor,
    options: { site: Site; records: RecordSource; entryIdBase: string; force: boolean; render: Renderers },
    put: (file: OutputFile) => Promise<void>,
  ): Promise<Record<string, string>> {
    const key = windowKey(id);
    const stored = await readState(this.#state, key, (value) => parseWindow(this.#state, key, value), 'feed window');
    const keys = editor.directory().window;
    // Entries stored by an earlier normalizer are read in this release's shape (core/records.ts).
    const previous = (stored?.value.entries ?? []).map((entry) => ({
      ...entry,
      article: withArticleDefaults(entry.article),
    }));
    const previousKeys: WindowKey[] = previous.map((entry) => ({
      id: entry.article.id,
      published: entry.published,
      updated: entry.updated,
      contentHash: entry.article.contentHash,
    }));
    const unchanged = stored !== null && sameWindow(previousKeys, keys);
    let entries: readonly FeedEntry[] = previous;
    if (!unchanged) {
      const known = new Map(previous.map((entry) => [entry.article.id, entry]));
      entries = await mapLimit(keys, IO_CONCURRENCY, async (windowKey) => {
        const kept = known.get(windowKey.id);
        if (
          kept !== undefined &&
          kept.article.contentHash === windowKey.contentHash &&
          kept.published === windowKey.published &&
          kept.updated === windowKey.updated
        ) {
          return kept;
        }
        const record = await options.records.get(windowKey.id);
        if (record?.state !== 'live' || record.contentHash !== windowKey.contentHash) {
          throw invalidState(this.#state, directoryKey(id), `feed window names ${windowKey.id}, whose record differs`);
        }
        return entryOf(record);
      });
    }
    // Entries stored or recorded before ids were kept get the id they were published with.
    entries = entries.map((entry) =>
      entry.id === undefined ? { ...entry, id: entryIdOf({ id: entry.article.id }, options.entryIdBase) } : entry,
    );
    const files = definition.feeds(options.site, id, entries, options.render);
    const hashes = Object.fromEntries(files.map((file) => [file.path, sha256(file.body)]));
    for (const file of files) {
      if (options.force || stored?.value.feeds[file.path] !== hashes[file.path]) await put(file);
    }
    const text = `${JSON.stringify({ format: 1, entries, feeds: hashes })}\n`;
    if (!unchanged || JSON.stringify(stored?.value.feeds) !== JSON.stringify(hashes)) {
      await this.#state.put(key, text, JSON_TYPE);
    }
    return hashes;
  }

  /** The feed files' hash as last rendered (before this run renders), over every collection with a window. */
  async feedsHash(ids: readonly string[]): Promise<string> {
    const hashes: string[] = [];
    for (const id of [...ids].sort()) hashes.push(hashOfFeeds(await this.#storedFeeds(id)));
    return sha256(hashes.join('\n'));
  }

  /** sha256 of each feed file as last rendered (before this run renders), by output path, over `ids`. */
  async feedFiles(ids: readonly string[]): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const id of [...ids].sort()) Object.assign(files, await this.#storedFeeds(id));
    return files;
  }

  async #storedFeeds(id: string): Promise<Readonly<Record<string, string>>> {
    const key = windowKey(id);
    const stored = await readState(this.#state, key, (value) => parseWindow(this.#state, key, value), 'feed window');
    return stored?.value.feeds ?? {};
  }

  /** Deletes page versions no directory names any more (left by edits and by interrupted checkpoints). */
  async collectGarbage(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const editor = await this.#editor(id);
      const live = new Set(editor.pages.map((page) => pageVersionKey(id, page.version)));
      const dead: string[] = [];
      for await (const info of this.#state.list(pageVersionPrefix(id))) if (!live.has(info.key)) dead.push(info.key);
      await mapLimit(dead, IO_CONCURRENCY, (key) => this.#state.delete(key));
      removed += dead.length;
    }
    return removed;
  }
}

/** One collection's feed files as one hash (path and hash of each file, in the order they were rendered). */
function hashOfFeeds(feeds: Readonly<Record<string, string>>): string {
  return sha256(
    Object.entries(feeds)
      .map(([path, hash]) => `${path}:${hash}`)
      .join('\n'),
  );
}

/** A live record as a feed entry. */
export function entryOf(record: LiveRecord): FeedEntry {
  return {
    article: record.article,
    published: record.published,
    updated: record.updated,
    ...(record.entryId === undefined ? {} : { id: record.entryId }),
  };
}
