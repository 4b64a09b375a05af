/**
 * The source index: what publish remembers of every source key (revision, ETag, the id it claims, why it is
 * rejected), in 256 shards by the hash of the key (docs/ARCHITECTURE.md, "Source index"). A full reconcile reads
 * the revision summary and only the shards that moved since it was taken (every shard when there is none); a
 * named-key run reads only the shards of its keys; a change rewrites only its shard, and only at a checkpoint,
 * because the journal holds the changes until then.
 */

import { mapLimit } from '../../core/concurrency.ts';
import { sha256 } from '../../core/hash.ts';
import type { ObjectStore } from '../../core/ports.ts';
import type { SourceEntry } from '../../core/records.ts';
import { SOURCE_INDEX_PREFIX, SOURCE_REVISIONS_KEY, sourceShardKey } from '../../core/state-keys.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, parseStateJson, textOf } from './state.ts';

/** Entries are stored as `[revision, etag, id]` or `[revision, etag, id, error]`: a third of the bytes to parse. */
type PackedEntry = [string, string, string | null] | [string, string, string | null, string];

function pack(entry: SourceEntry): PackedEntry {
  return entry.error === undefined
    ? [entry.revision, entry.etag, entry.id]
    : [entry.revision, entry.etag, entry.id, entry.error];
}

function unpack(value: unknown): SourceEntry | null {
  if (!Array.isArray(value) || (value.length !== 3 && value.length !== 4)) return null;
  const [revision, etag, id, error] = value as unknown[];
  if (typeof revision !== 'string' || typeof etag !== 'string' || (id !== null && typeof id !== 'string')) return null;
  if (error !== undefined && typeof error !== 'string') return null;
  return error === undefined
    ? { revision, etag, id: id as string | null }
    : { revision, etag, id: id as string | null, error };
}

/** The shard of a source key: the first two hex digits of its SHA-256. */
export function shardOf(key: string): string {
  return sha256(key).slice(0, 2);
}

/** A shard as the revision summary holds it: the shard object's revision, then its keys' `[key, revision, error?]`. */
type SummaryShard = { readonly stamp: string; readonly entries: readonly (readonly string[])[] };

/** Shards a reconcile may find stale (read whole) before the run that holds the lease rewrites the summary. */
const STALE_SHARDS_BEFORE_REWRITE = 8;

const SHARD_KEY = /^sources\/([0-9a-f]{2})\.json$/;

