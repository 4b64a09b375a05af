/**
 * Accept: one batch of source keys → normalized articles → who owns each id → the next record of every id the
 * batch touches, with its event, its collection changes and its page. Reads only; the caller journals the outcome
 * and then writes it (docs/ARCHITECTURE.md, "A batch").
 *
 * Identity rules:
 * - an id is owned by one source; a second source claiming it is rejected as a duplicate and remembered as a
 *   claimant, and when the owner goes (deleted, or now claims another id) the claimant with the smallest key takes
 *   over, in the same batch, so the article is updated (or unchanged), never deleted and re-published;
 * - a rejected owner (an unusable edit) keeps its last good version published;
 * - a deleted article leaves a tombstone that keeps its first-seen date and version, so a restored article keeps
 *   its place in the feeds and announces a new version;
 * - a record normalized by another NORMALIZER_VERSION whose source bytes did not change is re-normalized silently:
 *   same version, same `updated`, no event;
 * - a draft, or an article whose `date` is still to come, is held (publish/held.ts): it claims no id, so a published
 *   article that becomes one is deleted (its tombstone keeps its first-seen date for when it comes back), and a
 *   scheduled one is put on the schedule for the run at which it falls due.
 */

import type { ArchiveEntry, SortKey } from '../../core/archive.ts';
import type { Article } from '../../core/article.ts';
import type { AssetState } from '../../core/assets.ts';
import { type AssetRefChange, isImageSourceKey } from '../../core/assets.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { changeEvent, type EventContext } from '../../core/diff.ts';
import { InvalidArticleError, StateError } from '../../core/errors.ts';
import type { WebhookEvent } from '../../core/events.ts';
import { toUtcIso } from '../../core/iso-date.ts';
import type { ObjectStore, ParallelNormalizer } from '../../core/ports.ts';
import {
  type ArticleRecord,
  entryIdOf,
  imageOf,
  type LiveRecord,
  RECORD_FORMAT,
  type RecordImage,
  type SourceEntry,
  type Tombstone,
} from '../../core/records.ts';
import { resolveMedia, type SourceWarning } from './assets.ts';
import { topicLabelOf } from './collections.ts';
import { loadNormalizer } from './engines.ts';
import { type Hold, heldReason } from './held.ts';
import type { ScheduleChange } from './schedule.ts';
import type { SourceIndex } from './source-index.ts';
import { type Fingerprint, readSource } from './sources.ts';
import { IO_CONCURRENCY } from './state.ts';

/** A change of one article in one collection (see core/archive.ts). */
export interface CollectionDelta {
  readonly collection: string;
  readonly id: string;
  readonly before: SortKey | null;
  readonly after: ArchiveEntry | null;
  /** A topic's name as the article now writes it (topic collections only, when the article is a member). */
  readonly label?: string;
}

export interface RejectedSource {
  readonly file: string;
  readonly reason: string;
}

/** Reads records through an in-run cache, so a record this run wrote is not read back. */
export interface RecordSource {
  get(id: string): Promise<ArticleRecord | null>;
}

export interface AcceptContext {
  readonly content: ObjectStore;
  readonly index: SourceIndex;
  readonly records: RecordSource;
  readonly events: EventContext;
  /** Time of the run (of the first run of a continued sequence): first-seen and update dates. */
  readonly now: string;
  readonly normalizer: string;
  /** The collections an article belongs to. */
  readonly collectionsOf: (article: Article) => readonly string[];
  /** Base URL of the entry ids of records from before ids were kept (`entryIdOf`). */
  readonly entryIdBase: string;
  /** The reference object of a local image (who shows it), to examine those articles again when it changes. */
  readonly imageRefs: (key: string) => Promise<AssetState | null>;
  /** Reads and normalizes a source (e.g. one a worker pool began on ahead); default: `readNormalized` in-process. */
  readonly read?: (key: string) => Promise<NormalizedRead>;
}

