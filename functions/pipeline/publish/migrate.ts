/**
 * Adopting a release-1 state (`manifest.json`, the chunked article cache, `feed-window.json`, `publishing.json`)
 * on the first run of this release, with no manual step (docs/ARCHITECTURE.md, "Migration"):
 *
 * - every manifest article becomes a record (version 1, its first-seen and published dates kept, its cached
 *   article when the cache still holds it), every manifest source an index entry;
 * - the root object then says the output was made by release 1's normalizer and renderer, so the next run
 *   re-normalizes every source silently (unchanged bytes: no event) and re-renders every page, building the
 *   archive and the feed window as it goes;
 * - the feed hashes release 1 published are kept, so feeds that come out byte-identical announce nothing;
 * - events an interrupted release-1 run had not handed out are handed with that run's, after its files.
 *
 * A manifest that is not valid is a StateError naming it; one bad article record is reported and skipped.
 */
import type { Article, Block } from '../../core/article.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { isEventType, type WebhookEvent } from '../../core/events.ts';
import { toUtcIso } from '../../core/iso-date.ts';
import { isSlug } from '../../core/normalize/slug.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { type LiveRecord, RECORD_FORMAT } from '../../core/records.ts';
import { LEGACY_CACHE_PREFIX, MANIFEST_KEY, MARKER_KEY, WINDOW_KEY, windowKey } from '../../core/state-keys.ts';
import { SITE_COLLECTION_ID } from './collections.ts';
import type { StateProblem } from './handoff.ts';
import { emptyHead, type Head, type Journal, STATE_FORMAT } from './journal.ts';
import { SourceIndex } from './source-index.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, parseStateJson, textOf, writeRecord } from './state.ts';

/** The normalizer and renderer marks of release-1 output: different from every version of this release. */
export const RELEASE_1 = 'release-1';
const FEED_PATHS = ['feed.xml', 'atom.xml', 'feed.json'];

interface V1Article {
  readonly id: string;
  readonly source: string;
  readonly contentHash: string;
  readonly firstSeen: string;
  readonly published: string;
  readonly updated: string;
  readonly title: string;
  readonly summary: string;
  readonly authors: readonly string[];
  readonly category: string | null;
  readonly cache?: string;
}

interface V1Source {
  readonly etag: string;
  readonly id: string | null;
  readonly error?: string;
}

interface V1Manifest {
  readonly renderVersion: string;
  readonly siteHash: string;
  readonly sources: Readonly<Record<string, unknown>>;
  readonly articles: Readonly<Record<string, unknown>>;
  readonly files: Readonly<Record<string, unknown>>;
}

/** True when the state store holds release-1 state and no state of this release. */
export async function hasLegacyState(state: ObjectStore): Promise<boolean> {
  return (await state.head(MANIFEST_KEY)) !== null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIso = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function parseManifest(state: ObjectStore, text: string): V1Manifest {
  const value = parseStateJson(state, MANIFEST_KEY, text, 'manifest');
  if (!isObject(value) || value.version !== 1) {
    throw invalidState(state, MANIFEST_KEY, 'not a wirefeed manifest of version 1');
  }
  for (const field of ['sources', 'articles', 'files'] as const) {
    if (!isObject(value[field])) throw invalidState(state, MANIFEST_KEY, `manifest "${field}" is not an object`);
  }
  return {
    renderVersion: typeof value.renderVersion === 'string' ? value.renderVersion : '',
    siteHash: typeof value.siteHash === 'string' ? value.siteHash : '',
    sources: value.sources as Record<string, unknown>,
    articles: value.articles as Record<string, unknown>,
    files: value.files as Record<string, unknown>,
  };
}

function checkArticle(id: string, value: unknown): V1Article | string {
  if (!isObject(value)) return 'is not an object';
  const v = value;
  if (v.id !== id || !isSlug(id)) return 'has an id that does not match its key';
  for (const field of ['source', 'contentHash', 'title', 'summary'] as const) {
    if (typeof v[field] !== 'string') return `has a missing or invalid "${field}"`;
  }
  for (const field of ['firstSeen', 'published', 'updated'] as const) {
    if (!isIso(v[field])) return `has a missing or invalid "${field}"`;
  }
  if (!Array.isArray(v.authors) || v.authors.some((a) => typeof a !== 'string')) return 'has invalid "authors"';
  if (v.category !== null && typeof v.category !== 'string') return 'has an invalid "category"';
  return v as unknown as V1Article;
}

function checkEvent(value: unknown): value is WebhookEvent {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.type === 'string' &&
    isEventType(value.type) &&
    typeof value.timestamp === 'string' &&
    isObject(value.data)
  );
}

