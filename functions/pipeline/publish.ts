/**
 * Publish: content store → normalize → render → write changed bytes → state + outbox → delivery queue.
 * The same function runs in the CLI (directories) and in the PublishFunction Lambda (S3).
 *
 * Crash safety: state caches (normalized articles, feed window) are validated by content hash, so
 * writing them early is harmless. Before its first output write a run leaves a marker in the state
 * (`publishing.json`); output files are written next, then the marker again with the run's events
 * (the outbox), then the manifest that records the files, then the events are handed to the
 * delivery queue, and only then is the marker removed. A run that finds a marker knows the output
 * may differ from the manifest: it re-renders and rewrites everything and re-hands the marker's
 * events. So a crash anywhere converges on the next run to the same files and the same event ids,
 * even if the content was reverted in between.
 */
import type { Article, FeedEntry, IndexEntry, OutputFile, Site } from '../core/article.ts';
import { articleUrl, feedUrls } from '../core/article.ts';
import { mapLimit } from '../core/concurrency.ts';
import type { DeliveryQueue } from '../core/delivery.ts';
import { diffArticles } from '../core/diff.ts';
import { ConfigError, InvalidArticleError, WirefeedError } from '../core/errors.ts';
import type { WebhookEvent } from '../core/events.ts';
import { fanOut } from '../core/fan-out.ts';
import { sha256 } from '../core/hash.ts';
import { parseJsonBytes } from '../core/json.ts';
import type { ArticleRecord, Manifest, SourceRecord } from '../core/manifest.ts';
import { emptyManifest, MANIFEST_VERSION, parseManifest, serializeManifest } from '../core/manifest.ts';
import { normalizeArticle } from '../core/normalize.ts';
import type { Clock, ObjectInfo, ObjectStore } from '../core/ports.ts';
import { RENDER_VERSION, renderArchivePage, renderArticlePage, renderFeeds } from '../core/render/index.ts';
import { parseSite } from '../core/site.ts';
import { MANIFEST_KEY, MARKER_KEY, SITE_KEY, SOURCE_PREFIX, WINDOW_KEY } from '../core/state-keys.ts';
import { ArticleCache } from './article-cache.ts';
import { SubscriberRepository } from './subscribers.ts';

const FEED_PATHS = ['feed.xml', 'atom.xml', 'feed.json'];
const INDEX_PATH = 'index.html';
/** Sources normalized and written per step; bounds memory on large corpora. */
const CHUNK = 64;
const IO_CONCURRENCY = 16;

export interface PublishPorts {
  /** `site.json` at its root, article sources under `articles/`. */
  readonly content: ObjectStore;
  readonly output: ObjectStore;
  readonly state: ObjectStore;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
}

export interface PublishProgress {
  readonly phase: 'normalize';
  readonly done: number;
  readonly total: number;
}

/**
 * What a long-lived process (the dev server) keeps between runs: the manifest it last read or wrote,
 * reused while the state's copy still has the same ETag, so a rebuild skips reading and parsing it.
 */
export class PublishSession {
  manifest: Manifest | undefined;
  text: string | undefined;
  etag: string | undefined;
}

export interface PublishOptions {
  readonly session?: PublishSession;
  /** Overrides `siteUrl` from site.json (e.g. the CloudFront URL in AWS). */
  readonly siteUrl?: string;
  readonly onProgress?: (progress: PublishProgress) => void;
}

export interface RejectedSource {
  readonly file: string;
  readonly reason: string;
}

export interface PublishResult {
  /** Articles published after this run. */
  readonly articles: number;
  readonly rejected: readonly RejectedSource[];
  /** Output paths written by this run. */
  readonly written: readonly string[];
  /** Output files already published with identical bytes. */
  readonly unchanged: number;
  /** Output paths deleted by this run. */
  readonly deleted: readonly string[];
  /** Change events this run produced (the outbox also re-hands any left pending by an interrupted run). */
  readonly events: readonly WebhookEvent[];
}

/** Reads and validates `site.json` from the content store. */
export async function loadSite(content: ObjectStore, siteUrl?: string): Promise<Site> {
  const location = `${content.location}/${SITE_KEY}`;
  const object = await content.get(SITE_KEY);
  if (object === null) throw new ConfigError(`${location}: not found`);
  let value: unknown;
  try {
    value = parseJsonBytes(object.body);
  } catch (error) {
    throw new ConfigError(`${location}: ${(error as Error).message}`, { cause: error });
  }
  return parseSite(value, location, siteUrl);
}

