/**
 * The per-article and per-source state records (docs/ARCHITECTURE.md, "State keys"), with their validation. Pure:
 * the pipeline reads and writes them through the state store; a record that is not what wirefeed wrote is a
 * StateError naming its key, never a guess.
 */
import { type Article, articleUrlAt } from './article.ts';
import { InvalidRecordError, StateError } from './errors.ts';
import { ARTICLE_FIELDS, type ArticleField } from './events.ts';
import { sha256 } from './hash.ts';
import { isSlug } from './normalize/slug.ts';

/**
 * Version of the record formats below; a record of another format is migrated or refused, never misread. Format 3
 * stores a live record's article without the fields the record already holds (`id`, `contentHash`, `source`);
 * format 2, which repeated them, is still read (see {@link parseArticleRecord}).
 */
export const RECORD_FORMAT = 3;

/** The earlier format still read: the article stored whole, beside the record's copies of its id, hash and source. */
const RECORD_FORMAT_2 = 2;

/** Article fields a format-3 record stores once, in the record: filled back in when it is read. */
const SHARED_FIELDS = ['id', 'contentHash', 'source'] as const;

interface RecordBase {
  readonly format: typeof RECORD_FORMAT;
  readonly id: string;
  /** Hash of the content last announced (the deleted content, for a tombstone). */
  readonly contentHash: string;
  /** 1 at the first announcement, +1 at every announced content change; kept across delete and restore. */
  readonly version: number;
  /** The first time wirefeed saw this id; kept for good, tombstones included. */
  readonly firstSeen: string;
  /** Resolved publication date (the source's date, else firstSeen), ISO 8601 UTC. */
  readonly published: string;
  /** Resolved update date (the source's `updated`, else the run that last changed the content), ISO 8601 UTC. */
  readonly updated: string;
  /** Other sources that claim this id, waiting to take over when the owner goes (sorted). */
  readonly claimants: readonly string[];
  /**
   * The feed entry id minted at first publish (the article URL then), kept for good — across edits, deletion,
   * restore and a move of the site. Absent in records written before ids were kept: see {@link entryIdOf}.
   */
  readonly entryId?: string;
}

/** A published article. */
export interface LiveRecord extends RecordBase {
  readonly state: 'live';
  /** The source key that owns the id. */
  readonly source: string;
  /** NORMALIZER_VERSION that produced `article`; another value means "re-normalize silently when next seen". */
  readonly normalizer: string;
  /** Ids of the collections the article belongs to (e.g. `site`). */
  readonly collections: readonly string[];
  readonly article: Article;
}

/** A deleted article: what a restore needs to keep its identity (first-seen date, version). */
export interface Tombstone extends RecordBase {
  readonly state: 'deleted';
}

export type ArticleRecord = LiveRecord | Tombstone;

/** What an event says of an article besides its id and dates. */
export type Headline = Pick<Article, 'title' | 'summary' | 'authors' | 'category' | 'tags'>;

/**
 * A record as the journal keeps it before a batch changes it: the article reduced to its headline, and a short
 * digest of each field `article.updated` can name (core/diff.ts compares them to say what changed). Both `tags`
 * and `fields` may be absent from an image journaled by an earlier release.
 */
export type RecordImage =
  | (Omit<LiveRecord, 'article'> & {
      /** `assets`: the article's local images, so a replayed batch releases the references it held. */
      readonly article: Headline & { readonly assets?: readonly string[] };
      readonly fields?: Readonly<Partial<Record<ArticleField, string>>>;
    })
  | Tombstone;

/** A field as `article.updated` compares it: `image` covers the bytes of the local images too (a replaced image). */
function fieldValue(article: Article, field: ArticleField): unknown {
  const value = article[field] ?? null;
  const media = article.media;
  if (field !== 'image' || media === undefined || Object.keys(media).length === 0) return value;
  return { image: value, media };
}