/** Everything a batch decided, before anything is written. */
export interface BatchOutcome {
  /** Every source key examined (the batch's own and the claimants read to settle ownership). */
  readonly keys: readonly string[];
  /** The record of every id the batch touches, as it was before (the journal's pre-images). */
  readonly before: Readonly<Record<string, RecordImage | null>>;
  /** Records to write. */
  readonly records: readonly ArticleRecord[];
  /** Live records whose page must be (re)written. */
  readonly pages: readonly LiveRecord[];
  /** Ids whose page must be deleted. */
  readonly removedPages: readonly string[];
  readonly index: readonly (readonly [string, SourceEntry | null])[];
  readonly events: readonly WebhookEvent[];
  readonly deltas: readonly CollectionDelta[];
  readonly rejected: readonly RejectedSource[];
  /** Change of the number of live articles (from the journal's view of the records). */
  readonly liveDelta: number;
  /** Records that could not be read; the sources touching them were left for a later run. */
  readonly problems: readonly { readonly key: string; readonly reason: string }[];
  /** For every source key examined: when it falls due if it is scheduled, else null. */
  readonly schedule: readonly ScheduleChange[];
  /** Changes of articles' references to local images (publish/assets.ts applies them). */
  readonly assetRefs: readonly AssetRefChange[];
  /** Sources that publish with a warning (a missing or refused image). */
  readonly warnings: readonly SourceWarning[];
}

type Claim =
  | { readonly kind: 'missing' }
  | { readonly kind: 'rejected'; readonly fingerprint: Fingerprint; readonly reason: string }
  | { readonly kind: 'held'; readonly fingerprint: Fingerprint; readonly hold: Hold; readonly article: Article }
  | {
      readonly kind: 'claims';
      readonly fingerprint: Fingerprint;
      readonly article: Article;
      readonly warnings?: readonly SourceWarning[];
    }
  /** A local image: claims no id; the articles that show it are examined with it. */
  | { readonly kind: 'image'; readonly fingerprint: Fingerprint };

/** One source read and normalized: what its claim is made of (normalize runs in-process or on a worker). */
export type NormalizedRead =
  | { readonly state: 'missing' }
  | { readonly state: 'unreadable' | 'invalid'; readonly fingerprint: Fingerprint; readonly reason: string }
  | { readonly state: 'normalized'; readonly fingerprint: Fingerprint; readonly article: Article };

/** Reads `key` and normalizes it, with `normalize` when given (a worker pool), else on this thread. */
export async function readNormalized(
  content: ObjectStore,
  key: string,
  normalize?: ParallelNormalizer['normalize'],
): Promise<NormalizedRead> {
  const read = await readSource(content, key);
  if (read.state === 'missing') return { state: 'missing' };
  if (read.state === 'unreadable') return { state: 'unreadable', fingerprint: read.fingerprint, reason: read.reason };
  try {
    const article =
      normalize === undefined
        ? (await loadNormalizer()).normalizeArticle(read.body, { path: key })
        : await normalize(read.body, key);
    return { state: 'normalized', fingerprint: read.fingerprint, article };
  } catch (error) {
    if (error instanceof InvalidArticleError) {
      return { state: 'invalid', fingerprint: read.fingerprint, reason: error.reason };
    }
    throw error;
  }
}