async function loadManifest(
  state: ObjectStore,
  session: PublishSession | undefined,
): Promise<{ manifest: Manifest; text: string | null }> {
  if (session?.manifest !== undefined && session.text !== undefined) {
    const head = await state.head(MANIFEST_KEY);
    if (head !== null && head.etag === session.etag) return { manifest: session.manifest, text: session.text };
  }
  const object = await state.get(MANIFEST_KEY);
  if (object === null) return { manifest: emptyManifest(), text: null };
  const text = Buffer.from(object.body).toString('utf8');
  const manifest = parseManifest(text, `${state.location}/${MANIFEST_KEY}`);
  if (session !== undefined) Object.assign(session, { manifest, text, etag: object.etag });
  return { manifest, text };
}

interface Marker {
  readonly started: string;
  /** Events of the interrupted run, to hand out again (same ids). */
  readonly pending: readonly WebhookEvent[];
}

async function readMarker(state: ObjectStore): Promise<Marker | null> {
  const text = await readText(state, MARKER_KEY);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<Marker>;
    return { started: String(value.started), pending: Array.isArray(value.pending) ? value.pending : [] };
  } catch {
    // Torn by a crash mid-write: the run it marks wrote nothing it announced yet.
    return { started: '', pending: [] };
  }
}

async function writeMarker(state: ObjectStore, started: string, pending: readonly WebhookEvent[]): Promise<void> {
  await state.put(MARKER_KEY, JSON.stringify({ started, pending }), { contentType: 'application/json' });
}

/** Newest first; ties broken by id so the order is total and deterministic. */
function compareRecords(a: ArticleRecord, b: ArticleRecord): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function entryOf(article: Article, record: ArticleRecord): FeedEntry {
  return { article, published: record.published, updated: record.updated };
}

/** The index lists every article but needs only its headline fields, which the manifest keeps. */
function headlineEntry(record: ArticleRecord): IndexEntry {
  return { article: record, published: record.published, updated: record.updated };
}

/** True for a key under `articles/` that publish reads as a source (dot-files and `~` backups are not). */
export function isSourceKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return !name.startsWith('.') && !name.endsWith('~');
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

