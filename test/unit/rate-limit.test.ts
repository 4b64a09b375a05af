import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../functions/core/rate-limit.ts';

describe('the rate limiter', () => {
  it('lets a burst through, then one request per refill, saying when the next is due', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 });
    expect([0, 0, 0].map((t) => limiter.take('a', t).allowed)).toEqual([true, true, true]);
    expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('a', 500).allowed).toBe(true);
    expect(limiter.take('a', 500).allowed).toBe(false);
    expect(limiter.take('a', 10_000).allowed).toBe(true);
  });

  it('keeps callers apart, and forgets the least recently seen past its size, which starts it full, never fuller', () => {
    const limiter = new RateLimiter({ perSecond: 0.1, burst: 1 }, 2);
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('b', 0).allowed).toBe(true);
    expect(limiter.take('a', 0).allowed).toBe(false);
    expect(limiter.take('c', 0).allowed).toBe(true); // forgets b
    expect(limiter.take('b', 0).allowed).toBe(true);
    expect(limiter.take('b', 0).allowed).toBe(false);
  });
});
