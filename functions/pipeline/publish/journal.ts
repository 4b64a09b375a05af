/**
 * The journal: publish's in-progress record, kept in the root state object `state.json` the way Powertools'
 * idempotency layer keeps its in-progress record (docs/ARCHITECTURE.md, "Crash protocol"). Everything a run
 * must not lose lives here before the writes it describes:
 *
 * 1. A batch's intent — the keys it examines and the records of the ids it touches as they were — is written
 *    before its records and pages. A crash before the batch is closed replays it from those pre-images, so
 *    events are computed against the state the subscribers last heard of, never twice, never lost.
 * 2. A closed batch's outcome (events, source-index changes, collection deltas) is written before the shared
 *    structures it changes (index shards, archive pages), which are stored only at a checkpoint; a crash between
 *    checkpoints re-applies the outcomes since the last one (idempotently).
 * 3. Output files derived from the shared structures (archive pages, feeds) are written after them, and their
 *    hashes are recorded after the files, so an interrupted render is simply rendered again.
 * 4. Events are handed to the delivery queue only after the render, then the run is forgotten.
 *
 * Large outcomes spill from the root object into immutable `journal/<run>/` objects, so the root stays small.
 */

import { mapLimit } from '../../core/concurrency.ts';
import type { WebhookEvent } from '../../core/events.ts';
import type { ObjectStore } from '../../core/ports.ts';
import type { RecordImage, SourceEntry } from '../../core/records.ts';
import { JOURNAL_PREFIX, journalKey, STATE_KEY } from '../../core/state-keys.ts';
import type { LastRun } from '../../core/status.ts';
import type { CollectionDelta } from './accept.ts';
import type { ScheduleChange } from './schedule.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, readState } from './state.ts';

export const STATE_FORMAT = 2;
/** Work items kept inline in the root object; a longer work list goes into its own journal object. */
const INLINE_WORK = 512;
/** Outcomes kept inline up to about this many bytes; more spill into a journal object. */
const INLINE_OUTCOME_BYTES = 128 * 1024;

/** What one closed batch changed. `index` and `deltas` are dropped once a checkpoint has stored them. */
export interface BatchRecord {
  readonly events: readonly WebhookEvent[];
  readonly index?: readonly (readonly [string, SourceEntry | null])[];
  readonly deltas?: readonly CollectionDelta[];
  /** Change of the live-article count. */
  readonly articles?: number;
  /** Schedule changes (publish/schedule.ts); dropped with `index` at a checkpoint. */
  readonly schedule?: readonly ScheduleChange[];
}

export interface Intent {
  /** Work items the batch consumes (0 for a batch added by a replay). */
  readonly count: number;
  readonly keys: readonly string[];
  readonly before: Readonly<Record<string, RecordImage | null>>;
}

export type Phase = 'sources' | 'render' | 'handoff';

/** A run in progress (one run, or a sequence of runs continuing each other within their time budgets). */
export interface RunState {
  readonly id: string;
  /** When the first run of the sequence started: the time of every first-seen date and event it produces. */
  readonly started: string;
  /** What this run publishes with. */
  readonly site: string;
  readonly render: string;
  readonly normalizer: string;
  /** Announce nothing (a migration, or an output root republished from state). */
  readonly silent: boolean;
  /** Rewrite every article page and every collection output (site, renderer or output root changed). */
  readonly forcePages: boolean;
  /** Work items: `s:<source key>` (examine a source) or `r:<article id>` (re-render its page). */
  readonly workCount: number;
  readonly work: readonly string[] | null;
  /** Work items consumed by closed batches. */
  cursor: number;
  open: Intent | null;
  /** Closed batches not spilled yet, in order. */
  batches: BatchRecord[];
  /** Batch records in each spilled object `journal/<id>/batches-<i>`, in order. */
  spilled: number[];
  /** Batch records (spilled and inline, in order) already stored by a checkpoint. */
  flushed: number;
  phase: Phase;
  /** Hash of the feeds before this run rendered them. */
  feedsBefore: string | null;
  /** Base URL of the entry ids of records minted before ids were kept (absent in runs of older versions). */
  readonly idBase?: string;
  /** The site URL the output had before this run, when the run moves the site to another. */
  readonly movedFrom?: string;
  /**
   * sha256 of each feed file before this run rendered them, by output path: which feeds changed, for WebSub. Absent in
   * a run journaled before the field existed (its feed.updated then names every feed).
   */
  feedFilesBefore?: Readonly<Record<string, string>> | null;
  /** Collections the run's stored batches changed (recorded at each checkpoint), rendered at its end. */
  touched?: string[];
  /**
   * The feed documents the render may change, with their hashes before it (`''`: not published), so an interrupted
   * render still names every changed feed; null when kept in the journal object `feeds-before` (a forced render).
   */
  feedHashes?: Readonly<Record<string, string>> | null;
  /** Batch records already handed to the delivery queue. */
  handed: number;
}

