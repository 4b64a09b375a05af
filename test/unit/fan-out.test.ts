import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { deliveryJobId, fanOut } from '../../functions/core/fan-out.ts';

const feeds = { rss: 'r', atom: 'a', json: 'j', home: 'h' };
const article = (id: string, type: 'article.published' | 'article.updated' | 'article.deleted'): WebhookEvent => ({
  id: `evt_${type}_${id}`,
  type,
  timestamp: '2024-05-01T00:00:00.000Z',
  data: {
    id,
    title: id,
    summary: '',
    url: `https://x/${id}`,
    published: '2024-05-01T00:00:00.000Z',
    updated: '2024-05-01T00:00:00.000Z',
    authors: [],
    category: null,
    tags: [],
    version: 1,
    feeds,
  },
});
const subscriber = (id: string, events: Subscriber['events'], status: Subscriber['status'] = 'active'): Subscriber => ({
  id,
  url: `https://${id}.example.com/`,
  events,
  secrets: [{ secret: 'whsec_AAAA' }],
  status,
  created: '2024-01-01T00:00:00.000Z',
});
const now = new Date('2024-05-02T03:04:05.000Z');

describe('fanOut', () => {
  it('takes the wildcard article.* as every article event, never feed.updated or an operational event', () => {
    const feed: WebhookEvent = {
      id: 'evt_feed',
      type: 'feed.updated',
      timestamp: '2024-05-01T00:00:00.000Z',
      data: { feeds, published: ['a'], updated: [], deleted: [] },
    };
    const disabled: WebhookEvent = {
      id: 'evt_disabled',
      type: 'endpoint.disabled',
      timestamp: '2024-05-01T00:00:00.000Z',
      data: {
        subscriberId: 'sub_x',
        url: 'https://x/',
        reason: 'gone',
        disabledAt: '2024-05-01T00:00:00.000Z',
        consecutiveFailures: 1,
        enableCommand: 'wirefeed subscribers enable sub_x',
      },
    };
    const events = [
      article('a', 'article.published'),
      article('a', 'article.updated'),
      article('a', 'article.deleted'),
      feed,
      disabled,
    ];
    const jobs = fanOut(events, [subscriber('sub_articles', ['article.*'])], now);
    expect(jobs.map((j) => j.event.type)).toEqual(['article.published', 'article.updated', 'article.deleted']);
    const both = fanOut(events, [subscriber('sub_ops', ['article.*', 'endpoint.disabled'])], now);
    expect(both.map((j) => j.event.type)).toEqual([
      'article.published',
      'article.updated',
      'article.deleted',
      'endpoint.disabled',
    ]);
  });

  it('makes one job per event and matching subscriber, due now, with no attempts yet', () => {
    const events = [article('a', 'article.published'), article('b', 'article.deleted')];
    const subs = [subscriber('sub_all', []), subscriber('sub_pub', ['article.published'])];
    const jobs = fanOut(events, subs, now);
    expect(jobs.map((j) => [j.event.id, j.subscriberId])).toEqual([
      ['evt_article.published_a', 'sub_all'],
      ['evt_article.published_a', 'sub_pub'],
      ['evt_article.deleted_b', 'sub_all'],
    ]);
    for (const job of jobs) {
      expect(job.attempts).toBe(0);
      expect(job.notBefore).toBe(now.toISOString());
    }
  });

  it('makes jobs for paused and disabled subscribers too, so that what they miss can be replayed', () => {
    const subs = [subscriber('sub_paused', [], 'paused'), subscriber('sub_off', ['article.deleted'], 'disabled')];
    const jobs = fanOut([article('a', 'article.published'), article('b', 'article.deleted')], subs, now);
    expect(jobs.map((j) => [j.event.id, j.subscriberId])).toEqual([
      ['evt_article.published_a', 'sub_paused'],
      ['evt_article.deleted_b', 'sub_paused'],
      ['evt_article.deleted_b', 'sub_off'],
    ]);
  });

  it('sends endpoint.disabled only to subscribers that name it, never to one that takes all events', () => {
    const disabled: WebhookEvent = {
      id: 'evt_disabled_1',
      type: 'endpoint.disabled',
      timestamp: now.toISOString(),
      data: {
        subscriberId: 'sub_x',
        url: 'https://x.example.com/',
        reason: 'failing since 2024-04-27T00:00:00.000Z',
        disabledAt: now.toISOString(),
        consecutiveFailures: 9,
        enableCommand: 'wirefeed subscribers enable sub_x --replay',
      },
    };
    const subs = [
      subscriber('sub_all', []),
      subscriber('sub_ops', ['endpoint.disabled']),
      subscriber('sub_both', ['article.published', 'endpoint.disabled']),
    ];
    expect(fanOut([disabled], subs, now).map((j) => j.subscriberId)).toEqual(['sub_ops', 'sub_both']);
    expect(fanOut([article('a', 'article.published')], subs, now).map((j) => j.subscriberId)).toEqual([
      'sub_all',
      'sub_both',
    ]);
  });

  it('derives job ids from (event, subscriber) only, so fanning out twice yields the same ids', () => {
    const events = [article('a', 'article.updated')];
    const subs = [subscriber('sub_1', []), subscriber('sub_2', [])];
    const first = fanOut(events, subs, now).map((j) => j.id);
    const again = fanOut(events, subs, new Date(now.getTime() + 1000)).map((j) => j.id);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
    expect(first[0]).toBe(deliveryJobId('evt_article.updated_a', 'sub_1'));
    expect(deliveryJobId('a\nb', 'c')).not.toBe(deliveryJobId('a', 'b\nc'));
  });

  it('never fans out endpoint.test events', () => {
    const test: WebhookEvent = {
      id: 'evt_test',
      type: 'endpoint.test',
      timestamp: now.toISOString(),
      data: { subscriberId: 'sub_1', feeds },
    };
    expect(fanOut([test], [subscriber('sub_1', [])], now)).toEqual([]);
  });
});
