import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WakeTimer } from '../../functions/cli/dev-command.ts';
import { RebuildQueue, type RebuildRequest } from '../../functions/cli/rebuild-queue.ts';

const DEBOUNCE = 20;

/** A rebuild that records its request and finishes only when the test says so. */
function gatedRun() {
  const requests: RebuildRequest[] = [];
  const gates: (() => void)[] = [];
  const run = (request: RebuildRequest) => {
    requests.push(request);
    return new Promise<void>((open) => gates.push(open));
  };
  const finish = async () => {
    gates.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { requests, run, finish };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RebuildQueue', () => {
  it('joins the keys of changes within the debounce into one rebuild', async () => {
    const { requests, run } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/b.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    queue.add(['articles/a.md', 'articles/b.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toEqual([{ keys: ['articles/a.md', 'articles/b.md'], full: false }]);
  });

  it('hands every change made during a rebuild to exactly one rebuild after it, without a second debounce', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    queue.add(['articles/b.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    queue.add(['articles/c.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(requests).toHaveLength(1);
    await finish();
    expect(requests).toEqual([
      { keys: ['articles/a.md'], full: false },
      { keys: ['articles/b.md', 'articles/c.md'], full: false },
    ]);
    await finish();
    await vi.advanceTimersByTimeAsync(DEBOUNCE * 10);
    expect(requests).toHaveLength(2);
  });

  it('a change still settling when a rebuild ends waits for its debounce', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    queue.add(['articles/b.md']);
    await finish();
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(requests[1]).toEqual({ keys: ['articles/b.md'], full: false });
  });

  it('reconcile runs a full rebuild at once, absorbing pending keys, and resolves with it', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    const done = queue.reconcile();
    expect(requests).toEqual([{ keys: ['articles/a.md'], full: true }]);
    await finish();
    await expect(done).resolves.toEqual({ keys: ['articles/a.md'], full: true });
  });

  it('reconcile during a rebuild resolves with the full one after it, not the one running', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    let settled: RebuildRequest | undefined;
    void queue.reconcile().then((request) => {
      settled = request;
    });
    await finish();
    expect(settled).toBeUndefined();
    expect(requests[1]).toEqual({ keys: [], full: true });
    await finish();
    expect(settled).toEqual({ keys: [], full: true });
  });

  it('an incomplete batch (full) keeps its keys and marks the rebuild full', async () => {
    const { requests, run } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['site.json'], true);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(requests).toEqual([{ keys: ['articles/a.md', 'site.json'], full: true }]);
  });

  it('next(matches) skips rebuilds that started before the call or do not match', async () => {
    const { run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    const waiting = queue.next((request) => request.keys.includes('articles/c.md'));
    let result: RebuildRequest | undefined;
    void waiting.then((request) => {
      result = request;
    });
    queue.add(['articles/b.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    await finish(); // a.md: started before the call
    await finish(); // b.md: does not match
    expect(result).toBeUndefined();
    queue.add(['articles/c.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    await finish();
    expect(result).toEqual({ keys: ['articles/c.md'], full: false });
  });

  it('close drops pending changes and waits for the running rebuild', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.add(['articles/a.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    queue.add(['articles/b.md']);
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(closed).toBe(false);
    await finish();
    await closing;
    queue.add(['articles/c.md']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE * 10);
    expect(requests).toHaveLength(1);
  });
  it('wakes for a scheduled article with a rebuild that names no key, after the one running', async () => {
    const { requests, run, finish } = gatedRun();
    const queue = new RebuildQueue(run, DEBOUNCE);
    queue.wake();
    expect(requests).toEqual([{ keys: [], full: false, due: true }]);
    queue.add(['articles/a.md']);
    queue.wake();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    await finish();
    expect(requests[1]).toEqual({ keys: ['articles/a.md'], full: false, due: true });
    await finish();
    await vi.advanceTimersByTimeAsync(DEBOUNCE * 10);
    expect(requests).toHaveLength(2);
  });
});

describe('WakeTimer', () => {
  it('wakes once at the instant it was last given, at once for a past one, never after null', async () => {
    vi.setSystemTime(Date.parse('2026-01-01T00:00:00Z'));
    let woken = 0;
    const timer = new WakeTimer(() => woken++);
    timer.at('2026-01-01T00:00:10Z');
    timer.at('2026-01-01T00:00:05Z');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(woken).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(woken).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(woken).toBe(1);
    timer.at('2025-12-31T00:00:00Z');
    await vi.advanceTimersByTimeAsync(0);
    expect(woken).toBe(2);
    timer.at('2026-01-01T01:00:00Z');
    timer.at(null);
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(woken).toBe(2);
  });

  it('reaches an instant beyond setTimeout’s longest delay by waking early', async () => {
    vi.setSystemTime(Date.parse('2026-01-01T00:00:00Z'));
    let woken = 0;
    const timer = new WakeTimer(() => woken++);
    timer.at('2026-03-01T00:00:00Z');
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1);
    expect(woken).toBe(1);
  });
});