/** Digests of the fields an update can name, by field. */
export function fieldDigests(article: Article): Record<ArticleField, string> {
  const digests = {} as Record<ArticleField, string>;
  for (const field of ARTICLE_FIELDS) digests[field] = sha256(JSON.stringify(fieldValue(article, field))).slice(0, 16);
  return digests;
}

/**
 * The feed entry id of a record: the one it was minted with, or for a record from before ids were kept, its article
 * URL under `legacyBase`, the site URL the state's output was published with when ids began to be kept.
 */
export function entryIdOf(record: Pick<RecordBase, 'id' | 'entryId'>, legacyBase: string): string {
  return record.entryId ?? articleUrlAt(legacyBase, record.id);
}

/** The journal's image of a record. */
export function imageOf(record: ArticleRecord): RecordImage {
  if (record.state === 'deleted') return record;
  const { title, summary, authors, category, tags, assets } = record.article;
  const headline = { title, summary, authors, category, tags, ...(assets.length === 0 ? {} : { assets }) };
  return { ...record, article: headline, fields: fieldDigests(record.article) };
}

/** What the source index remembers of one source key. */
export interface SourceEntry {
  /** The store's revision when last read: equal means unchanged without reading the bytes. */
  readonly revision: string;
  /** ETag (MD5) of the bytes when last read. */
  readonly etag: string;
  /** The article id it claims (its last good version's, when it is rejected now), or null. */
  readonly id: string | null;
  /** Why it is rejected, when it is (invalid, a duplicate id, unreadable). */
  readonly error?: string;
}

function fail(location: string, key: string, reason: string): never {
  throw new StateError(`${location}/${key}`, key, reason);
}

function parseJson(text: string, location: string, key: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateError(`${location}/${key}`, key, `${what} is not valid JSON (truncated or damaged)`, {
      cause: error,
    });
  }
}

type Checker = (value: unknown) => boolean;
const isString: Checker = (v) => typeof v === 'string';
const isIso: Checker = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isStringArray: Checker = (v) => Array.isArray(v) && v.every(isString);
const isPositiveInteger: Checker = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNullableString: Checker = (v) => v === null || typeof v === 'string';

/** Names the first field of `value` that fails its check, or null when all pass. */
function badField(value: Record<string, unknown>, checks: Readonly<Record<string, Checker>>): string | null {
  for (const [field, check] of Object.entries(checks)) if (!check(value[field])) return field;
  return null;
}

const BASE_CHECKS: Readonly<Record<string, Checker>> = {
  id: (v) => typeof v === 'string' && isSlug(v),
  contentHash: isString,
  version: isPositiveInteger,
  firstSeen: isIso,
  published: isIso,
  updated: isIso,
  claimants: isStringArray,
  entryId: (v) => v === undefined || typeof v === 'string',
};

const ARTICLE_CHECKS: Readonly<Record<string, Checker>> = {
  id: isString,
  title: isString,
  summary: isString,
  keyPoints: isStringArray,
  authors: isStringArray,
  category: isNullableString,
  tags: isStringArray,
  published: isNullableString,
  updated: isNullableString,
  body: (v) => Array.isArray(v) && v.every((b) => typeof b === 'object' && b !== null && typeof b.type === 'string'),
  dropped: isStringArray,
  contentHash: isString,
  source: isString,
  format: isString,
  draft: (v) => typeof v === 'boolean',
  image: (v) => v === null || (typeof v === 'object' && typeof (v as { src?: unknown }).src === 'string'),
  assets: isStringArray,
  canonicalUrl: isNullableString,
  lang: isNullableString,
};

/**
 * Article fields added after the first release of this record format, with the value an article written before them
 * means: a record (or a feed window entry) of an earlier normalizer lacks them, and is read as if it had these, so
 * an older shape never reaches the renderer while the upgrade re-normalizes it silently.
 */
const ARTICLE_DEFAULTS = { draft: false, image: null, assets: [], canonicalUrl: null, lang: null } as const;