/** Publishes the content store to the output store; see the module comment for the guarantees. */
export async function publish(ports: PublishPorts, options: PublishOptions = {}): Promise<PublishResult> {
  const { content, output, state, clock } = ports;
  const now = clock.now().toISOString();
  const site = await loadSite(content, options.siteUrl);
  const siteHash = sha256(JSON.stringify(site));
  const { manifest: previous, text: previousText } = await loadManifest(state, options.session);

  // A site or renderer change re-renders everything; so does an output root that lost its files.
  const marker = await readMarker(state);
  let previousFiles = previous.files;
  if (marker !== null) previousFiles = {};
  if (Object.keys(previousFiles).length > 0 && (await output.head(INDEX_PATH)) === null) previousFiles = {};
  const full =
    previous.renderVersion !== RENDER_VERSION ||
    previous.siteHash !== siteHash ||
    Object.keys(previousFiles).length === 0;

  const listed: ObjectInfo[] = [];
  for await (const info of content.list(SOURCE_PREFIX)) if (isSourceKey(info.key)) listed.push(info);

  const sources: Record<string, SourceRecord> = {};
  const records: Record<string, ArticleRecord> = {};
  const owner = new Map<string, string>(); // article id → source key
  const rejected: RejectedSource[] = [];
  const changed: ObjectInfo[] = [];
  const cache = new ArticleCache(state);

  for (const info of listed) {
    const { key } = info;
    const before = previous.sources[key];
    // Same size and modification time as recorded: unchanged without reading the bytes (a directory
    // store hashes only when asked for the ETag); otherwise the ETag (MD5) decides.
    const modified = info.lastModified.getTime();
    const sameStat = before?.size === info.size && before.modified === modified;
    if (!full && before !== undefined && (sameStat || before.etag === info.etag)) {
      sources[key] = sameStat ? before : { ...before, size: info.size, modified };
      if (before.error !== undefined) rejected.push({ file: key, reason: before.error });
      const record = before.id === null ? undefined : previous.articles[before.id];
      if (record !== undefined && !owner.has(record.id)) {
        records[record.id] = record;
        owner.set(record.id, key);
      }
    } else {
      changed.push(info);
    }
  }

  let markerWritten = marker !== null;
  const markOutputDirty = async (): Promise<void> => {
    if (markerWritten) return;
    await writeMarker(state, now, []);
    markerWritten = true;
  };
  const writtenFiles: Record<string, string> = { ...previousFiles };
  const written: string[] = [];
  const writeIfChanged = async (file: OutputFile): Promise<void> => {
    const hash = sha256(file.body);
    if (writtenFiles[file.path] === hash) return;
    await markOutputDirty();
    await output.put(file.path, file.body, { contentType: file.contentType, cacheControl: file.cacheControl });
    writtenFiles[file.path] = hash;
    written.push(file.path);
  };

  // Freshly normalized articles that may belong in the feed window (the newest `itemLimit`).
  let fresh: { article: Article; record: ArticleRecord }[] = [];
  let contentChanged = false;

  for (let start = 0; start < changed.length; start += CHUNK) {
    const chunk = changed.slice(start, start + CHUNK);
    const results = await mapLimit(chunk, IO_CONCURRENCY, async ({ key }) => {
      const object = await content.get(key);
      if (object === null) return { key, fingerprint: null, error: 'disappeared while publishing' };
      const fingerprint = { etag: object.etag, size: object.size, modified: object.lastModified.getTime() };
      try {
        return { key, fingerprint, article: normalizeArticle(object.body, { path: key }) };
      } catch (error) {
        if (error instanceof InvalidArticleError) return { key, fingerprint, error: error.reason };
        throw error;
      }
    });

    const accepted: { article: Article; record: ArticleRecord }[] = [];
    for (const result of results) {
      const before = previous.sources[result.key];
      if (result.article === undefined) {
        // Rejected: the last good version (if any) stays published.
        const reason = result.error ?? 'rejected';
        rejected.push({ file: result.key, reason });
        if (result.fingerprint !== null) {
          sources[result.key] = { ...result.fingerprint, id: before?.id ?? null, error: reason };
        }
        const kept = before?.id == null ? undefined : previous.articles[before.id];
        if (kept !== undefined && !owner.has(kept.id)) {
          records[kept.id] = kept;
          owner.set(kept.id, result.key);
        }
        continue;
      }
      const article = result.article;
      const holder = owner.get(article.id);
      if (holder !== undefined) {
        const reason = `duplicate article id "${article.id}" (already published from ${holder})`;
        rejected.push({ file: result.key, reason });
        sources[result.key] = { ...(result.fingerprint ?? { etag: '' }), id: null, error: reason };
        continue;
      }
      const prior = previous.articles[article.id];
      const firstSeen = prior?.firstSeen ?? now;
      const published = article.published ?? firstSeen;
      const same = prior !== undefined && prior.contentHash === article.contentHash;
      const updated = maxIso(
        article.updated ?? (same ? prior.updated : prior === undefined ? published : now),
        published,
      );
      const record: ArticleRecord = {
        ...(prior?.cache === undefined ? {} : { cache: prior.cache }),
        id: article.id,
        source: result.key,
        contentHash: article.contentHash,
        firstSeen,
        published,
        updated,
        title: article.title,
        summary: article.summary,
        authors: article.authors,
        category: article.category,
      };
      if (!same) contentChanged = true;
      records[article.id] = record;
      owner.set(article.id, result.key);
      sources[result.key] = { ...(result.fingerprint ?? { etag: '' }), id: article.id };
      accepted.push({ article, record });
    }

    const toCache = accepted.filter(
      ({ article }) => full || previous.articles[article.id]?.contentHash !== article.contentHash,
    );
    if (toCache.length > 0) {
      const chunkKey = await cache.write(toCache.map(({ article }) => article));
      for (const entry of toCache) {
        entry.record = { ...entry.record, cache: chunkKey };
        records[entry.record.id] = entry.record;
      }
    }
    await mapLimit(accepted, IO_CONCURRENCY, async ({ article, record }) => {
      await writeIfChanged(renderArticlePage(site, entryOf(article, record)));
    });

    fresh = [...fresh, ...accepted].sort((a, b) => compareRecords(a.record, b.record)).slice(0, site.itemLimit);
    options.onProgress?.({ phase: 'normalize', done: Math.min(start + CHUNK, changed.length), total: changed.length });
  }

  const removedIds = Object.keys(previous.articles).filter((id) => !(id in records));
  const anythingChanged = full || contentChanged || removedIds.length > 0;

  let windowArticles: Article[] | null = null;
  const windowCache: { text?: string | null } = {};
  let feedsChanged = false;
  const deleted: string[] = [];
  if (anythingChanged) {
    const ordered = Object.values(records).sort(compareRecords);
    const windowRecords = ordered.slice(0, site.itemLimit);
    windowArticles = await loadWindow(state, content, cache, windowRecords, fresh, windowCache);
    const entries = windowRecords.map((record, i) => entryOf(windowArticles?.[i] as Article, record));
    const feedFiles = renderFeeds(site, entries);
    for (const file of feedFiles) await writeIfChanged(file);
    // Compared with the manifest, not the output root: re-publishing a wiped root announces nothing.
    feedsChanged = FEED_PATHS.some((path) => writtenFiles[path] !== previous.files[path]);
    await writeIfChanged(
      renderArchivePage(site, {
        number: 1,
        entries: ordered.map(headlineEntry),
        older: null,
        newer: null,
        at: 'index',
      }),
    );
    // Pages go only after the feeds stop linking to them.
    for (const id of removedIds) {
      const path = `articles/${id}.html`;
      await markOutputDirty();
      await output.delete(path);
      delete writtenFiles[path];
      deleted.push(path);
    }
  }

  const urls = feedUrls(site);
  const feedFilesHash = feedsChanged ? sha256(FEED_PATHS.map((p) => writtenFiles[p] ?? '').join('\n')) : null;
  const events = diffArticles(previous.articles, records, {
    feeds: urls,
    articleUrl: (id) => articleUrl(site, id),
    timestamp: now,
    feedFilesHash,
  });

  const carried = marker?.pending ?? [];
  const carriedIds = new Set(carried.map((e) => e.id));
  const pending = [...carried, ...events.filter((e) => !carriedIds.has(e.id))];
  if (events.length > 0) {
    await writeMarker(state, now, pending);
    markerWritten = true;
  }
  const next: Manifest = {
    version: MANIFEST_VERSION,
    renderVersion: RENDER_VERSION,
    siteHash,
    sources,
    articles: records,
    files: writtenFiles,
  };

  if (windowArticles !== null) {
    const body = JSON.stringify(windowArticles);
    const before = windowCache.text === undefined ? await readText(state, WINDOW_KEY) : windowCache.text;
    if (body !== before) await state.put(WINDOW_KEY, body, { contentType: 'application/json' });
  }
  // Nothing new to record (the common unchanged rebuild): skip serializing a manifest of every article.
  const sameAsBefore =
    changed.length === 0 &&
    !anythingChanged &&
    previousText !== null &&
    previousFiles === previous.files &&
    listed.length === Object.keys(previous.sources).length &&
    listed.every(({ key }) => sources[key] === previous.sources[key]);
  const serialized = sameAsBefore ? previousText : serializeManifest(next);
  if (serialized !== previousText) {
    const put = await state.put(MANIFEST_KEY, serialized, { contentType: 'application/json' });
    if (options.session !== undefined)
      Object.assign(options.session, { manifest: next, text: serialized, etag: put.etag });
  }

  if (pending.length > 0) {
    const subscribers = await new SubscriberRepository(state).list();
    const jobs = fanOut(pending, subscribers, clock.now());
    if (jobs.length > 0) await ports.queue.enqueue(jobs);
  }
  if (markerWritten) await state.delete(MARKER_KEY);
  // Only after the manifest stopped pointing at them.
  if (anythingChanged) await cache.collect(Object.values(records));

  return {
    articles: Object.keys(records).length,
    rejected,
    written,
    unchanged: Object.keys(writtenFiles).length - written.length,
    deleted,
    events,
  };
}