export class SourceIndex {
  readonly #state: ObjectStore;
  /**
   * The revision summary's shards that still match their shard objects (docs/ARCHITECTURE.md, "Source index"): their
   * keys' revisions without reading them. A loaded shard supersedes its summary entry.
   */
  #summary: Map<string, SummaryShard> | null = null;
  /** Summary revisions by key, of the trusted shards. */
  readonly #summaryRevisions = new Map<string, string>();
  /** The summary must be written again (none was stored, or too many shards moved since). */
  #summaryStale = false;
  readonly #shards = new Map<string, Map<string, SourceEntry>>();
  /** Every loaded entry by key, so a lookup needs no hash of the key. */
  readonly #all = new Map<string, SourceEntry>();
  readonly #dirty = new Set<string>();
  #complete = false;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  /** Loads every shard (a full reconcile): one listing, then only the shards that exist. */
  async loadAll(): Promise<void> {
    if (this.#complete) return;
    const existing = [...(await this.#listShards()).keys()].filter((shard) => !this.#shards.has(shard));
    this.#summaryStale = true;
    await mapLimit(existing, IO_CONCURRENCY, (shard) => this.#load(shard));
    for (let i = 0; i < 256; i++) {
      const shard = i.toString(16).padStart(2, '0');
      if (!this.#shards.has(shard)) this.#shards.set(shard, new Map());
    }
    this.#complete = true;
  }

  /** Loads the shards holding these keys. */
  async loadFor(keys: readonly string[]): Promise<void> {
    const shards = [...new Set(keys.map(shardOf))].filter((shard) => !this.#shards.has(shard));
    await mapLimit(shards, IO_CONCURRENCY, (shard) => this.#load(shard));
  }

  /**
   * What a reconcile needs of every source — its revision, whether it is rejected — from the revision summary: one
   * object and one listing of the shards, then only the shards whose revision moved since the summary was taken
   * (written by a run that did not rewrite it). False when there is no usable summary: the caller loads every shard.
   * The summary is a cache of the shards, never their replacement: a shard that moved is read, whatever the summary.
   */
  async loadRevisions(): Promise<boolean> {
    if (this.#complete) return true;
    const object = await this.#state.get(SOURCE_REVISIONS_KEY);
    const stored = object === null ? null : parseSummary(textOf(object.body));
    if (stored === null) return false;
    const listed = await this.#listShards();
    const stale = [...listed]
      .filter(([shard, revision]) => stored.get(shard)?.stamp !== revision)
      .map(([shard]) => shard);
    const summary = new Map<string, SummaryShard>();
    for (const [shard, entry] of stored) if (listed.has(shard) && !stale.includes(shard)) summary.set(shard, entry);
    this.#summary = summary;
    for (const { entries } of summary.values())
      for (const [key, revision] of entries) this.#summaryRevisions.set(key as string, revision as string);
    this.#summaryStale = stale.length >= STALE_SHARDS_BEFORE_REWRITE;
    await mapLimit(
      stale.filter((shard) => !this.#shards.has(shard)),
      IO_CONCURRENCY,
      (shard) => this.#load(shard),
    );
    return true;
  }

  /** True when every source's revision is known (`loadAll` or `loadRevisions`). */
  get revisionsKnown(): boolean {
    return this.#complete || this.#summary !== null;
  }

  /** The revision the index records for a source (after `loadAll` or `loadRevisions`), undefined for none. */
  revisionOf(key: string): string | undefined {
    return this.#all.get(key)?.revision ?? this.#summaryRevisions.get(key);
  }

  /** Every source key the index holds (after `loadAll` or `loadRevisions`). */
  *keys(): Iterable<string> {
    yield* this.#all.keys();
    for (const key of this.#summaryRevisions.keys()) if (!this.#all.has(key)) yield key;
  }

  /** Every rejected source with its reason (after `loadAll` or `loadRevisions`). */
  rejected(): [string, string][] {
    const rejected: [string, string][] = [];
    for (const [key, entry] of this.#all) if (entry.error !== undefined) rejected.push([key, entry.error]);
    for (const [shard, { entries }] of this.#summary ?? []) {
      if (this.#shards.has(shard)) continue;
      for (const [key, , error] of entries) if (error !== undefined) rejected.push([key as string, error]);
    }
    return rejected;
  }

  /**
   * Writes the revision summary again when the run read the index whole or found too many shards moved since the
   * summary was taken; call it after the last `flush` of a run that holds the lease. A shard neither loaded nor in
   * the summary is read first, so the summary always describes every shard as stored.
   */
  async storeRevisions(): Promise<void> {
    if (!this.revisionsKnown || !this.#summaryStale) return;
    // Listed again: the run's flushes moved the revisions of the shards it wrote.
    const stamps = await this.#listShards();
    const missing = [...stamps.keys()].filter((shard) => !this.#shards.has(shard) && !this.#summary?.has(shard));
    await mapLimit(missing, IO_CONCURRENCY, (shard) => this.#load(shard));
    const shards: Record<string, (string | readonly string[])[]> = {};
    for (const shard of [...stamps.keys()].sort()) {
      const loaded = this.#shards.get(shard);
      const entries =
        loaded === undefined
          ? (this.#summary?.get(shard)?.entries ?? [])
          : byKey(loaded).map(([key, entry]) =>
              entry.error === undefined ? [key, entry.revision] : [key, entry.revision, entry.error],
            );
      shards[shard] = [stamps.get(shard) as string, ...entries];
    }
    await this.#state.put(SOURCE_REVISIONS_KEY, `${JSON.stringify({ format: 1, shards })}\n`, JSON_TYPE);
    this.#summaryStale = false;
  }

  /** The stored shards by name, each with its object's revision: one listing of `sources/`. */
  async #listShards(): Promise<Map<string, string>> {
    const shards = new Map<string, string>();
    for await (const info of this.#state.list(SOURCE_INDEX_PREFIX)) {
      const shard = SHARD_KEY.exec(info.key)?.[1];
      if (shard !== undefined) shards.set(shard, info.revision);
    }
    return shards;
  }

  async #load(shard: string): Promise<void> {
    const key = sourceShardKey(shard);
    const object = await this.#state.get(key);
    const entries = new Map<string, SourceEntry>();
    if (object !== null) {
      const value = parseStateJson(this.#state, key, textOf(object.body), 'source index shard');
      const sources = (value as { sources?: unknown } | null)?.sources;
      if (typeof sources !== 'object' || sources === null || Array.isArray(sources)) {
        throw invalidState(this.#state, key, 'source index shard has no "sources" object');
      }
      for (const [source, packed] of Object.entries(sources)) {
        const entry = unpack(packed);
        if (entry === null) {
          throw invalidState(this.#state, key, `source index entry ${JSON.stringify(source)} is not valid`);
        }
        entries.set(source, entry);
      }
    }
    this.#shards.set(shard, entries);
    for (const [source, entry] of entries) this.#all.set(source, entry);
    // The shard as stored supersedes what the summary said of it (a key it no longer holds is gone).
    for (const [key] of this.#summary?.get(shard)?.entries ?? []) this.#summaryRevisions.delete(key as string);
  }

  #shard(key: string): Map<string, SourceEntry> {
    const shard = this.#shards.get(shardOf(key));
    if (shard === undefined) throw new Error(`source index shard of ${key} was not loaded`);
    return shard;
  }

  get(key: string): SourceEntry | undefined {
    const entry = this.#all.get(key);
    if (entry !== undefined || this.#complete) return entry;
    return this.#shard(key).get(key);
  }

  /** Sets (or with null removes) a key's entry; written at the next flush. */
  set(key: string, entry: SourceEntry | null): void {
    const shard = this.#shard(key);
    const before = shard.get(key);
    if (entry === null) {
      if (before === undefined) return;
      shard.delete(key);
      this.#all.delete(key);
    } else {
      if (
        before !== undefined &&
        before.revision === entry.revision &&
        before.etag === entry.etag &&
        before.id === entry.id &&
        before.error === entry.error
      ) {
        return;
      }
      shard.set(key, entry);
      this.#all.set(key, entry);
    }
    this.#dirty.add(shardOf(key));
  }

  /** Every entry (after `loadAll`), by key. */
  entries(): Iterable<[string, SourceEntry]> {
    return this.#all;
  }

  get dirty(): boolean {
    return this.#dirty.size > 0;
  }

  /** Writes the shards changed since the last flush (keys sorted, so equal content gives equal bytes). */
  async flush(): Promise<void> {
    const dirty = [...this.#dirty].sort();
    await mapLimit(dirty, IO_CONCURRENCY, async (shard) => {
      const entries = this.#shards.get(shard) ?? new Map();
      const key = sourceShardKey(shard);
      if (entries.size === 0) {
        await this.#state.delete(key);
      } else {
        const sorted = Object.fromEntries(byKey(entries).map(([source, entry]) => [source, pack(entry)]));
        await this.#state.put(key, `${JSON.stringify({ format: 1, sources: sorted })}\n`, JSON_TYPE);
      }
      this.#dirty.delete(shard);
    });
  }
}

/** A shard's entries sorted by source key, so equal content gives equal bytes. */
function byKey(entries: ReadonlyMap<string, SourceEntry>): [string, SourceEntry][] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The stored revision summary by shard, or null when it is not one wirefeed writes (then the shards are read). */
function parseSummary(text: string): Map<string, SummaryShard> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const shards = (value as { format?: unknown; shards?: unknown } | null)?.shards;
  if ((value as { format?: unknown }).format !== 1 || typeof shards !== 'object' || shards === null) return null;
  const summary = new Map<string, SummaryShard>();
  for (const [shard, packed] of Object.entries(shards)) {
    if (!/^[0-9a-f]{2}$/.test(shard) || !Array.isArray(packed) || typeof packed[0] !== 'string') return null;
    const entries = packed.slice(1) as unknown[];
    for (const entry of entries) {
      if (
        !Array.isArray(entry) ||
        (entry.length !== 2 && entry.length !== 3) ||
        !entry.every((part) => typeof part === 'string')
      ) {
        return null;
      }
    }
    summary.set(shard, { stamp: packed[0], entries: entries as string[][] });
  }
  return summary;
}