/** The root state object. */
export interface Head {
  readonly format: typeof STATE_FORMAT;
  /** What the published output was made with (empty before the first publish). */
  site: string;
  render: string;
  normalizer: string;
  /** Live articles. */
  articles: number;
  /** Files the collections publish (feeds, front pages, archive pages). */
  collectionFiles: number;
  /** When the earliest scheduled source falls due (ISO 8601), or null: nothing is scheduled. */
  nextDue: string | null;
  /** Changes that arrived while a run was in progress: source keys, or 'reconcile' for a full one. */
  later: string[] | 'reconcile' | null;
  /**
   * Set when a release-1 state was adopted: the next run announces only real changes (not the upgrade), and hands
   * out these events, which an interrupted release-1 run had not handed out, after its files.
   */
  adopted: { readonly events: readonly WebhookEvent[] } | null;
  run: RunState | null;
  /** What the last finished run did (absent before the first, and in states written by older versions). */
  last?: LastRun;
  /** The site URL the published output was made with (absent before the first run of a version that keeps it). */
  siteUrl?: string;
  /** Base URL of the entry ids of records from before ids were kept (docs/ARCHITECTURE.md, "Entry ids"). */
  idBase?: string;
}

export function emptyHead(): Head {
  return {
    format: STATE_FORMAT,
    site: '',
    render: '',
    normalizer: '',
    articles: 0,
    collectionFiles: 0,
    nextDue: null,
    later: null,
    adopted: null,
    run: null,
  };
}

function parseHead(state: ObjectStore, value: unknown): Head {
  const fail = (reason: string) => invalidState(state, STATE_KEY, reason);
  const h = value as Partial<Head> | null;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw fail('state root is not a JSON object');
  if (h.format !== STATE_FORMAT)
    throw fail(`state root has format ${JSON.stringify(h.format)}, expected ${STATE_FORMAT}`);
  for (const field of ['site', 'render', 'normalizer'] as const) {
    if (typeof h[field] !== 'string') throw fail(`state root has a missing or invalid "${field}"`);
  }
  if (typeof h.articles !== 'number' || !Number.isInteger(h.articles) || h.articles < 0) {
    throw fail('state root has a missing or invalid "articles"');
  }
  if (typeof h.collectionFiles !== 'number') throw fail('state root has a missing or invalid "collectionFiles"');
  // A root written before scheduling existed has no `nextDue`: nothing was scheduled.
  h.nextDue ??= null;
  if (h.nextDue !== null && (typeof h.nextDue !== 'string' || Number.isNaN(Date.parse(h.nextDue)))) {
    throw fail('state root has an invalid "nextDue"');
  }
  if (h.adopted !== null && !(typeof h.adopted === 'object' && Array.isArray(h.adopted?.events))) {
    throw fail('state root has an invalid "adopted"');
  }
  if (
    h.later !== null &&
    h.later !== 'reconcile' &&
    !(Array.isArray(h.later) && h.later.every((k) => typeof k === 'string'))
  ) {
    throw fail('state root has an invalid "later"');
  }
  for (const field of ['siteUrl', 'idBase'] as const) {
    if (h[field] !== undefined && typeof h[field] !== 'string') throw fail(`state root has an invalid "${field}"`);
  }
  if (h.last !== undefined && !(typeof h.last === 'object' && h.last !== null && typeof h.last.finished === 'string')) {
    throw fail('state root has an invalid "last"');
  }
  if (h.run !== null) {
    const r = h.run as Partial<RunState> | undefined;
    const bad =
      typeof r !== 'object' ||
      typeof r.id !== 'string' ||
      typeof r.started !== 'string' ||
      Number.isNaN(Date.parse(r.started)) ||
      typeof r.cursor !== 'number' ||
      typeof r.workCount !== 'number' ||
      !Array.isArray(r.batches) ||
      !Array.isArray(r.spilled) ||
      typeof r.flushed !== 'number' ||
      typeof r.handed !== 'number' ||
      !['sources', 'render', 'handoff'].includes(String(r.phase)) ||
      (r.work !== null && !Array.isArray(r.work)) ||
      (r.feedFilesBefore != null && (typeof r.feedFilesBefore !== 'object' || Array.isArray(r.feedFilesBefore))) ||
      (r.open !== null && (typeof r.open !== 'object' || !Array.isArray(r.open?.keys)));
    if (bad) throw fail('state root has a run in progress that is not what wirefeed writes');
  }
  return h as Head;
}

