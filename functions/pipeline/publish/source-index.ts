/**
 * The source index: what publish remembers of every source key (revision, ETag, the id it claims, why it is
 * rejected), in 256 shards by the hash of the key (docs/ARCHITECTURE.md, "Source index"). A full reconcile reads
 * every shard (small per source); a named-key run reads only the shards of its keys; a change rewrites only its
 * shard, and only at a checkpoint, because the journal holds the changes until then.
 */

import { mapLimit } from '../../core/concurrency.ts';
import { sha256 } from '../../core/hash.ts';
import type { ObjectStore } from '../../core/ports.ts';
import type { SourceEntry } from '../../core/records.ts';
import { SOURCE_INDEX_PREFIX, sourceShardKey } from '../../core/state-keys.ts';
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

export class SourceIndex {
  readonly #state: ObjectStore;
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
    const existing: string[] = [];
    for await (const info of this.#state.list(SOURCE_INDEX_PREFIX)) {
      const match = /^sources\/([0-9a-f]{2})\.json$/.exec(info.key);
      if (match?.[1] !== undefined && !this.#shards.has(match[1])) existing.push(match[1]);
    }
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
        const sorted = Object.fromEntries(
          [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([source, entry]) => [source, pack(entry)]),
        );
        await this.#state.put(key, `${JSON.stringify({ format: 1, sources: sorted })}\n`, JSON_TYPE);
      }
      this.#dirty.delete(shard);
    });
  }
}