/** The article with the fields an earlier normalizer did not write filled in (see ARTICLE_DEFAULTS). */
export function withArticleDefaults<A extends object>(article: A): A & Pick<Article, keyof typeof ARTICLE_DEFAULTS> {
  return { ...ARTICLE_DEFAULTS, ...article } as A & Pick<Article, keyof typeof ARTICLE_DEFAULTS>;
}

/**
 * Parses and validates `records/<id>.json`. Unknown extra fields are kept (a newer normalizer may add article
 * fields); fields an earlier normalizer did not write get their defaults; a missing or mistyped field is a
 * StateError naming the key and the field.
 */
export function parseArticleRecord(text: string, location: string, key: string): ArticleRecord {
  const value = parseJson(text, location, key, 'article record');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(location, key, 'article record is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  if (record.format !== RECORD_FORMAT && record.format !== RECORD_FORMAT_2) {
    return fail(location, key, `article record has format ${JSON.stringify(record.format)}, expected ${RECORD_FORMAT}`);
  }
  const base = badField(record, BASE_CHECKS);
  if (base !== null) return fail(location, key, `article record has a missing or invalid "${base}"`);
  const older = record.format === RECORD_FORMAT_2;
  // Read as this format: a format-2 record is rewritten in format 3 only when it changes (no migration pass).
  record.format = RECORD_FORMAT;
  if (record.state === 'deleted') return record as unknown as Tombstone;
  if (record.state !== 'live') return fail(location, key, 'article record has a missing or invalid "state"');
  const live = badField(record, {
    source: isString,
    normalizer: isString,
    collections: isStringArray,
    article: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  });
  if (live !== null) return fail(location, key, `article record has a missing or invalid "${live}"`);
  const stored = record.article as Record<string, unknown>;
  if (!older) {
    const repeated = SHARED_FIELDS.find((field) => field in stored);
    if (repeated !== undefined) return fail(location, key, `article record repeats "article.${repeated}"`);
  }
  record.article = older ? withArticleDefaults(stored) : restoreShared(withArticleDefaults(stored), record);
  const articleField = badField(record.article as Record<string, unknown>, ARTICLE_CHECKS);
  if (articleField !== null) {
    return fail(location, key, `article record has a missing or invalid "article.${articleField}"`);
  }
  if ((record.article as Article).id !== record.id) {
    return fail(location, key, 'article record holds an article with another id');
  }
  return record as unknown as LiveRecord;
}

/**
 * The article of a format-3 record with the fields it shares with the record put back, in the order
 * `normalizeArticle` writes them (ARTICLE_CHECKS), so that whatever serializes the article again — a feed window,
 * an event — writes the bytes an article fresh from its source gives.
 */
function restoreShared(stored: Record<string, unknown>, record: Record<string, unknown>): Record<string, unknown> {
  const article: Record<string, unknown> = {};
  for (const field of Object.keys(ARTICLE_CHECKS)) {
    if ((SHARED_FIELDS as readonly string[]).includes(field)) article[field] = record[field];
    else if (field in stored) article[field] = stored[field];
  }
  for (const [field, v] of Object.entries(stored)) if (!(field in article)) article[field] = v;
  return article;
}

/**
 * Serializes a record (one line of JSON and a newline) in RECORD_FORMAT: a live record's article without the
 * fields the record holds already. A record whose article disagrees with it on one of them is a bug, not data to
 * drop silently: it throws.
 */
export function serializeRecord(record: ArticleRecord): string {
  if (record.state === 'deleted') return `${JSON.stringify({ ...record, format: RECORD_FORMAT })}\n`;
  const { id, contentHash, source, ...article } = record.article;
  if (id !== record.id || contentHash !== record.contentHash || source !== record.source) {
    throw new InvalidRecordError(
      `record ${record.id}: its article's id, content hash or source differs from the record's`,
    );
  }
  return `${JSON.stringify({ ...record, format: RECORD_FORMAT, article })}\n`;
}