/** The journal of one state store. */
export class Journal {
  readonly #state: ObjectStore;
  #etag: string | null = null;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  /** Reads the root object (null when there is none); remembers its ETag. */
  async read(): Promise<Head | null> {
    const read = await readState(this.#state, STATE_KEY, (value) => parseHead(this.#state, value), 'state root');
    this.#etag = read?.etag ?? null;
    return read?.value ?? null;
  }

  /** The ETag of the root object as last read or written (null: none). */
  get etag(): string | null {
    return this.#etag;
  }

  /** Writes the root object, spilling inline batch records first when they grew large. */
  async write(head: Head): Promise<void> {
    const run = head.run;
    if (run !== null && run.batches.length > 0 && JSON.stringify(run.batches).length > INLINE_OUTCOME_BYTES) {
      const key = journalKey(run.id, `batches-${run.spilled.length}`);
      await this.#state.put(key, `${JSON.stringify(run.batches)}\n`, JSON_TYPE);
      run.spilled.push(run.batches.length);
      run.batches = [];
    }
    const { etag } = await this.#state.put(STATE_KEY, `${JSON.stringify(head)}\n`, JSON_TYPE);
    this.#etag = etag;
  }

  /** Stores a long work list in its own object; returns what the run keeps inline (null: stored apart). */
  async storeWork(runId: string, work: readonly string[]): Promise<readonly string[] | null> {
    if (work.length <= INLINE_WORK) return work;
    await this.#state.put(journalKey(runId, 'work'), `${JSON.stringify(work)}\n`, JSON_TYPE);
    return null;
  }

  /** The run's work list. */
  async work(run: RunState): Promise<readonly string[]> {
    if (run.work !== null) return run.work;
    const key = journalKey(run.id, 'work');
    const read = await readState(
      this.#state,
      key,
      (value) => {
        if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
          throw invalidState(this.#state, key, 'work list is not a list of strings');
        }
        return value as string[];
      },
      'work list',
    );
    if (read === null) throw invalidState(this.#state, key, 'work list of the run in progress is missing');
    return read.value;
  }

  /** Every batch record of the run from ordinal `from` on, in order (spilled objects are read as needed). */
  async *batches(run: RunState, from = 0): AsyncIterable<BatchRecord> {
    let ordinal = 0;
    for (const [i, count] of run.spilled.entries()) {
      if (ordinal + count <= from) {
        ordinal += count;
        continue;
      }
      const key = journalKey(run.id, `batches-${i}`);
      const read = await readState(
        this.#state,
        key,
        (value) => {
          if (!Array.isArray(value)) throw invalidState(this.#state, key, 'batch records are not a list');
          return value as BatchRecord[];
        },
        'batch records',
      );
      if (read === null) throw invalidState(this.#state, key, 'batch records of the run in progress are missing');
      for (const record of read.value) {
        if (ordinal++ >= from) yield record;
      }
    }
    for (const record of run.batches) if (ordinal++ >= from) yield record;
  }

  /** Deletes the run's journal objects. */
  async forget(runId: string): Promise<void> {
    const keys: string[] = [];
    for await (const info of this.#state.list(`${JOURNAL_PREFIX}${runId}/`)) keys.push(info.key);
    await mapLimit(keys, IO_CONCURRENCY, (key) => this.#state.delete(key));
  }

  /** Deletes journal objects of runs other than `current` (left by a crash after a run finished). */
  async forgetOthers(current: string | null): Promise<number> {
    const keys: string[] = [];
    for await (const info of this.#state.list(JOURNAL_PREFIX)) {
      if (current === null || !info.key.startsWith(`${JOURNAL_PREFIX}${current}/`)) keys.push(info.key);
    }
    await mapLimit(keys, IO_CONCURRENCY, (key) => this.#state.delete(key));
    return keys.length;
  }
}

/** Number of batch records of a run (spilled and inline). */
export function batchCount(run: RunState): number {
  return run.spilled.reduce((sum, count) => sum + count, 0) + run.batches.length;
}
