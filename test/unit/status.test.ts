import { describe, expect, it } from 'vitest';
import {
  attentionOf,
  hubViewOf,
  NEAR_EXPIRY_MS,
  OVERDUE_MS,
  STATUS_EXIT,
  STUCK_RUN_MS,
  type StatusReport,
  statusExitCode,
} from '../../functions/core/status.ts';
import { outboxDeliveries } from '../../functions/pipeline/status.ts';

const now = new Date('2026-05-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    state: '/tmp/state',
    last: {
      run: 'r1',
      started: ago(60_000),
      finished: ago(59_000),
      articles: 3,
      published: 1,
      updated: 0,
      deleted: 0,
      feedUpdated: 1,
      filesWritten: 6,
      filesDeleted: 0,
      rejected: 0,
      problems: [],
    },
    failure: null,
    running: null,
    rejected: [],
    deliveries: { source: 'outbox', pending: 0, due: 0, overdue: 0, dead: 0, bySubscriber: {} },
    subscribers: [],
    hub: { live: 0, expired: 0, byTopic: [], expiringSoon: [] },
    problems: [],
    ...overrides,
  };
}

const kinds = (r: StatusReport) => attentionOf(r, now).map((a) => a.kind);

describe('status attention and exit codes', () => {
  it('is ok with a finished publish and nothing wrong, and "empty" with no publish at all', () => {
    expect(statusExitCode(report(), attentionOf(report(), now))).toBe(STATUS_EXIT.ok);
    const empty = report({ last: null });
    expect(statusExitCode(empty, attentionOf(empty, now))).toBe(STATUS_EXIT.empty);
  });

  it('calls an unfinished run stuck only once it is old and nobody holds the lease', () => {
    const run = (started: string, leaseHeld: boolean) =>
      report({ running: { run: 'r2', started, phase: 'render', leaseHeld } });
    expect(kinds(run(ago(STUCK_RUN_MS - 1000), false))).toEqual([]);
    expect(kinds(run(ago(STUCK_RUN_MS + 1000), true))).toEqual([]);
    expect(kinds(run(ago(STUCK_RUN_MS + 1000), false))).toEqual(['run-stuck']);
  });

  it('names a disabled or failing subscriber, not a paused one, and state problems of the run', () => {
    const subscriber = { url: 'https://h.example/', consecutiveFailures: 0 };
    const r = report({
      subscribers: [
        { ...subscriber, id: 'sub_a', status: 'disabled', disabledReason: '410 Gone' },
        { ...subscriber, id: 'sub_b', status: 'active', consecutiveFailures: 3, failingSince: ago(1000) },
        { ...subscriber, id: 'sub_c', status: 'paused', failingSince: ago(1000) },
        { ...subscriber, id: 'sub_d', status: 'active' },
      ],
      problems: [{ key: 'subscribers/', reason: 'unreadable' }],
    });
    const attention = attentionOf(r, now);
    expect(attention.map((a) => a.kind)).toEqual(['state-problem', 'subscriber-disabled', 'subscriber-failing']);
    expect(attention[1]?.message).toContain('wirefeed subscribers enable sub_a --replay');
    expect(statusExitCode(r, attention)).toBe(STATUS_EXIT.attention);
  });

  it('counts outbox jobs by subscriber: due, overdue after an hour, dead letters by reason', () => {
    const job = (id: string, subscriberId: string, notBefore: string) =>
      ({ id, subscriberId, notBefore, attempts: 0, event: {} }) as never;
    const view = outboxDeliveries(
      [job('j1', 'sub_a', ago(OVERDUE_MS + 1000)), job('j2', 'sub_a', ago(10)), job('j3', 'sub_b', ago(-5000))],
      [{ job: job('j4', 'sub_b', ago(0)), reason: 'expired', deadAt: ago(0) }],
      now,
    );
    expect(view).toEqual({
      source: 'outbox',
      pending: 3,
      due: 2,
      overdue: 1,
      dead: 1,
      bySubscriber: {
        sub_a: { pending: 2, dead: 0, deadReasons: {} },
        sub_b: { pending: 1, dead: 1, deadReasons: { expired: 1 } },
      },
    });
    expect(kinds(report({ deliveries: view }))).toEqual(['dead-letters', 'overdue-deliveries']);
  });
});

describe('hub subscriptions in status', () => {
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const sub = (id: string, topic: string, expires: string) => ({
    id,
    topic,
    callback: `https://reader-${id}.example/cb?token=secret`,
    expires,
  });

  it('counts live subscriptions per topic, most first, and lists leases ending within a day, soonest first', () => {
    const rss = 'https://news.example.com/feed.xml';
    const tag = 'https://news.example.com/tags/markets/atom.xml';
    const view = hubViewOf(
      [
        sub('a', tag, at(NEAR_EXPIRY_MS - 1000)),
        sub('b', rss, at(5 * NEAR_EXPIRY_MS)),
        sub('c', tag, at(60_000)),
        sub('d', rss, at(-1)),
        sub('e', tag, at(NEAR_EXPIRY_MS + 1000)),
      ],
      now,
    );
    expect(view.live).toBe(4);
    expect(view.expired).toBe(1);
    expect(view.byTopic).toEqual([
      { topic: tag, subscriptions: 3 },
      { topic: rss, subscriptions: 1 },
    ]);
    expect(view.expiringSoon).toEqual([
      { id: 'c', topic: tag, callbackHost: 'reader-c.example', expires: at(60_000) },
      { id: 'a', topic: tag, callbackHost: 'reader-a.example', expires: at(NEAR_EXPIRY_MS - 1000) },
    ]);
  });

  it('needs no attention for leases near their end: renewing is the subscriber’s part', () => {
    const hub = hubViewOf([sub('c', 'https://news.example.com/feed.xml', at(60_000))], now);
    expect(attentionOf(report({ hub }), now)).toEqual([]);
  });
});
