/**
 * Collections: named selections of articles, each with a feed window (the newest `itemLimit`, with full content),
 * a paged archive with stable boundaries (core/archive.ts) and, per archive page, its RFC 5005 archive documents.
 * The whole site is one; every category, tag and author with articles is another (core/topics.ts), published under
 * `<kind>/<slug>/` and removed, with its state, when it loses its last article (docs/ARCHITECTURE.md, "Collections",
 * "Topic collections").
 *
 * State per collection: `pages.json` (the directory: page boundaries, counts, stored versions, rendered hashes, the
 * archive documents' hashes, the window's keys and the topic's name), immutable page versions under `pages/`, and
 * `window.json` (the window's full articles as last rendered, with the current feed files' hashes). Changes arrive
 * as deltas, are applied in memory, stored at a checkpoint (new page versions first, then the directory that names
 * them) or, at the end of a run, by the render after each collection's files (docs/ARCHITECTURE.md, "Crash protocol").
 */

import {
  type ArchiveDirectory,
  ArchiveEditor,
  type ArchiveEntry,
  EMPTY_DIRECTORY,
  neighboursOf,
  type PageRef,
  pageIndexFor,
  sameWindow,
  type WindowKey,
} from '../../core/archive.ts';
import type { Article, FeedEntry, OutputFile, Site } from '../../core/article.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { archiveFeedPath, currentFeedPath, FEED_FORMATS } from '../../core/feeds.ts';
import { sha256 } from '../../core/hash.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { entryIdOf, type LiveRecord, withArticleDefaults } from '../../core/records.ts';
import { archivePagePath, type CollectionView, siteCollectionView } from '../../core/render/html.ts';
import {
  COLLECTION_PREFIX,
  directoryKey,
  pageVersionKey,
  pageVersionPrefix,
  windowKey,
} from '../../core/state-keys.ts';
import { topicKindOf, topicSlug, topicsOf } from '../../core/topics.ts';
import type { CollectionDelta, RecordSource } from './accept.ts';
import { loadRenderers, type Renderers } from './engines.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, readState } from './state.ts';

/** Entries per sealed archive page (a page holds at most twice as many after a flood of backdated articles). */
export const ARCHIVE_PAGE_SIZE = 100;

/** State id of the whole-site collection. */
export const SITE_COLLECTION_ID = 'site';

/** The collection ids an article belongs to under the site's settings: the site, then its topics. */
export function collectionsOf(site: Site): (article: Article) => string[] {
  return (article) => [SITE_COLLECTION_ID, ...topicsOf(site, article).map((topic) => topic.id)];
}

/** The name of a topic as an article writes it (`tags/markets` in an article tagged "Markets"), or null. */
export function topicLabelOf(id: string, article: Pick<Article, 'category' | 'tags' | 'authors'>): string | null {
  const kind = topicKindOf(id);
  if (kind === null) return null;
  const slug = id.slice(kind.kind.length + 1);
  return (
    kind
      .namesOf(article)
      .find((name) => topicSlug(name) === slug)
      ?.trim() ?? null
  );
}

/** Output directory of a collection: `''` for the site, `tags/markets/` for a topic. */
export function collectionBase(id: string): string {
  return id === SITE_COLLECTION_ID ? '' : `${id}/`;
}

/** How a collection is shown: the site's own title, or "Tag: Markets" with the site's title after it. */
function viewOf(site: Site, id: string, label: string | null): CollectionView {
  if (id === SITE_COLLECTION_ID) return siteCollectionView(site);
  const kind = topicKindOf(id);
  if (kind === null) throw new Error(`no collection definition publishes "${id}"`);
  const name = label ?? id.slice(kind.kind.length + 1);
  return {
    base: collectionBase(id),
    title: `${name} · ${site.title}`,
    heading: `${kind.heading}: ${name}`,
    description: `Articles ${kind.kind === 'authors' ? 'by' : 'in'} ${name} on ${site.title}.`,
  };
}

/** Items in a collection's feed window: the site's `itemLimit`, or its topic kind's. */
function windowSizeOf(site: Site, id: string): number {
  const kind = topicKindOf(id);
  if (kind === null) return site.itemLimit;
  return site.topics?.[kind.kind]?.itemLimit ?? site.itemLimit;
}

