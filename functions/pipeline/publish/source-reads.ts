/**
 * Reads and normalizes sources a batch ahead, for a run that normalizes on a worker pool: while this thread writes
 * one batch's records and pages, the workers are already normalizing the next one (docs/ARCHITECTURE.md, "Worker
 * pool"). What a batch decides does not change: accept still reads every claim through `read`, in its own order,
 * and the content store is not written by a run, so a source read a batch early holds the same bytes.
 */
import { isImageSourceKey } from '../../core/assets.ts';
import type { ObjectStore, ParallelNormalizer } from '../../core/ports.ts';
import { type NormalizedRead, readNormalized } from './accept.ts';

export class SourceReads {
  readonly #content: ObjectStore;
  readonly #normalize: ParallelNormalizer['normalize'];
  /** Reads begun ahead and not taken yet: at most the next batch's, so memory stays bounded by the batch size. */
  readonly #ahead = new Map<string, Promise<NormalizedRead>>();

  constructor(content: ObjectStore, parallel: ParallelNormalizer) {
    this.#content = content;
    this.#normalize = (body, path) => parallel.normalize(body, path);
  }

  /** Begins reading `keys` (those not begun already). */
  prefetch(keys: readonly string[]): void {
    for (const key of keys) {
      // An image is examined by its fingerprint alone (accept's claimOf), never read and normalized.
      if (this.#ahead.has(key) || isImageSourceKey(key)) continue;
      const pending = readNormalized(this.#content, key, this.#normalize);
      // Taken later, or dropped when the run stops first: a failure is reported by `read`, never as unhandled.
      pending.catch(() => {});
      this.#ahead.set(key, pending);
    }
  }

  /** The read of `key`: the one begun ahead (once), else a new one. */
  read(key: string): Promise<NormalizedRead> {
    const pending = this.#ahead.get(key);
    if (pending === undefined) return readNormalized(this.#content, key, this.#normalize);
    this.#ahead.delete(key);
    return pending;
  }
}
