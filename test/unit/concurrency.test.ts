import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../functions/core/concurrency.ts';

describe('mapLimit', () => {
  it('keeps input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('waits for calls in flight before rethrowing the first failure, and starts no new ones', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      await new Promise((r) => setTimeout(r, 20));
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(finished).toEqual(started.filter((n) => n !== 1));
    expect(started.length).toBeLessThan(6);
  });
});