/** The article a release-1 record had, when its cache chunk still holds it with the same content hash. */
async function cachedArticles(state: ObjectStore, articles: readonly V1Article[]): Promise<Map<string, Article>> {
  const byChunk = new Map<string, V1Article[]>();
  for (const article of articles) {
    if (article.cache === undefined || !article.cache.startsWith(LEGACY_CACHE_PREFIX)) continue;
    byChunk.set(article.cache, [...(byChunk.get(article.cache) ?? []), article]);
  }
  const found = new Map<string, Article>();
  await mapLimit([...byChunk], IO_CONCURRENCY, async ([key, wanted]) => {
    const object = await state.get(key);
    if (object === null) return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(textOf(object.body));
    } catch {
      return; // A damaged chunk was only a cache: its articles are re-normalized from their sources.
    }
    if (!isObject(chunk)) return;
    for (const record of wanted) {
      const article = chunk[record.id] as Article | undefined;
      if (article?.contentHash === record.contentHash && Array.isArray(article.body)) found.set(record.id, article);
    }
  });
  return found;
}

/** Headline-only stand-in for an article the cache no longer holds: never rendered unless its source is broken. */
function standIn(record: V1Article): Article {
  return {
    id: record.id,
    title: record.title,
    summary: record.summary,
    keyPoints: [],
    authors: record.authors,
    category: record.category,
    tags: [],
    published: null,
    updated: null,
    body: [],
    dropped: [],
    contentHash: record.contentHash,
    source: record.source,
    format: record.source.endsWith('.txt') ? 'txt' : 'md',
    draft: false,
    image: null,
    assets: [],
    canonicalUrl: null,
    lang: null,
  };
}

/** Release-1 inline content: plain text and the same as safe HTML, which this release no longer keeps. */
interface V1Inline {
  readonly text: string;
}

type V1Block =
  | ({ readonly type: 'paragraph' } & V1Inline)
  | ({ readonly type: 'heading'; readonly level: 2 | 3 | 4 | 5 | 6 } & V1Inline)
  | ({ readonly type: 'quote' } & V1Inline)
  | { readonly type: 'list'; readonly ordered: boolean; readonly items: readonly V1Inline[] };

const paragraph = (inline: V1Inline): Block => ({ type: 'paragraph', text: String(inline?.text ?? '') });

/**
 * A release-1 body in this release's document model, from its plain text (inline links and emphasis are lost). It
 * is shown only while a source that release 1 accepted is rejected now; every other source is normalized again.
 */
function blocksOf(body: readonly V1Block[]): Block[] {
  return body.flatMap((block): Block[] => {
    switch (block?.type) {
      case 'paragraph':
        return [paragraph(block)];
      case 'heading':
        return [{ type: 'heading', level: block.level, text: String(block.text ?? '') }];
      case 'quote':
        return [{ type: 'quote', blocks: [paragraph(block)] }];
      case 'list':
        return [
          {
            type: 'list',
            ordered: block.ordered === true,
            items: (Array.isArray(block.items) ? block.items : []).map((item) => ({ blocks: [paragraph(item)] })),
          },
        ];
      default:
        return [];
    }
  });
}

/** A cached release-1 article in this release's model: its body converted, the fields release 1 did not know unset. */
function fromRelease1(record: V1Article, cached: Article): Article {
  return {
    ...standIn(record),
    keyPoints: Array.isArray(cached.keyPoints) ? cached.keyPoints : [],
    tags: Array.isArray(cached.tags) ? cached.tags : [],
    published: typeof cached.published === 'string' ? cached.published : null,
    updated: typeof cached.updated === 'string' ? cached.updated : null,
    dropped: Array.isArray(cached.dropped) ? cached.dropped : [],
    format: cached.format === 'txt' ? 'txt' : 'md',
    body: blocksOf(cached.body as unknown as readonly V1Block[]),
  };
}

