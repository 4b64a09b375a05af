/**
 * The phases of a run, in the order the crash protocol (journal.ts) needs them: sources (batches of accept →
 * intent → records and pages → close, with checkpoints), render (archive pages and feeds, each collection's
 * directory stored after its files), handoff (events to the delivery queue), finish (forget the run). Each phase can stop between two
 * steps when the run's time is up; the next run continues from the journal.
 */
import type { OutputFile, Site } from '../../core/article.ts';
import { mapLimit } from '../../core/concurrency.ts';
import type { DeliveryQueue } from '../../core/delivery.ts';
import { type AnnouncedIds, type EventContext, feedUpdatedEvent } from '../../core/diff.ts';
import type { WebhookEvent } from '../../core/events.ts';
import { sha256 } from '../../core/hash.ts';
import type { Clock, ObjectStore, ParallelNormalizer } from '../../core/ports.ts';
import type { ArticleRecord } from '../../core/records.ts';
import { journalKey } from '../../core/state-keys.ts';
import type { LastRun } from '../../core/status.ts';
import { type AcceptContext, acceptBatch, type RecordSource, type RejectedSource } from './accept.ts';
import { AssetBatch, readAssetState, restoreMedia, type SourceWarning } from './assets.ts';
import { type Collections, collectionsOf, entryOf, type FeedHashes, SITE_COLLECTION_ID } from './collections.ts';
import { loadRenderers } from './engines.ts';
import { handOff, readSubscribers, type StateProblem } from './handoff.ts';
import { batchCount, type Head, type Journal, type RunState } from './journal.ts';
import type { WriterLease } from './lock.ts';
import type { Schedule } from './schedule.ts';
import { publishSiteFiles } from './site-files.ts';
import type { SourceIndex } from './source-index.ts';
import { SourceReads } from './source-reads.ts';
import { IO_CONCURRENCY, JSON_TYPE, readRecord, readState, writeRecord } from './state.ts';

/** Journal object of a run: the feed hashes before its render (see `#feedsBefore`). */
const FEEDS_BEFORE = 'feeds-before';

/** Sources examined per batch: bounds memory and the work a crash can make a run repeat. */
export const BATCH_SIZE = 64;
/** Batches between checkpoints (index shards and archive pages stored), bounding what a crash re-applies. */
export const CHECKPOINT_EVERY = 64;
/** Records kept in memory after they were read or written, for the feed window and repeated reads. */
const RECORD_CACHE = 512;

export interface PublishProgress {
  readonly phase: 'sources' | 'render' | 'handoff';
  readonly done: number;
  readonly total: number;
}

/** Records read through a small cache of the ones this run read or wrote. */
export class RecordCache implements RecordSource {
  readonly #state: ObjectStore;
  readonly #cache = new Map<string, ArticleRecord | null>();

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  async get(id: string): Promise<ArticleRecord | null> {
    if (this.#cache.has(id)) return this.#cache.get(id) ?? null;
    const record = await readRecord(this.#state, id);
    this.remember(id, record);
    return record;
  }

  remember(id: string, record: ArticleRecord | null): void {
    this.#cache.delete(id);
    this.#cache.set(id, record);
    if (this.#cache.size > RECORD_CACHE) this.#cache.delete(this.#cache.keys().next().value as string);
  }
}

/** What a run did, accumulated across its phases. */
export interface RunTally {
  readonly written: string[];
  readonly deleted: string[];
  readonly events: WebhookEvent[];
  readonly rejected: Map<string, string>;
  readonly problems: StateProblem[];
  /** Sources published with a warning, by file (the last run's reason for each). */
  readonly warnings: SourceWarning[];
}

export interface RunContext {
  readonly content: ObjectStore;
  readonly output: ObjectStore;
  readonly state: ObjectStore;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
  readonly site: Site;
  readonly journal: Journal;
  readonly head: Head;
  readonly index: SourceIndex;
  readonly schedule: Schedule;
  readonly collections: Collections;
  readonly records: RecordCache;
  readonly lease: WriterLease;
  readonly events: EventContext;
  readonly normalizer: string;
  readonly tally: RunTally;
  /** True when the run should stop before a step expected to take `estimateMs`. */
  readonly outOfTime: (estimateMs: number) => boolean;
  readonly onProgress?: (progress: PublishProgress) => void;
  /** Normalizes on other threads when the run examines at least its threshold of sources. */
  readonly parallel?: ParallelNormalizer;
}

/** One run of a sequence; `phases()` drives it until it is finished or out of time. */
export class Run {
  readonly #c: RunContext;
  readonly #run: RunState;
  /** Longest step so far, by the clock: the estimate for the next one. */
  #longestStep = 0;
  #steps = 0;
  /** The run was created by this call and not yet written to the journal. */
  readonly #fresh: boolean;
  #journaled = false;
  /** Reads through the worker pool, when this run has enough sources to examine for one (see `#sources`). */
  #reads: SourceReads | null = null;

  constructor(context: RunContext, run: RunState, fresh: boolean) {
    this.#c = context;
    this.#run = run;
    this.#fresh = fresh;
  }

  /** Base of the entry ids of records from before ids were kept: fixed by the run's start (journal.ts). */
  #idBase(): string {
    return this.#run.idBase ?? this.#c.head.idBase ?? this.#c.site.siteUrl;
  }

  #timeUp(): boolean {
    // Every run makes progress: the first step always runs.
    return this.#steps > 0 && this.#c.outOfTime(this.#longestStep);
  }

  async #timed<T>(step: () => Promise<T>): Promise<T> {
    const started = this.#c.clock.now().getTime();
    const result = await step();
    this.#longestStep = Math.max(this.#longestStep, this.#c.clock.now().getTime() - started);
    this.#steps++;
    return result;
  }

