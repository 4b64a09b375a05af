import { StoreError } from '../../functions/core/errors.ts';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/core/ports.ts';

/**
 * Fails the Nth write (put or delete, 1-based) with a retryable StoreError, and every write after it if `sticky`.
 * A failed write never reaches the inner store, as when S3 rejects a request, so the
 * object keeps its previous bytes. Reads and lists always pass through.
 */
export class FaultyStore implements ObjectStore {
  #writes = 0;
  readonly #inner: ObjectStore;
  readonly #failOnWrite: number;
  readonly #sticky: boolean;

  constructor(inner: ObjectStore, options: { failOnWrite: number; sticky?: boolean }) {
    this.#inner = inner;
    this.#failOnWrite = options.failOnWrite;
    this.#sticky = options.sticky ?? false;
  }

  /** Writes attempted so far, the failed ones included. */
  get writes(): number {
    return this.#writes;
  }

  get location(): string {
    return this.#inner.location;
  }

  #checkWrite(operation: string, key: string): void {
    this.#writes += 1;
    const fails = this.#writes === this.#failOnWrite || (this.#sticky && this.#writes > this.#failOnWrite);
    if (fails) {
      throw new StoreError(operation, `${this.location}/${key}`, `injected fault on write ${this.#writes}`, {
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

  async delete(key: string): Promise<void> {
    this.#checkWrite('DeleteObject', key);
    return this.#inner.delete(key);
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.#inner.list(prefix);
  }
}
