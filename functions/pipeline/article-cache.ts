/**
 * The normalized-article cache in the state store. Articles are grouped into 256 shards by a hash of
 * their id (`articles/<xx>.json`), so a 10,000-article build writes 256 objects instead of 10,000,
 * and a one-article edit reads and rewrites one shard. Entries are only a cache: readers accept an
 * entry only when its content hash matches the manifest's, so a shard written by an interrupted
 * build can never publish stale content.
 */
import type { Article } from '../core/article.ts';
import { mapLimit } from '../core/concurrency.ts';
import { sha256 } from '../core/hash.ts';
import type { ObjectStore } from '../core/ports.ts';

export const ARTICLE_CACHE_PREFIX = 'articles/';
const IO_CONCURRENCY = 16;

export function shardKey(id: string): string {
  return `${ARTICLE_CACHE_PREFIX}${sha256(id).slice(0, 2)}.json`;
}

/** Serialized articles of one shard, by id (values are JSON text, parsed only when read). */
type Shard = Map<string, string>;

export class ArticleCache {
  readonly #state: ObjectStore;
  /** Shards read from the store in this run. */
  readonly #loaded = new Map<string, Shard>();
  /** Pending changes: id → serialized article, or null to remove the entry. */
  readonly #updates = new Map<string, string | null>();

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  /** Stages an article to be written by `flush`. */
  set(article: Article): void {
    this.#updates.set(article.id, JSON.stringify(article));
  }

  /** Stages the removal of an article's entry. */
  remove(id: string): void {
    this.#updates.set(id, null);
  }

  async #shard(key: string): Promise<Shard> {
    const known = this.#loaded.get(key);
    if (known !== undefined) return known;
    const shard: Shard = new Map();
    const object = await this.#state.get(key);
    if (object !== null) {
      try {
        const parsed = JSON.parse(Buffer.from(object.body).toString('utf8')) as Record<string, unknown>;
        for (const [id, article] of Object.entries(parsed)) shard.set(id, JSON.stringify(article));
      } catch {
        // A damaged shard is only a lost cache: its articles are re-normalized from their sources.
      }
    }
    this.#loaded.set(key, shard);
    return shard;
  }

  /** The cached articles with these ids whose content hash matches, by id. */
  async getMany(wanted: readonly { id: string; contentHash: string }[]): Promise<Map<string, Article>> {
    const found = new Map<string, Article>();
    const keys = [...new Set(wanted.map((w) => shardKey(w.id)))];
    await mapLimit(keys, IO_CONCURRENCY, (key) => this.#shard(key));
    for (const { id, contentHash } of wanted) {
      const staged = this.#updates.get(id);
      const text = staged === undefined ? this.#loaded.get(shardKey(id))?.get(id) : staged;
      if (text == null) continue;
      const article = JSON.parse(text) as Article;
      if (article.contentHash === contentHash) found.set(id, article);
    }
    return found;
  }

  /**
   * Writes every shard that a staged change touches, keeping only entries for `liveIds`; with
   * `rewriteAll`, also every existing shard (so entries of articles gone while a full rebuild ran
   * are dropped). Empty shards are deleted.
   */
  async flush(liveIds: ReadonlySet<string>, rewriteAll: boolean): Promise<void> {
    const keys = new Set([...this.#updates.keys()].map(shardKey));
    if (rewriteAll) for await (const info of this.#state.list(ARTICLE_CACHE_PREFIX)) keys.add(info.key);
    await mapLimit([...keys].sort(), IO_CONCURRENCY, async (key) => {
      const before = await this.#shard(key);
      const after: Shard = new Map([...before].filter(([id]) => liveIds.has(id)));
      for (const [id, text] of this.#updates) {
        if (shardKey(id) !== key) continue;
        if (text === null || !liveIds.has(id)) after.delete(id);
        else after.set(id, text);
      }
      const body = serializeShard(after);
      if (after.size === 0) {
        if (before.size > 0) await this.#state.delete(key);
      } else if (body !== serializeShard(before)) {
        await this.#state.put(key, body, { contentType: 'application/json' });
      }
      this.#loaded.set(key, after);
    });
    this.#updates.clear();
  }
}

function serializeShard(shard: Shard): string {
  const ids = [...shard.keys()].sort();
  return `{${ids.map((id) => `${JSON.stringify(id)}:${shard.get(id)}`).join(',')}}`;
}
