import { StoreError } from '../../functions/core/errors.ts';
import type { DeleteOptions, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/core/ports.ts';

/** A write count shared by several FaultyStores, so "the Nth write" can span a whole build. */
export interface WriteCounter {
  writes: number;
}

/**
 * Fails the Nth write (put or delete, 1-based) with a retryable StoreError, and every write after it if `sticky`.
 * A failed write never reaches the inner store, as when S3 rejects a request, so the
 * object keeps its previous bytes. Reads and lists always pass through.
 */
export class FaultyStore implements ObjectStore {
  readonly #counter: WriteCounter;
  readonly #inner: ObjectStore;
  readonly #failOnWrite: number;
  readonly #sticky: boolean;

  constructor(inner: ObjectStore, options: { failOnWrite: number; sticky?: boolean; counter?: WriteCounter }) {
    this.#inner = inner;
    this.#counter = options.counter ?? { writes: 0 };
    this.#failOnWrite = options.failOnWrite;
    this.#sticky = options.sticky ?? false;
  }

  /** Writes attempted so far, the failed ones included. */
  get writes(): number {
    return this.#counter.writes;
  }

  get location(): string {
    return this.#inner.location;
  }

  #checkWrite(operation: string, key: string): void {
    this.#counter.writes += 1;
    const writes = this.#counter.writes;
    const fails = writes === this.#failOnWrite || (this.#sticky && writes > this.#failOnWrite);
    if (fails) {
      throw new StoreError(operation, `${this.location}/${key}`, `injected fault on write ${writes}`, {
        retryable: true,
      });
    }
  }

  get(key: string): Promise<StoredObject | null> {
    return this.#inner.get(key);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.#inner.head(key);
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }> {
    this.#checkWrite('PutObject', key);
    return this.#inner.put(key, body, options);
  }

  async delete(key: string, options?: DeleteOptions): Promise<void> {
    this.#checkWrite('DeleteObject', key);
    return this.#inner.delete(key, options);
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.#inner.list(prefix);
  }
}
