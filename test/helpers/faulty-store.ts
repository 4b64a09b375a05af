import { StoreError } from '../../functions/core/errors.ts';
import type { DeleteOptions, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/core/ports.ts';

/** A write count shared by several FaultyStores, so "the Nth write" can span a whole build. */
export interface WriteCounter {
  writes: number;
  /** Keys whose in-place create a `tear` store left half written. */
  readonly torn?: string[];
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

  readonly #tear: boolean;

  /**
   * `tear`: a failing `createInPlace` put of an object that does not exist yet first leaves the first half of its
   * bytes in the inner store, as a crash in the middle of an in-place create would.
   */
  constructor(
    inner: ObjectStore,
    options: { failOnWrite: number; sticky?: boolean; counter?: WriteCounter; tear?: boolean },
  ) {
    this.#inner = inner;
    this.#tear = options.tear ?? false;
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
    try {
      this.#checkWrite('PutObject', key);
    } catch (error) {
      if (this.#tear && options?.createInPlace === true && (await this.#inner.head(key)) === null) {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        await this.#inner.put(key, bytes.subarray(0, Math.floor(bytes.byteLength / 2)), options);
        this.#counter.torn?.push(key);
      }
      throw error;
    }
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