  /** Runs the phases in order; true when the run is finished (forgotten), false when it stopped to continue later. */
  async phases(): Promise<boolean> {
    await this.#reapply();
    if (this.#run.phase === 'sources' && !(await this.#sources())) return false;
    if (this.#c.head.run === null) return true;
    if (this.#run.phase === 'render' && !(await this.#render())) return false;
    if (!(await this.#handoff())) return false;
    await this.#finish();
    return true;
  }

  /** Re-applies the closed batches a crash left unstored (since the last checkpoint) to the in-memory state. */
  async #reapply(): Promise<void> {
    const run = this.#run;
    if (run.flushed >= batchCount(run)) return;
    for await (const record of this.#c.journal.batches(run, run.flushed)) {
      const index = record.index ?? [];
      await this.#c.index.loadFor(index.map(([key]) => key));
      for (const [key, entry] of index) this.#c.index.set(key, entry);
      await this.#c.schedule.apply(record.schedule ?? []);
      await this.#c.collections.apply(record.deltas ?? []);
    }
  }

  async #sources(): Promise<boolean> {
    const run = this.#run;
    const work = await this.#c.journal.work(run);
    const parallel = this.#c.parallel;
    if (parallel !== undefined && run.workCount - run.cursor >= parallel.threshold) {
      this.#reads = new SourceReads(this.#c.content, parallel);
    }
    let sinceCheckpoint = 0;
    while (run.open !== null || run.cursor < run.workCount) {
      if (this.#timeUp()) {
        await this.#checkpoint();
        return false;
      }
      await this.#timed(async () => {
        const first = work[run.cursor];
        if (run.open === null && first?.startsWith('r:')) await this.#rerenderBatch(work);
        else await this.#sourceBatch(work);
      });
      await this.#c.lease.renewIfDue();
      this.#c.onProgress?.({ phase: 'sources', done: run.cursor, total: run.workCount });
      if (++sinceCheckpoint >= CHECKPOINT_EVERY) {
        await this.#checkpoint();
        sinceCheckpoint = 0;
      }
    }
    if (this.#fresh && !this.#journaled && !run.forcePages && this.#c.head.site !== '' && run.batches.length === 0) {
      // Only fingerprints changed (a whitespace-only edit, a touch): the index is a cache, no run to remember.
      await this.#c.index.flush();
      await this.#c.index.storeRevisions();
      this.#c.head.run = null;
      return true;
    }
    run.phase = 'render';
    await this.#c.index.flush();
    await this.#c.index.storeRevisions();
    this.#c.head.nextDue = await this.#c.schedule.flush();
    // The collections are not stored here: the render stores each directory once, after its files. Until then the
    // batches since the last checkpoint keep their deltas in the journal, and a crash re-applies them (#reapply).
    const collections = this.#c.collections;
    await collections.openAll([SITE_COLLECTION_ID, ...(run.touched ?? [])]);
    await collections.settle();
    this.#rememberTouched();
    // A forced render may change every feed document: their hashes go to a journal object, not the root.
    run.feedHashes = run.forcePages ? null : await collections.feedHashes(false);
    await this.#c.journal.write(this.#c.head);
    this.#journaled = true;
    return true;
  }

  /** One batch of sources: accept (reads), intent, records, pages, close (in memory until the next head write). */
  async #sourceBatch(work: readonly string[]): Promise<void> {
    const run = this.#run;
    const replay = run.open;
    const items = replay === null ? takeBatch(work, run.cursor, 's:') : [];
    const keys = replay?.keys ?? items.map((item) => item.slice(2));
    const reads = this.#reads;
    if (reads !== null) {
      reads.prefetch(keys);
      reads.prefetch(takeBatch(work, run.cursor + (replay?.count ?? items.length), 's:').map((item) => item.slice(2)));
    }
    const context: AcceptContext = {
      content: this.#c.content,
      index: this.#c.index,
      records: this.#c.records,
      events: this.#c.events,
      now: run.started,
      normalizer: this.#c.normalizer,
      collectionsOf: collectionsOf(this.#c.site),
      entryIdBase: this.#idBase(),
      imageRefs: (key) => readAssetState(this.#c.state, key),
      ...(reads === null ? {} : { read: (key: string) => reads.read(key) }),
    };
    const outcome = await acceptBatch(context, keys, replay?.before);
    this.#c.tally.warnings.push(...outcome.warnings);
    this.#c.tally.problems.push(...outcome.problems);
    const count = replay?.count ?? items.length;
    const schedule = await this.#c.schedule.differing(outcome.schedule);
    const effects =
      outcome.records.length + outcome.pages.length + outcome.removedPages.length + outcome.events.length > 0 ||
      outcome.deltas.length + schedule.length + outcome.assetRefs.length > 0;
    if (replay === null && !effects) {
      // Nothing but fingerprints: no intent is needed, the index entries are only a cache.
      for (const [key, entry] of outcome.index) this.#c.index.set(key, entry);
      this.#tallyRejections(outcome.keys, outcome.rejected);
      run.cursor += count;
      return;
    }
    run.open = { count, keys: outcome.keys, before: outcome.before };
    await this.#c.journal.write(this.#c.head);
    this.#journaled = true;

    // Records before the pages they describe: a page on the output always has a record that names it.
    await mapLimit(outcome.records, IO_CONCURRENCY, async (record) => {
      await writeRecord(this.#c.state, record);
      this.#c.records.remember(record.id, record);
    });
    // Images before the pages that show them; the ones no page shows any more go after the pages (assets.ts).
    const images = await AssetBatch.prepare(this.#c, outcome.assetRefs);
    await images.publish((path) => this.#c.tally.written.push(path));
    if (outcome.pages.length > 0) {
      const { renderArticlePage } = await loadRenderers();
      await mapLimit(outcome.pages, IO_CONCURRENCY, (record) =>
        this.#write(renderArticlePage(this.#c.site, entryOf(record))),
      );
    }
    await mapLimit(outcome.removedPages, IO_CONCURRENCY, async (id) => {
      const path = `articles/${id}.html`;
      await this.#c.output.delete(path);
      this.#c.tally.deleted.push(path);
    });
    await images.settle((path) => this.#c.tally.deleted.push(path));

    for (const [key, entry] of outcome.index) this.#c.index.set(key, entry);
    await this.#c.schedule.apply(schedule);
    await this.#c.collections.apply(outcome.deltas);
    for (const { file, reason } of outcome.rejected) this.#c.tally.rejected.set(file, reason);
    for (const key of outcome.keys)
      if (!outcome.rejected.some((r) => r.file === key)) this.#c.tally.rejected.delete(key);
    run.batches.push({
      events: outcome.events,
      index: outcome.index,
      deltas: outcome.deltas,
      ...(schedule.length === 0 ? {} : { schedule }),
    });
    this.#c.head.articles += outcome.liveDelta;
    run.cursor += count;
    run.open = null;
  }

  #tallyRejections(keys: readonly string[], rejected: readonly RejectedSource[]): void {
    for (const key of keys) this.#c.tally.rejected.delete(key);
    for (const { file, reason } of rejected) this.#c.tally.rejected.set(file, reason);
  }

  /**
   * One batch of pages re-rendered from their records (the site or the renderer changed, or the output was wiped),
   * with any published image the output lost put back first. No state changes.
   */
  async #rerenderBatch(work: readonly string[]): Promise<void> {
    const run = this.#run;
    const items = takeBatch(work, run.cursor, 'r:');
    const { renderArticlePage } = await loadRenderers();
    await mapLimit(items, IO_CONCURRENCY, async (item) => {
      const record = await readRecord(this.#c.state, item.slice(2));
      if (record?.state !== 'live') return;
      await restoreMedia(this.#c, record.article, (path) => this.#c.tally.written.push(path));
      await this.#write(renderArticlePage(this.#c.site, entryOf(record)));
    });
    run.cursor += items.length;
  }

  async #write(file: OutputFile): Promise<void> {
    // Article pages: a page a crash left partial belongs to a journaled batch, whose replay writes it again.
    await this.#c.output.put(file.path, file.body, {
      contentType: file.contentType,
      cacheControl: file.cacheControl,
      createInPlace: true,
    });
    this.#c.tally.written.push(file.path);
  }

  /** Stores the source index and the collections, then records in the root object that they are stored. */
  async #checkpoint(): Promise<void> {
    await this.#c.index.flush();
    this.#c.head.nextDue = await this.#c.schedule.flush();
    await this.#c.collections.flush();
    this.#rememberTouched();
    this.#forgetDeltas();
    await this.#c.journal.write(this.#c.head);
    this.#journaled = true;
  }

  /** Adds the collections open now to the run's touched set (the render opens them again after a restart). */
  #rememberTouched(): void {
    const run = this.#run;
    run.touched = [...new Set([...(run.touched ?? []), ...this.#c.collections.openIds()])].sort();
  }

  /** The collections holding the batches' deltas are stored: keep only the batches' events. */
  #forgetDeltas(): void {
    const run = this.#run;
    run.batches = run.batches.map(({ events }) => ({ events }));
    run.flushed = batchCount(run);
  }

  async #render(): Promise<boolean> {
    const run = this.#run;
    const collections = this.#c.collections;
    await collections.openAll([SITE_COLLECTION_ID, ...(run.touched ?? [])]);
    if (run.forcePages) await collections.openAll(await collections.storedIds());
    const before = run.feedHashes ?? (await this.#feedsBefore());
    const outcome = await collections.render({
      site: this.#c.site,
      output: this.#c.output,
      records: this.#c.records,
      entryIdBase: this.#idBase(),
      force: run.forcePages,
      yieldNow: () => this.#timeUp(),
      onWrite: (path) => this.#c.tally.written.push(path),
      onDelete: (path) => this.#c.tally.deleted.push(path),
    });
    this.#steps++;
    this.#c.onProgress?.({ phase: 'render', done: outcome.complete ? 1 : 0, total: 1 });
    if (!outcome.complete) {
      // The collections the render did not reach are stored with their dirty marks, and the journal forgets the
      // deltas they hold, so the next call renders them without re-applying anything.
      await this.#checkpoint();
      return false;
    }
    // Every open collection's directory is stored now; their deltas need not be re-applied.
    this.#forgetDeltas();
    if (collections.hasEmptied()) {
      // Recorded before a topic's state is removed, so a crash in the removal never re-applies deltas to it.
      await this.#c.journal.write(this.#c.head);
      await collections.removeEmptied(this.#c.output, (path) => this.#c.tally.deleted.push(path));
    }
    // The fixed files and the 404 page only with a render of every page (first publish, a site.json or
    // RENDER_VERSION change): a one-article edit stays within its request budget (docs/ARCHITECTURE.md).
    if (run.forcePages || this.#c.head.site === '') {
      this.#c.tally.written.push(...(await publishSiteFiles(this.#c.output)));
      const { renderNotFoundPage } = await loadRenderers();
      await this.#write(renderNotFoundPage(this.#c.site));
    }
    const after = await collections.publishedHashes(Object.keys(before));
    const changed = Object.keys(before)
      .filter((path) => before[path] !== after[path])
      .sort();
    const ids = changed.length === 0 ? null : await this.#announcedIds();
    const announced = ids !== null && ids.published.length + ids.updated.length + ids.deleted.length > 0;
    // An adopted release-1 state announces feeds whose bytes the upgrade alone changed only with a real change.
    if (ids !== null && (!run.silent || announced)) {
      const hash = sha256(changed.map((path) => `${path}:${after[path] ?? ''}`).join('\n'));
      const urls = changed.map((path) => `${this.#c.site.siteUrl}/${path}`);
      run.batches.push({ events: [feedUpdatedEvent(ids, hash, this.#c.events, urls)] });
      run.flushed = batchCount(run);
    }
    // No root write here: a crash during the handoff renders again (writing nothing new) and hands out again.
    run.phase = 'handoff';
    return true;
  }

  /**
   * The feed hashes of a forced render's collections before it, kept in the journal the first time the render phase
   * starts, so a render interrupted after some writes still names every feed the run changed.
   */
  async #feedsBefore(): Promise<FeedHashes> {
    const key = journalKey(this.#run.id, FEEDS_BEFORE);
    const stored = await readState(this.#c.state, key, (value) => value as FeedHashes, 'feed hashes');
    if (stored !== null) return stored.value;
    const hashes = await this.#c.collections.feedHashes(true);
    await this.#c.state.put(key, `${JSON.stringify(hashes)}\n`, JSON_TYPE);
    return hashes;
  }

  async #announcedIds(): Promise<AnnouncedIds> {
    const ids = { published: [] as string[], updated: [] as string[], deleted: [] as string[] };
    for await (const record of this.#c.journal.batches(this.#run)) {
      for (const event of record.events) {
        if (event.type === 'article.published') ids.published.push(event.data.id);
        else if (event.type === 'article.updated') ids.updated.push(event.data.id);
        else if (event.type === 'article.deleted') ids.deleted.push(event.data.id);
      }
    }
    return ids;
  }

  async #handoff(): Promise<boolean> {
    const run = this.#run;
    const total = batchCount(run);
    if (run.handed >= total) return true;
    const { subscribers, problems } = await readSubscribers(this.#c.state);
    this.#c.tally.problems.push(...problems);
    const targets = { subscribers, site: this.#c.site, state: this.#c.state, siteChanged: run.forcePages };
    for await (const record of this.#c.journal.batches(run, run.handed)) {
      if (record.events.length > 0 && this.#timeUp()) {
        run.phase = 'handoff';
        await this.#c.journal.write(this.#c.head);
        return false;
      }
      const unreadable = await this.#timed(() => handOff(this.#c.queue, record.events, targets, this.#c.clock.now()));
      this.#c.tally.problems.push(...unreadable);
      this.#c.tally.events.push(...record.events);
      run.handed++;
      this.#c.onProgress?.({ phase: 'handoff', done: run.handed, total });
    }
    return true;
  }

  /** Forgets the run: the published state now says what it was made with. */
  async #finish(): Promise<void> {
    const run = this.#run;
    const head = this.#c.head;
    head.site = run.site;
    head.render = run.render;
    head.normalizer = run.normalizer;
    head.collectionFiles = this.#c.collections.outputCount();
    head.siteUrl = this.#c.site.siteUrl;
    head.idBase = this.#idBase();
    head.run = null;
    head.last = lastRunOf(run, head.articles, this.#c.tally, this.#c.clock.now());
    await this.#c.journal.write(head);
    // After the root stopped naming them; a crash in between leaves objects the next reconcile removes.
    if (run.spilled.length > 0 || run.work === null) await this.#c.journal.forget(run.id);
    else if (run.feedHashes === null) await this.#c.state.delete(journalKey(run.id, FEEDS_BEFORE));
  }
}

/** What `wirefeed status` shows of a finished run: kept in the root record, which finishing writes anyway. */
function lastRunOf(run: RunState, articles: number, tally: RunTally, now: Date): LastRun {
  const count = (type: WebhookEvent['type']) => tally.events.filter((event) => event.type === type).length;
  return {
    run: run.id,
    started: run.started,
    finished: now.toISOString(),
    articles,
    published: count('article.published'),
    updated: count('article.updated'),
    deleted: count('article.deleted'),
    feedUpdated: count('feed.updated'),
    filesWritten: new Set(tally.written).size,
    filesDeleted: new Set(tally.deleted).size,
    rejected: tally.rejected.size,
    problems: tally.problems.slice(0, 20),
  };
}

/** The next batch of work items of one kind from `cursor`. */
function takeBatch(work: readonly string[], cursor: number, kind: 's:' | 'r:'): string[] {
  const items: string[] = [];
  for (let i = cursor; i < work.length && items.length < BATCH_SIZE; i++) {
    const item = work[i] as string;
    if (!item.startsWith(kind)) break;
    items.push(item);
  }
  return items;
}
