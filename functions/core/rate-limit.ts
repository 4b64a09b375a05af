/**
 * Token buckets by key (a caller's address, or one key for everyone), for the public hub endpoint. Time is a
 * parameter, so the limiter is deterministic. Pure; the state lives in the instance.
 */

export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Most tokens a bucket holds: the burst a quiet caller may send at once. */
  readonly burst: number;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * One bucket per key, at most `maxKeys` of them (the least recently used goes first), so a flood of spoofed keys
 * costs bounded memory: a key that is forgotten starts again with a full bucket, never with more.
 */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limit: RateLimit, maxKeys = 10_000) {
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** Takes a token for `key` at `nowMs` if one is left; otherwise says when one will be. */
  take(key: string, nowMs: number): RateDecision {
    const previous = this.#buckets.get(key);
    const elapsed = previous === undefined ? 0 : Math.max(0, nowMs - previous.at) / 1000;
    const tokens = Math.min(
      this.#limit.burst,
      (previous?.tokens ?? this.#limit.burst) + elapsed * this.#limit.perSecond,
    );
    this.#buckets.delete(key);
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: nowMs });
      return { allowed: false, retryAfterSeconds: Math.ceil((1 - tokens) / this.#limit.perSecond) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: nowMs });
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    return { allowed: true };
  }
}