async function claimOf(context: AcceptContext, key: string, now: Date): Promise<Claim> {
  const { content } = context;
  if (isImageSourceKey(key)) {
    // Only the fingerprint: the articles that show it read the bytes (resolveMedia).
    const info = await content.head(key);
    if (info === null) return { kind: 'missing' };
    return { kind: 'image', fingerprint: { revision: info.revision, etag: info.etag } };
  }
  const read = await (context.read?.(key) ?? readNormalized(content, key));
  if (read.state === 'missing') return { kind: 'missing' };
  if (read.state !== 'normalized') return { kind: 'rejected', fingerprint: read.fingerprint, reason: read.reason };
  const hold = heldReason(read.article, now);
  if (hold !== null) return { kind: 'held', fingerprint: read.fingerprint, hold, article: read.article };
  const media = await resolveMedia(content, read.article);
  return { kind: 'claims', fingerprint: read.fingerprint, article: media.article, warnings: media.warnings };
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

/** The archive entry of a live record (or of its journal image). */
export function archiveEntryOf(record: LiveRecord | (RecordImage & { state: 'live' })): ArchiveEntry {
  const { article } = record;
  return {
    id: record.id,
    published: record.published,
    title: article.title,
    summary: article.summary,
    authors: article.authors,
    updated: record.updated,
    contentHash: record.contentHash,
    ...(record.entryId === undefined ? {} : { entryId: record.entryId }),
  };
}

function sameEntry(a: ArchiveEntry, b: ArchiveEntry): boolean {
  return (
    a.published === b.published &&
    a.updated === b.updated &&
    a.contentHash === b.contentHash &&
    a.title === b.title &&
    a.summary === b.summary &&
    a.authors.length === b.authors.length &&
    a.authors.every((name, i) => name === b.authors[i])
  );
}

/** Collection changes between two states of one id. */
export function deltasBetween(before: RecordImage | null, after: ArticleRecord | null): CollectionDelta[] {
  const was = before?.state === 'live' ? before : null;
  const now = after?.state === 'live' ? after : null;
  const names = new Set([...(was?.collections ?? []), ...(now?.collections ?? [])]);
  const deltas: CollectionDelta[] = [];
  for (const collection of [...names].sort()) {
    const from = was?.collections.includes(collection) ? was : null;
    const to = now?.collections.includes(collection) ? archiveEntryOf(now) : null;
    if (from === null && to === null) continue;
    if (from !== null && to !== null && sameEntry(archiveEntryOf(from), to)) continue;
    const id = (to ?? from)?.id as string;
    const label = now === null || to === null ? null : topicLabelOf(collection, now.article);
    deltas.push({
      collection,
      id,
      before: from === null ? null : { published: from.published, id },
      after: to,
      ...(label === null ? {} : { label }),
    });
  }
  return deltas;
}

function sameRecord(a: ArticleRecord | RecordImage | null, b: ArticleRecord | RecordImage | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.state !== b.state || a.contentHash !== b.contentHash || a.version !== b.version) return false;
  if (a.published !== b.published || a.updated !== b.updated) return false;
  if (a.claimants.join('\n') !== b.claimants.join('\n')) return false;
  if (a.state === 'live' && b.state === 'live') {
    return (
      a.source === b.source && a.normalizer === b.normalizer && a.collections.join('\n') === b.collections.join('\n')
    );
  }
  return true;
}

interface Resolution {
  readonly owner: string | null;
  /** The owner's fresh article, or null when the prior article stays (the owner was not examined, or is rejected). */
  readonly fresh: Article | null;
  readonly claimants: readonly string[];
}