async function readText(store: ObjectStore, key: string): Promise<string | null> {
  const object = await store.get(key);
  return object === null ? null : Buffer.from(object.body).toString('utf8');
}

/**
 * Full articles for the feed window, in window order: freshly normalized ones, else the previous
 * window, else the per-article cache — each accepted only when its content hash matches the record.
 */
async function loadWindow(
  state: ObjectStore,
  content: ObjectStore,
  cache: ArticleCache,
  windowRecords: readonly ArticleRecord[],
  fresh: readonly { article: Article }[],
  windowCache: { text?: string | null },
): Promise<Article[]> {
  const known = new Map<string, Article>();
  for (const { article } of fresh) known.set(article.id, article);
  const missing = () => windowRecords.filter((r) => known.get(r.id)?.contentHash !== r.contentHash);
  if (missing().length > 0) {
    windowCache.text = await readText(state, WINDOW_KEY);
    if (windowCache.text !== null) {
      try {
        for (const article of JSON.parse(windowCache.text) as Article[]) {
          if (!known.has(article.id)) known.set(article.id, article);
        }
      } catch {
        // A damaged window cache is only a cache: the per-article cache below fills the gaps.
      }
    }
  }
  for (const [id, article] of await cache.getMany(missing())) known.set(id, article);
  await mapLimit(missing(), IO_CONCURRENCY, async (record) => {
    const source = await content.get(record.source);
    const renormalized = source === null ? null : safeNormalize(source.body, record.source);
    if (renormalized?.contentHash !== record.contentHash) {
      throw new WirefeedError(
        `${state.location}: the cached article "${record.id}" is missing or stale and ${record.source} no longer reproduces it`,
      );
    }
    known.set(record.id, renormalized);
  });
  return windowRecords.map((r) => known.get(r.id) as Article);
}

function safeNormalize(body: Uint8Array, path: string): Article | null {
  try {
    return normalizeArticle(body, { path });
  } catch (error) {
    if (error instanceof InvalidArticleError) return null;
    throw error;
  }
}
