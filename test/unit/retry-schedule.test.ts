import { describe, expect, it } from 'vitest';
import {
  clampRetryAfter,
  DEFAULT_SCHEDULE_MS,
  MAX_RETRY_AFTER_MS,
  maxAttempts,
  nextDelay,
} from '../../functions/core/retry-schedule.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first try: eight attempts', () => {
    expect(DEFAULT_SCHEDULE_MS).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]);
    expect(maxAttempts(DEFAULT_SCHEDULE_MS)).toBe(8);
  });

  it('uses the schedule step for the attempts made, without jitter at the midpoint', () => {
    DEFAULT_SCHEDULE_MS.forEach((step, i) => {
      expect(nextDelay(i + 1, DEFAULT_SCHEDULE_MS, () => 0.5)).toBe(step);
    });
  });

  it('jitters by at most ±20%', () => {
    expect(nextDelay(1, DEFAULT_SCHEDULE_MS, () => 0)).toBe(4 * S);
    expect(nextDelay(1, DEFAULT_SCHEDULE_MS, () => 0.999999)).toBeCloseTo(6 * S, -1);
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 500; i++) {
      const delay = nextDelay(2, DEFAULT_SCHEDULE_MS, random) ?? 0;
      expect(delay).toBeGreaterThanOrEqual(0.8 * 5 * M);
      expect(delay).toBeLessThanOrEqual(1.2 * 5 * M);
    }
  });

  it('returns null once every step is used, and 0 before the first try', () => {
    expect(nextDelay(7, DEFAULT_SCHEDULE_MS, () => 0.5)).toBe(10 * H);
    expect(nextDelay(8, DEFAULT_SCHEDULE_MS, () => 0.5)).toBeNull();
    expect(nextDelay(0, DEFAULT_SCHEDULE_MS, () => 0.5)).toBe(0);
    expect(nextDelay(1, [], () => 0.5)).toBeNull();
    expect(() => nextDelay(-1, DEFAULT_SCHEDULE_MS, () => 0.5)).toThrow(RangeError);
  });

  it('clamps Retry-After between the scheduled delay and 12 hours', () => {
    expect(clampRetryAfter(1 * S, 5 * S)).toBe(5 * S);
    expect(clampRetryAfter(60 * S, 5 * S)).toBe(60 * S);
    expect(clampRetryAfter(48 * H, 5 * S)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(12 * H);
  });
});