/** Runs the accept step over `keys`; `replay` carries the pre-images of a batch a crash interrupted. */
export async function acceptBatch(
  context: AcceptContext,
  keys: readonly string[],
  replay?: Readonly<Record<string, RecordImage | null>>,
): Promise<BatchOutcome> {
  const { index } = context;
  const claims = new Map<string, Claim>();
  const records = new Map<string, ArticleRecord | null>();
  const affected = new Set<string>(Object.keys(replay ?? {}));
  const blocked = new Map<string, StateError>();
  const imageProblems: { key: string; reason: string }[] = [];

  // Read the batch, then keep reading the claimants of ids whose owner went, until nothing new is needed.
  let toRead = [...new Set(keys)];
  while (toRead.length > 0) {
    await index.loadFor(toRead);
    const now = new Date(context.now);
    const read = await mapLimit(toRead, IO_CONCURRENCY, (key) => claimOf(context, key, now));
    toRead.forEach((key, i) => {
      const claim = grandfathered(read[i] as Claim, index.get(key));
      claims.set(key, claim);
      const previous = index.get(key)?.id;
      if (previous != null) affected.add(previous);
      if (claim.kind === 'claims') affected.add(claim.article.id);
    });
    const unknown = [...affected].filter((id) => !records.has(id) && !blocked.has(id));
    const loaded = await mapLimit(unknown, IO_CONCURRENCY, async (id) => {
      try {
        return await context.records.get(id);
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        // The interrupted batch created this record (it had none before): a crash tore its in-place create.
        if (replay?.[id] === null) return null;
        // One unreadable record holds back only the sources that touch its id.
        blocked.set(id, error);
        return null;
      }
    });
    unknown.forEach((id, i) => {
      if (!blocked.has(id)) records.set(id, loaded[i] ?? null);
    });
    const next = new Set<string>();
    // A changed, new or deleted image: the articles that show it are examined with it.
    const images = toRead.filter(isImageSourceKey);
    const shown = await mapLimit(images, IO_CONCURRENCY, async (key) => {
      try {
        return await context.imageRefs(key);
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        imageProblems.push({ key: error.key, reason: error.reason });
        return null;
      }
    });
    for (const state of shown) {
      for (const ref of Object.values(state?.refs ?? {})) if (!claims.has(ref.source)) next.add(ref.source);
    }
    for (const id of affected) {
      const record = records.get(id);
      if (record?.state !== 'live' || ownerStays(record, claims, index)) continue;
      for (const claimant of record.claimants) if (!claims.has(claimant)) next.add(claimant);
    }
    toRead = [...next].sort(byKey);
  }

  // Sources touching an unreadable record wait (their index entries are not updated, so the next run retries them).
  const problems = [...blocked].map(([, error]) => ({ key: error.key, reason: error.reason }));
  problems.push(...imageProblems);
  for (const [key, claim] of [...claims]) {
    const ids = [index.get(key)?.id ?? null, claim.kind === 'claims' ? claim.article.id : null];
    if (ids.some((id) => id !== null && blocked.has(id))) claims.delete(key);
  }
  for (const id of blocked.keys()) affected.delete(id);

  const before: Record<string, RecordImage | null> = {};
  const out = {
    records: [] as ArticleRecord[],
    pages: [] as LiveRecord[],
    removedPages: [] as string[],
    events: [] as WebhookEvent[],
    deltas: [] as CollectionDelta[],
    assetRefs: [] as AssetRefChange[],
  };
  const owners = new Map<string, string | null>();
  let liveDelta = 0;

  for (const id of [...affected].sort(byKey)) {
    const disk = records.get(id) ?? null;
    const image = replay?.[id];
    before[id] = image !== undefined ? image : disk === null ? null : imageOf(disk);
    // A crash left this record changed without its event: announce that change first, as if it had its own batch.
    const forced = image !== undefined;
    if (forced && !sameRecord(image, disk)) {
      const caughtUp = changeEvent(image, disk === null ? null : imageOf(disk), context.events);
      if (caughtUp !== null) out.events.push(caughtUp);
      out.deltas.push(...deltasBetween(image, disk));
    }
    const resolution = resolve(id, disk, claims, index);
    owners.set(id, resolution.owner);
    const next = nextRecord(context, id, disk, resolution, claims);
    liveDelta += (next?.state === 'live' ? 1 : 0) - (before[id]?.state === 'live' ? 1 : 0);
    const changed = !sameRecord(disk, next);
    if (changed && next !== null) out.records.push(next);
    if (changed || forced) out.assetRefs.push(...assetRefChanges(id, [disk, before[id] ?? null], next));
    const event = changeEvent(
      disk === null ? null : imageOf(disk),
      next === null ? null : imageOf(next),
      context.events,
    );
    if (event !== null) out.events.push(event);
    out.deltas.push(...deltasBetween(disk === null ? null : imageOf(disk), next));
    if (next?.state === 'live') {
      const rendered =
        disk?.state === 'live' &&
        disk.contentHash === next.contentHash &&
        disk.published === next.published &&
        disk.updated === next.updated &&
        disk.normalizer === next.normalizer;
      if (forced || !rendered) out.pages.push(next);
    } else if (disk?.state === 'live' || (forced && image?.state === 'live')) {
      out.removedPages.push(id);
    }
  }

  const entries: [string, SourceEntry | null][] = [];
  const rejected: RejectedSource[] = [];
  const schedule: ScheduleChange[] = [];
  for (const key of [...claims.keys()].sort(byKey)) {
    const claim = claims.get(key) as Claim;
    schedule.push([key, claim.kind === 'held' ? claim.hold.due : null]);
    if (claim.kind === 'missing') {
      entries.push([key, null]);
      continue;
    }
    const { revision, etag } = claim.fingerprint;
    if (claim.kind === 'image') {
      entries.push([key, { revision, etag, id: null }]);
      continue;
    }
    if (claim.kind === 'held') {
      // Claims nothing until it is published; its bytes are remembered so that an unchanged draft is not re-read.
      entries.push([key, { revision, etag, id: null }]);
      continue;
    }
    if (claim.kind === 'rejected') {
      const previous = index.get(key)?.id ?? null;
      const keeps = previous !== null && owners.get(previous) === key;
      entries.push([key, { revision, etag, id: keeps ? previous : null, error: claim.reason }]);
      rejected.push({ file: key, reason: claim.reason });
      continue;
    }
    const id = claim.article.id;
    const owner = owners.get(id) ?? null;
    if (owner === key) {
      entries.push([key, { revision, etag, id }]);
    } else {
      const reason = `duplicate article id "${id}" (already published from ${owner})`;
      entries.push([key, { revision, etag, id, error: reason }]);
      rejected.push({ file: key, reason });
    }
  }
  const warnings: SourceWarning[] = [];
  for (const [key, claim] of [...claims].sort(([a], [b]) => byKey(a, b))) {
    if (claim.kind === 'claims' && owners.get(claim.article.id) === key) warnings.push(...(claim.warnings ?? []));
  }
  return {
    keys: [...claims.keys()].sort(byKey),
    warnings,
    before,
    index: entries,
    rejected,
    liveDelta,
    problems,
    schedule,
    ...out,
  };
}