interface StoredWindow {
  readonly entries: readonly FeedEntry[];
  /** sha256 of each feed file as last written, by path. */
  readonly feeds: Readonly<Record<string, string>>;
}

function parseDirectory(
  state: ObjectStore,
  key: string,
  value: unknown,
): { directory: ArchiveDirectory; label: string | null } {
  const d = value as (Partial<ArchiveDirectory> & { label?: unknown }) | null;
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
  return {
    directory: { pages: d.pages, nextNumber: d.nextNumber, window: d.window },
    label: typeof d.label === 'string' ? d.label : null,
  };
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

/** Hashes of feed documents by output path (current and archive documents of some collections). */
export type FeedHashes = Readonly<Record<string, string>>;

/** What a render step wrote and deleted. */
export interface RenderOutcome {
  readonly written: string[];
  readonly deleted: string[];
  /** False when the render stopped early because the run's time was up (the directory records its progress). */
  readonly complete: boolean;
}

function total(pages: readonly PageRef[]): number {
  return pages.reduce((sum, page) => sum + page.count, 0);
}

/** A topic collection whose last article left (the site collection is never removed). */
function isEmptied(id: string, editor: ArchiveEditor): boolean {
  return id !== SITE_COLLECTION_ID && total(editor.pages) === 0;
}

/** The collections of one state store during a run. */
export class Collections {
  readonly #state: ObjectStore;
  readonly #site: Site;
  readonly #pageSize: number;
  readonly #editors = new Map<string, ArchiveEditor>();
  /** The directory as stored, per collection (to skip writing an unchanged one). */
  readonly #stored = new Map<string, string>();
  /** A topic's name as its newest delta wrote it, per collection. */
  readonly #labels = new Map<string, string | null>();
  /** Item HTML of the current documents, by article id and content hash (one article is in several windows). */
  readonly #itemHtml = new Map<string, string>();
  /** `window.json` per collection as read or last written (null: none). */
  readonly #windowFiles = new Map<string, StoredWindow | null>();
  /** The window's keys as last stored, per collection (to find the pages whose archive documents it changed). */
  readonly #windows = new Map<string, readonly WindowKey[]>();

  constructor(state: ObjectStore, site: Site, pageSize = ARCHIVE_PAGE_SIZE) {
    this.#state = state;
    this.#site = site;
    this.#pageSize = pageSize;
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
    const directory = read?.value.directory ?? EMPTY_DIRECTORY;
    this.#labels.set(id, read?.value.label ?? null);
    this.#windows.set(id, directory.window);
    this.#stored.set(id, read === null ? '' : this.#directoryText(id, directory));
    const editor = new ArchiveEditor(directory, {
      pageSize: this.#pageSize,
      windowSize: windowSizeOf(this.#site, id),
    });
    this.#editors.set(id, editor);
    return editor;
  }

  #directoryText(id: string, directory: ArchiveDirectory): string {
    const label = this.#labels.get(id) ?? null;
    return JSON.stringify({ format: 1, ...directory, ...(label === null ? {} : { label }) });
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
      for (const delta of list) if (delta.label !== undefined) this.#labels.set(id, delta.label);
    }
  }

  /** Makes sure these collections are open (rendered at the end of the run even when no delta touched them). */
  async openAll(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.#editor(id);
  }

  /** Ids of the collections open in this run, sorted. */
  openIds(): string[] {
    return [...this.#editors.keys()].sort();
  }

  /** Ids of every collection with a stored directory (a listing of the state store: for forced renders and GC). */
  async storedIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const info of this.#state.list(COLLECTION_PREFIX)) {
      if (!info.key.endsWith('/pages.json')) continue;
      const id = info.key.slice(COLLECTION_PREFIX.length, -'/pages.json'.length);
      if (directoryKey(id) === info.key) ids.push(id);
    }
    return ids.sort();
  }

  /**
   * Settles every change applied so far without storing a directory: overfull pages are cut, new page versions
   * stored (immutable, named by no directory yet), and the pages whose entries or archive documents changed marked
   * dirty in memory. What `feedHashes` and the render need; `flush` or the render stores the directories.
   */
  async settle(): Promise<void> {
    for (const [id, editor] of this.#editors) await this.#settle(id, editor);
  }

  async #settle(id: string, editor: ArchiveEditor): Promise<void> {
    // The site keeps a front page when empty; an empty topic is removed at the end of the run instead.
    if (id === SITE_COLLECTION_ID) editor.ensurePage();
    const changed = editor.settle();
    await mapLimit(changed, IO_CONCURRENCY, async (number) => {
      const entries = editor.entriesOf(number);
      const body = `${JSON.stringify({ format: 1, number, entries })}\n`;
      const version = `${number}-${sha256(body).slice(0, 16)}`;
      await this.#state.put(pageVersionKey(id, version), body, JSON_TYPE);
      editor.setVersion(number, version);
    });
    await this.#loadPages(id, editor, editor.windowPagesNeeded());
    this.#markWindowMoves(id, editor);
  }

  /**
   * Stores every change applied so far: new page versions first, then the directory naming them (the directory
   * is the commit point: a crash before it leaves the previous directory and its versions intact).
   */
  async flush(): Promise<void> {
    for (const [id, editor] of this.#editors) {
      await this.#settle(id, editor);
      await this.#storeDirectory(id, editor);
      editor.evictClean();
    }
  }

  async #storeDirectory(id: string, editor: ArchiveEditor): Promise<void> {
    this.#markWindowMoves(id, editor);
    const text = this.#directoryText(id, editor.directory());
    if (this.#stored.get(id) === text) return;
    await this.#state.put(directoryKey(id), `${text}\n`, JSON_TYPE);
    this.#stored.set(id, text);
  }

  /**
   * An article entering or leaving the feed window leaves or joins its page's archive documents (they hold the
   * page's articles not in the current document): that page is marked dirty in the directory, so the mark survives
   * a crash before the render.
   */
  #markWindowMoves(id: string, editor: ArchiveEditor): void {
    const before = this.#windows.get(id) ?? [];
    const after = editor.directory().window;
    const inAfter = new Set(after.map((key) => key.id));
    const inBefore = new Set(before.map((key) => key.id));
    const moved = [...before.filter((key) => !inAfter.has(key.id)), ...after.filter((key) => !inBefore.has(key.id))];
    const pages = editor.pages;
    const numbers = moved.map((key) => pages[pageIndexFor(pages, key)]?.number).filter((n) => n !== undefined);
    if (numbers.length > 0) editor.markDirty(numbers);
    this.#windows.set(id, after);
  }

  /** Published output files of every open collection (current feeds, front page, archive pages and documents). */
  outputCount(): number {
    let count = 0;
    for (const editor of this.#editors.values()) {
      if (editor.pages.length === 0) continue;
      count += FEED_FORMATS.length + 1 + editor.pages.length * (1 + FEED_FORMATS.length);
    }
    return count;
  }

  /** A collection's `window.json`, read once per run and kept as last written. */
  async #storedWindow(id: string): Promise<StoredWindow | null> {
    if (this.#windowFiles.has(id)) return this.#windowFiles.get(id) ?? null;
    const key = windowKey(id);
    const read = await readState(this.#state, key, (value) => parseWindow(this.#state, key, value), 'feed window');
    this.#windowFiles.set(id, read?.value ?? null);
    return read?.value ?? null;
  }

  /**
   * The feed documents a render of the open collections may change, with their hashes as now published (`''` for a
   * document not published): the current documents, and the archive documents of the pages marked for rendering
   * (of every page with `all`). Taken before the render and again after it, the two name what changed.
   */
  async feedHashes(all: boolean): Promise<FeedHashes> {
    const hashes: Record<string, string> = {};
    for (const [id, editor] of this.#editors) {
      const base = collectionBase(id);
      const current = (await this.#storedWindow(id))?.feeds ?? {};
      for (const format of FEED_FORMATS) {
        const path = currentFeedPath(base, format);
        hashes[path] = current[path] ?? '';
      }
      for (const page of editor.pages) {
        if (!all && !page.dirty) continue;
        for (const format of FEED_FORMATS) {
          const path = archiveFeedPath(base, page.number, format);
          hashes[path] = page.feeds?.[path] ?? '';
        }
      }
    }
    return hashes;
  }

  /** The hash of each of `paths` as now published by the open collections (`''`: not published). */
  async publishedHashes(paths: readonly string[]): Promise<FeedHashes> {
    const known = new Map<string, string>();
    for (const [id, editor] of this.#editors) {
      for (const [path, hash] of Object.entries((await this.#storedWindow(id))?.feeds ?? {})) known.set(path, hash);
      for (const page of editor.pages)
        for (const [path, hash] of Object.entries(page.feeds ?? {})) known.set(path, hash);
    }
    return Object.fromEntries(paths.map((path) => [path, known.get(path) ?? '']));
  }

  /**
   * Renders and writes what changed since the last render: dirty pages (all with `force`) and those whose archive
   * documents the window's move changed, and the current feeds when the window's articles changed; topics left
   * without articles are stored empty for `removeEmptied`. `records` supplies full articles entering the window; `yieldNow` stops the render
   * between pages when the run's time is up. Settles first; each collection's directory is stored after its files
   * (so a run that renders right after its sources stores each directory once, with the rendered hashes).
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
    readonly onDelete: (path: string) => void;
  }): Promise<RenderOutcome> {
    await this.settle();
    const render = await loadRenderers();
    const written: string[] = [];
    const deleted: string[] = [];
    const put = async (file: OutputFile) => {
      await options.output.put(file.path, file.body, {
        contentType: file.contentType,
        cacheControl: file.cacheControl,
      });
      written.push(file.path);
      options.onWrite(file.path);
    };
    for (const [id, editor] of [...this.#editors].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (isEmptied(id, editor)) {
        // Stored empty; removed by `removeEmptied` once the run's root no longer needs this collection's deltas.
        await this.#storeDirectory(id, editor);
        continue;
      }
      if (!(await this.#renderPages(id, editor, { ...options, render }, put))) {
        await this.#storeDirectory(id, editor);
        return { written, deleted, complete: false };
      }
      await this.#renderWindow(id, editor, { ...options, render }, put);
      await this.#storeDirectory(id, editor);
    }
    return { written, deleted, complete: true };
  }

  /** Renders a collection's pages that need it; false when the run's time ran out between two chunks. */
  async #renderPages(
    id: string,
    editor: ArchiveEditor,
    options: {
      readonly site: Site;
      readonly force: boolean;
      readonly yieldNow: () => boolean;
      readonly entryIdBase: string;
      readonly render: Renderers;
    },
    put: (file: OutputFile) => Promise<void>,
  ): Promise<boolean> {
    const { renderArchiveFeeds, renderArchivePage } = options.render;
    const view = viewOf(options.site, id, this.#labels.get(id) ?? null);
    const pages = editor.pages;
    const windowIds = new Set(editor.directory().window.map((key) => key.id));
    const todo = pages.map((page, index) => ({ page, index })).filter(({ page }) => options.force || page.dirty);
    for (let start = 0; start < todo.length; start += IO_CONCURRENCY) {
      if (start > 0 && options.yieldNow()) return false;
      const chunk = todo.slice(start, start + IO_CONCURRENCY);
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
          id: entry.entryId ?? entryIdOf({ id: entry.id }, options.entryIdBase),
        }));
        const pageView = { number: page.number, entries, older, newer, collection: view };
        const archived = entries.filter((entry) => !windowIds.has(entry.article.id));
        const stable = newer !== null && archived.length === entries.length;
        const feeds = renderArchiveFeeds(options.site, view, { number: page.number, older, newer }, archived, stable);
        const pageFiles = [
          renderArchivePage(options.site, { ...pageView, at: 'archive' }),
          ...(newer === null ? [renderArchivePage(options.site, { ...pageView, at: 'index' })] : []),
        ];
        // The HTML by its hash as a whole (as published), each archive document by its own: a page whose documents
        // changed while its list did not (an article left the feed window) rewrites only the documents.
        const hash = sha256(pageFiles.map((file) => `${file.path}\n${file.body}`).join('\n'));
        const hashes = Object.fromEntries(
          feeds.map((file) => [file.path, sha256(`${file.cacheControl}\n${file.body}`)]),
        );
        if (options.force || hash !== page.rendered) for (const file of pageFiles) await put(file);
        for (const file of feeds) {
          if (options.force || page.feeds?.[file.path] !== hashes[file.path]) await put(file);
        }
        editor.setRendered(page.number, hash, hashes);
      });
      editor.evictClean();
    }
    return true;
  }

  /** Renders the current feeds of a collection when its window changed (or with `force`). */
  async #renderWindow(
    id: string,
    editor: ArchiveEditor,
    options: { site: Site; records: RecordSource; entryIdBase: string; force: boolean; render: Renderers },
    put: (file: OutputFile) => Promise<void>,
  ): Promise<void> {
    const key = windowKey(id);
    const window = await this.#storedWindow(id);
    const stored = window === null ? null : { value: window };
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
    const files = options.render.renderFeeds(options.site, entries, undefined, {
      view: viewOf(options.site, id, this.#labels.get(id) ?? null),
      limit: windowSizeOf(options.site, id),
      older: editor.pages.at(-1)?.number ?? null,
      cache: this.#itemHtml,
    });
    const hashes = Object.fromEntries(files.map((file) => [file.path, sha256(file.body)]));
    for (const file of files) {
      if (options.force || stored?.value.feeds[file.path] !== hashes[file.path]) await put(file);
    }
    const text = `${JSON.stringify({ format: 1, entries, feeds: hashes })}\n`;
    if (!unchanged || JSON.stringify(stored?.value.feeds) !== JSON.stringify(hashes)) {
      await this.#state.put(key, text, JSON_TYPE);
      this.#windowFiles.set(id, { entries, feeds: hashes });
    }
  }

  /** True when a render left topics without articles, for `removeEmptied`. */
  hasEmptied(): boolean {
    return [...this.#editors].some(([id, editor]) => isEmptied(id, editor));
  }

  /**
   * Removes the topics left without articles (files, then state). Call after the render, once the root records the
   * collections as stored: a crash during the removal must not leave deltas to re-apply to a half-removed topic.
   */
  async removeEmptied(output: ObjectStore, onDelete: (path: string) => void): Promise<string[]> {
    const deleted: string[] = [];
    for (const [id, editor] of [...this.#editors].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isEmptied(id, editor)) continue;
      for (const path of await this.#remove(id, editor, output)) {
        deleted.push(path);
        onDelete(path);
      }
    }
    return deleted;
  }

  /**
   * Removes a topic left without articles: its published files first (front page, archive pages and documents,
   * current feeds), then its state, the directory last, so a crash in between is finished by the next run.
   */
  async #remove(id: string, editor: ArchiveEditor, output: ObjectStore): Promise<string[]> {
    const base = collectionBase(id);
    const paths = [
      archivePagePath({ number: 0, at: 'index', base }),
      ...FEED_FORMATS.map((format) => currentFeedPath(base, format)),
      ...editor.pages.flatMap((page) => [
        archivePagePath({ number: page.number, at: 'archive', base }),
        ...FEED_FORMATS.map((format) => archiveFeedPath(base, page.number, format)),
      ]),
    ];
    const removed: string[] = [];
    await mapLimit(paths, IO_CONCURRENCY, async (path) => {
      if ((await output.head(path)) === null) return;
      await output.delete(path);
      removed.push(path);
    });
    const versions: string[] = [];
    for await (const info of this.#state.list(pageVersionPrefix(id))) versions.push(info.key);
    await mapLimit(versions, IO_CONCURRENCY, (key) => this.#state.delete(key));
    await this.#state.delete(windowKey(id));
    if (this.#stored.get(id) !== '') await this.#state.delete(directoryKey(id));
    this.#editors.delete(id);
    this.#windowFiles.set(id, null);
    this.#stored.delete(id);
    return removed.sort();
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

/** A live record as a feed entry. */
export function entryOf(record: LiveRecord): FeedEntry {
  return {
    article: record.article,
    published: record.published,
    updated: record.updated,
    ...(record.entryId === undefined ? {} : { id: record.entryId }),
  };
}
