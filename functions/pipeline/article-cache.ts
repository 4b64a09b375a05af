/**
 * The normalized-article cache in the state store. Articles normalized together are written as one
 * chunk (`articles/<run>-<n>.json`), and each manifest record points at its chunk,
 * so a 10,000-article build writes ~160 objects instead of 10,000 without holding them all in
 * memory, and a one-article edit writes one small chunk. Chunks no record points at any more are
 * deleted after the manifest moves on. Entries are only a cache: a reader accepts one only when its
 * content hash matches the record's, so a chunk left by an interrupted build never publishes stale
 * content.
 */
import { randomUUID } from 'node:crypto';
import type { Article } from '../core/article.ts';
import { mapLimit } from '../core/concurrency.ts';
import type { ArticleRecord } from '../core/manifest.ts';
import type { ObjectStore } from '../core/ports.ts';

export const ARTICLE_CACHE_PREFIX = 'articles/';
const IO_CONCURRENCY = 16;

export class ArticleCache {
  readonly #state: ObjectStore;
  /** Names this run's chunks apart from every other run's, without hashing megabytes of JSON. */
  readonly #run = randomUUID();
  #chunks = 0;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  /** Writes the articles as one new chunk; returns its key. */
  async write(articles: readonly Article[]): Promise<string> {
    const body = `{${articles.map((a) => `${JSON.stringify(a.id)}:${JSON.stringify(a)}`).join(',')}}`;
    const key = `${ARTICLE_CACHE_PREFIX}${this.#run}-${this.#chunks++}.json`;
    await this.#state.put(key, body, { contentType: 'application/json' });
    return key;
  }

  /** The cached articles of these records whose content hash matches, by id. */
  async getMany(records: readonly ArticleRecord[]): Promise<Map<string, Article>> {
    const found = new Map<string, Article>();
    const byChunk = new Map<string, ArticleRecord[]>();
    for (const record of records) {
      if (record.cache === undefined) continue;
      byChunk.set(record.cache, [...(byChunk.get(record.cache) ?? []), record]);
    }
    await mapLimit([...byChunk], IO_CONCURRENCY, async ([key, wanted]) => {
      const object = await this.#state.get(key);
      if (object === null) return;
      let chunk: Record<string, Article>;
      try {
        chunk = JSON.parse(Buffer.from(object.body).toString('utf8')) as Record<string, Article>;
      } catch {
        return; // A damaged chunk is only a lost cache: its articles are re-normalized from their sources.
      }
      for (const record of wanted) {
        const article = chunk[record.id];
        if (article?.contentHash === record.contentHash) found.set(record.id, article);
      }
    });
    return found;
  }

  /** Deletes every chunk that none of `records` points at. */
  async collect(records: readonly ArticleRecord[]): Promise<void> {
    const live = new Set(records.map((r) => r.cache));
    const dead: string[] = [];
    for await (const info of this.#state.list(ARTICLE_CACHE_PREFIX)) if (!live.has(info.key)) dead.push(info.key);
    await mapLimit(dead, IO_CONCURRENCY, (key) => this.#state.delete(key));
  }
}