/**
 * A held source whose bytes are those it was published from stays published: an upgrade (a new normalizer, a
 * release-1 state adopted) re-reads every source, and what an earlier release published despite its `draft` or
 * future `date` is not unpublished by the upgrade alone. Its next edit is held as usual.
 */
function grandfathered(claim: Claim, entry: SourceEntry | undefined): Claim {
  if (claim.kind !== 'held' || entry === undefined || entry.error !== undefined) return claim;
  if (entry.etag !== claim.fingerprint.etag || entry.id !== claim.article.id) return claim;
  return { kind: 'claims', fingerprint: claim.fingerprint, article: claim.article };
}

/** True when the live record's owner still holds its id after this batch's reads. */
function ownerStays(record: LiveRecord, claims: ReadonlyMap<string, Claim>, index: SourceIndex): boolean {
  const claim = claims.get(record.source);
  if (claim === undefined) return true;
  if (claim.kind === 'claims') return claim.article.id === record.id;
  // A rejected owner keeps its last good version; a missing one is gone.
  return claim.kind === 'rejected' && index.get(record.source)?.id === record.id;
}

function resolve(
  id: string,
  record: ArticleRecord | null,
  claims: ReadonlyMap<string, Claim>,
  index: SourceIndex,
): Resolution {
  const claiming = [...claims]
    .filter(([, claim]) => claim.kind === 'claims' && claim.article.id === id)
    .map(([key]) => key)
    .sort(byKey);
  // Recorded claimants not read in this batch still claim the id, as far as the state knows.
  const unread = record === null ? [] : record.claimants.filter((key) => !claims.has(key));
  if (record?.state === 'live' && ownerStays(record, claims, index)) {
    const claim = claims.get(record.source);
    const fresh = claim?.kind === 'claims' ? claim.article : null;
    const others = [...new Set([...claiming, ...unread])].filter((key) => key !== record.source).sort(byKey);
    return { owner: record.source, fresh, claimants: others };
  }
  const owner = claiming[0] ?? null;
  if (owner === null) return { owner: null, fresh: null, claimants: [] };
  const claim = claims.get(owner) as Claim & { kind: 'claims' };
  const others = [...new Set([...claiming.slice(1), ...unread])].filter((key) => key !== owner).sort(byKey);
  return { owner, fresh: claim.article, claimants: others };
}

