import type { DeleteOptions, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/core/ports.ts';

export interface StoreCounts {
  get: number;
  head: number;
  put: number;
  delete: number;
  /** `list()` calls (a call that pages through many results counts once). */
  list: number;
}

/** Passes every call through to `inner` and counts them by operation, failed calls included. */
export class CountingStore implements ObjectStore {
  readonly counts: StoreCounts = { get: 0, head: 0, put: 0, delete: 0, list: 0 };
  /** The keys read with `get` and the prefixes listed, in call order. */
  readonly seen: { readonly get: string[]; readonly list: string[] } = { get: [], list: [] };
  readonly #inner: ObjectStore;

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  get location(): string {
    return this.#inner.location;
  }

  reset(): void {
    this.counts.get = 0;
    this.counts.head = 0;
    this.counts.put = 0;
    this.counts.delete = 0;
    this.counts.list = 0;
    this.seen.get.length = 0;
    this.seen.list.length = 0;
  }

  get(key: string): Promise<StoredObject | null> {
    this.counts.get += 1;
    this.seen.get.push(key);
    return this.#inner.get(key);
  }

  head(key: string): Promise<ObjectInfo | null> {
    this.counts.head += 1;
    return this.#inner.head(key);
  }

  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }> {
    this.counts.put += 1;
    return this.#inner.put(key, body, options);
  }

  delete(key: string, options?: DeleteOptions): Promise<void> {
    this.counts.delete += 1;
    return this.#inner.delete(key, options);
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    this.counts.list += 1;
    this.seen.list.push(prefix);
    return this.#inner.list(prefix);
  }
}