/**
 * Writes the records, the source index and the seed of the feed window from a release-1 state, then the root
 * object (the commit point), then removes the release-1 objects. Returns the new root object.
 */
export async function migrateLegacyState(options: {
  readonly state: ObjectStore;
  readonly content: ObjectStore;
  readonly journal: Journal;
  readonly siteHash: string;
  readonly now: Date;
  readonly problems?: StateProblem[];
}): Promise<Head> {
  const { state, journal } = options;
  const object = await state.get(MANIFEST_KEY);
  if (object === null) return emptyHead();
  const manifest = parseManifest(state, textOf(object.body));

  const articles: V1Article[] = [];
  for (const [id, value] of Object.entries(manifest.articles)) {
    const checked = checkArticle(id, value);
    if (typeof checked === 'string') options.problems?.push({ key: `${MANIFEST_KEY}#articles.${id}`, reason: checked });
    else articles.push(checked);
  }
  const cached = await cachedArticles(state, articles);
  await mapLimit(articles, IO_CONCURRENCY, async (v1) => {
    const found = cached.get(v1.id);
    const article = found === undefined ? standIn(v1) : fromRelease1(v1, found);
    const record: LiveRecord = {
      format: RECORD_FORMAT,
      state: 'live',
      id: v1.id,
      source: v1.source,
      claimants: [],
      contentHash: v1.contentHash,
      version: 1,
      firstSeen: toUtcIso(v1.firstSeen),
      published: toUtcIso(v1.published),
      updated: toUtcIso(v1.updated),
      normalizer: RELEASE_1,
      // In no collection yet: the archive and the feed window start empty, and the first run, which reads every
      // source again, adds each article to its collections as it goes (an unchanged article included).
      collections: [],
      article,
    };
    await writeRecord(state, record);
  });

  const index = new SourceIndex(state);
  await index.loadAll();
  for (const [key, value] of Object.entries(manifest.sources)) {
    const source = value as Partial<V1Source> | null;
    if (typeof source?.etag !== 'string' || (source.id !== null && typeof source.id !== 'string')) {
      options.problems?.push({ key: `${MANIFEST_KEY}#sources.${key}`, reason: 'is not a source entry' });
      continue;
    }
    // No revision yet: the next reconcile compares ETags once and records the revision.
    index.set(key, {
      revision: '',
      etag: source.etag,
      id: source.id ?? null,
      ...(typeof source.error === 'string' ? { error: source.error } : {}),
    });
  }
  await index.flush();

  const feeds = Object.fromEntries(
    FEED_PATHS.filter((path) => typeof manifest.files[path] === 'string').map((path) => [path, manifest.files[path]]),
  );
  await state.put(windowKey(SITE_COLLECTION_ID), `${JSON.stringify({ format: 1, entries: [], feeds })}\n`, JSON_TYPE);

  const carried: WebhookEvent[] = [];
  const marker = await state.get(MARKER_KEY);
  if (marker !== null) {
    let pending: unknown[] = [];
    try {
      const value = JSON.parse(textOf(marker.body)) as { pending?: unknown };
      pending = Array.isArray(value?.pending) ? value.pending : [];
    } catch {
      // Torn by a crash mid-write: the run it marked had not announced anything yet.
    }
    pending.forEach((event, i) => {
      if (checkEvent(event)) carried.push(event);
      else options.problems?.push({ key: `${MARKER_KEY}#pending.${i}`, reason: 'is not a webhook event' });
    });
  }

  const head: Head = {
    ...emptyHead(),
    format: STATE_FORMAT,
    site: manifest.siteHash === '' ? RELEASE_1 : manifest.siteHash,
    render: RELEASE_1,
    normalizer: RELEASE_1,
    articles: articles.length,
    adopted: { events: carried },
  };
  await journal.write(head);
  await removeLegacyState(state);
  return head;
}

/** Deletes the release-1 objects (after the root object of this release exists). */
export async function removeLegacyState(state: ObjectStore): Promise<void> {
  const chunks: string[] = [];
  for await (const info of state.list(LEGACY_CACHE_PREFIX)) chunks.push(info.key);
  await mapLimit(chunks, IO_CONCURRENCY, (key) => state.delete(key));
  await state.delete(WINDOW_KEY);
  await state.delete(MARKER_KEY);
  await state.delete(MANIFEST_KEY);
}