function nextRecord(
  context: AcceptContext,
  id: string,
  prior: ArticleRecord | null,
  resolution: Resolution,
  claims: ReadonlyMap<string, Claim>,
): ArticleRecord | null {
  const { owner, fresh, claimants } = resolution;
  if (owner === null) {
    if (prior?.state !== 'live') return prior;
    const { source: _source, normalizer: _normalizer, collections: _collections, article: _article, ...kept } = prior;
    const tombstone: Tombstone = { ...kept, state: 'deleted', claimants: [] };
    return tombstone;
  }
  if (fresh === null) {
    // The owner was not read, or its edit was rejected: the last good version stays, in the collections it
    // belongs to (a record adopted from release 1 is in none yet).
    const live = prior as LiveRecord;
    return { ...live, claimants, collections: [...context.collectionsOf(live.article)] };
  }
  const live = prior?.state === 'live' ? prior : null;
  const claim = claims.get(owner) as Claim & { kind: 'claims' };
  const sameContent = prior !== null && prior.contentHash === fresh.contentHash;
  const bytesUnchanged = context.index.get(owner)?.etag === claim.fingerprint.etag;
  const silentUpgrade =
    live !== null && live.source === owner && live.normalizer !== context.normalizer && bytesUnchanged;
  const announce = !(live !== null && (sameContent || silentUpgrade));
  const version = announce ? (prior?.version ?? 0) + 1 : (prior as ArticleRecord).version;
  const firstSeen = prior?.firstSeen ?? context.now;
  const published = toUtcIso(fresh.published ?? firstSeen);
  const keptUpdate = prior !== null && (!announce || sameContent) ? prior.updated : null;
  const updated = maxIso(
    toUtcIso(fresh.updated ?? keptUpdate ?? (prior === null ? published : context.now)),
    published,
  );
  return {
    format: RECORD_FORMAT,
    state: 'live',
    id,
    source: owner,
    claimants,
    contentHash: fresh.contentHash,
    version,
    firstSeen,
    published,
    updated,
    normalizer: context.normalizer,
    collections: [...context.collectionsOf(fresh)],
    article: fresh,
    // Minted once: a new id gets today's article URL, an existing record keeps (or is given) the id it has.
    entryId: prior === null ? context.events.articleUrl(id) : entryIdOf(prior, context.entryIdBase),
  };
}

/**
 * How one id's references to local images change from its prior states (the record on disk and the journal's
 * pre-image, which differ after a crash) to `next`: set for every image it shows, removed for those it showed.
 */
function assetRefChanges(
  id: string,
  prior: readonly (ArticleRecord | RecordImage | null)[],
  next: ArticleRecord | null,
): AssetRefChange[] {
  const shown = next?.state === 'live' ? next.article.assets : [];
  const changes: AssetRefChange[] = [];
  for (const key of shown) {
    const path = next?.state === 'live' ? (next.article.media?.[key]?.path ?? null) : null;
    changes.push({ key, id, ref: { source: (next as LiveRecord).source, path } });
  }
  const before = new Set<string>();
  for (const record of prior)
    if (record?.state === 'live') for (const key of record.article.assets ?? []) before.add(key);
  for (const key of [...before].sort(byKey)) if (!shown.includes(key)) changes.push({ key, id, ref: null });
  return changes;
}
