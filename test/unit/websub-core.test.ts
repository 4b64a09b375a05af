import { describe, expect, it } from 'vitest';
import { asDeliveryJob, type DeliveryJob, jobSummary } from '../../functions/core/delivery.ts';
import { InvalidRecordError } from '../../functions/core/errors.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { type WebSubFanOutInput, webSubFanOut } from '../../functions/core/websub/fan-out.ts';
import { callbackWithQuery, distributionLink, hubSignature, pingBody } from '../../functions/core/websub/messages.ts';
import {
  type HubSubscription,
  parseSubscription,
  subscriptionFrom,
  subscriptionId,
} from '../../functions/core/websub/subscription.ts';
import { changedFeedUrls, feedOfUrl, findTopic, siteFeeds } from '../../functions/core/websub/topics.ts';

const SITE = 'https://news.example.com';
const feeds = siteFeeds({ siteUrl: SITE });
const ON = { itemLimit: 20 };
const site = { siteUrl: SITE, topics: { categories: ON, tags: ON, authors: ON } };
const NOW = new Date('2026-03-01T12:00:00.000Z');
const HUB = `${SITE}/hub`;

function feedUpdated(id: string, changedFeeds?: string[]): WebhookEvent {
  return {
    id,
    type: 'feed.updated',
    timestamp: NOW.toISOString(),
    data: {
      feeds: { rss: `${SITE}/feed.xml`, atom: `${SITE}/atom.xml`, json: `${SITE}/feed.json`, home: `${SITE}/` },
      published: ['a'],
      updated: [],
      deleted: [],
      ...(changedFeeds === undefined ? {} : { changedFeeds }),
    },
  };
}

function subscription(topic: string, callback: string, expires = '2026-03-05T00:00:00.000Z'): HubSubscription {
  return {
    id: subscriptionId(topic, callback),
    topic,
    callback,
    leaseSeconds: 864000,
    created: '2026-02-20T00:00:00.000Z',
    verified: '2026-02-25T00:00:00.000Z',
    expires,
  };
}

function input(overrides: Partial<WebSubFanOutInput>): WebSubFanOutInput {
  return {
    events: [],
    site,
    unpublished: new Set(),
    pingHubs: [],
    hubUrl: HUB,
    subscriptions: [],
    now: NOW,
    ...overrides,
  };
}

describe('verification URLs keep the callback’s own query string', () => {
  const params = { 'hub.mode': 'subscribe', 'hub.topic': `${SITE}/feed.xml`, 'hub.challenge': 'c h&l' };

  it('appends with & after existing parameters, even ones named like the hub’s, which are not overwritten', () => {
    expect(callbackWithQuery('https://r.example/cb?foo=bar&hub.mode=mine', params)).toBe(
      'https://r.example/cb?foo=bar&hub.mode=mine&hub.mode=subscribe&hub.topic=https%3A%2F%2Fnews.example.com%2Ffeed.xml&hub.challenge=c+h%26l',
    );
  });

  it('starts the query with ? when there is none, and leaves the fragment out', () => {
    expect(callbackWithQuery('https://r.example/cb#frag', { 'hub.mode': 'denied' })).toBe(
      'https://r.example/cb?hub.mode=denied',
    );
    expect(callbackWithQuery('https://r.example/cb?', { a: '1' })).toBe('https://r.example/cb?a=1');
    expect(callbackWithQuery('https://r.example/cb?x=%7E1&', { a: '1' })).toBe('https://r.example/cb?x=%7E1&a=1');
  });
});

describe('distribution headers', () => {
  it('sign with HMAC-SHA256 of the body under hub.secret, as hex (RFC 4231 test case 2)', () => {
    const body = new TextEncoder().encode('what do ya want for nothing?');
    expect(hubSignature('Jefe', body)).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('name the hub and the topic in one Link header', () => {
    expect(distributionLink(HUB, `${SITE}/feed.xml`)).toBe(
      '<https://news.example.com/hub>; rel="hub", <https://news.example.com/feed.xml>; rel="self"',
    );
  });

  it('ping with hub.mode=publish and the topic as hub.topic and hub.url', () => {
    expect(Object.fromEntries(new URLSearchParams(pingBody(`${SITE}/feed.xml`)))).toEqual({
      'hub.mode': 'publish',
      'hub.topic': `${SITE}/feed.xml`,
      'hub.url': `${SITE}/feed.xml`,
    });
  });
});

describe('the WebSub trigger', () => {
  const rss = `${SITE}/feed.xml`;
  const json = `${SITE}/feed.json`;

  it('pings every hub in site.json once per changed feed, and only for the feeds that changed', () => {
    const { jobs } = webSubFanOut(
      input({ events: [feedUpdated('evt_1', [rss, json])], pingHubs: ['https://a.hub/', 'https://b.hub/'] }),
    );
    expect(jobs.map((job) => (job.kind === 'websub.ping' ? [job.hub, job.topic] : job.kind))).toEqual([
      ['https://a.hub/', rss],
      ['https://b.hub/', rss],
      ['https://a.hub/', json],
      ['https://b.hub/', json],
    ]);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(4);
  });

  it('sends nothing and removes nothing without a feed.updated (an unchanged rebuild)', () => {
    const live = subscription(rss, 'https://r.example/1');
    const expired = subscription(rss, 'https://r.example/2', '2026-02-01T00:00:00.000Z');
    const article: WebhookEvent = {
      id: 'evt_x',
      type: 'article.deleted',
      timestamp: NOW.toISOString(),
      data: {
        id: 'a',
        title: 'A',
        summary: '',
        url: `${SITE}/articles/a.html`,
        published: NOW.toISOString(),
        updated: NOW.toISOString(),
        authors: [],
        category: null,
        tags: [],
        version: 1,
        feeds: { rss, atom: `${SITE}/atom.xml`, json, home: `${SITE}/` },
      },
    };
    expect(
      webSubFanOut(input({ events: [article], pingHubs: ['https://a.hub/'], subscriptions: [live, expired] })),
    ).toEqual({ jobs: [], expired: [], denied: [] });
  });

  it('distributes a changed feed to each live subscription of it, reading nothing but its path and hub', () => {
    const a = subscription(rss, 'https://r.example/a');
    const b = subscription(json, 'https://r.example/b');
    const { jobs } = webSubFanOut(input({ events: [feedUpdated('evt_2', [rss])], subscriptions: [a, b] }));
    expect(jobs).toEqual([
      expect.objectContaining({
        kind: 'websub.distribute',
        subscriptionId: a.id,
        topic: rss,
        path: 'feed.xml',
        hub: HUB,
        eventId: 'evt_2',
        attempts: 0,
        notBefore: NOW.toISOString(),
      }),
    ]);
  });

  it('gives an ended lease nothing and lists it for removal', () => {
    const ended = subscription(rss, 'https://r.example/a', NOW.toISOString());
    const result = webSubFanOut(input({ events: [feedUpdated('evt_3', [rss])], subscriptions: [ended] }));
    expect(result.jobs).toEqual([]);
    expect(result.expired).toEqual([ended]);
  });

  it('denies, with a reason, subscriptions whose topic is no longer a feed, and all of them once the hub is off', () => {
    const moved = subscription('https://old.example.com/feed.xml', 'https://r.example/a');
    const kept = subscription(rss, 'https://r.example/b');
    const stale = webSubFanOut(input({ events: [feedUpdated('evt_4', [rss])], subscriptions: [moved, kept] }));
    expect(stale.denied).toEqual([moved]);
    expect(stale.jobs.map((job) => job.kind)).toEqual(['websub.deny', 'websub.distribute']);
    expect(stale.jobs[0]).toMatchObject({
      callback: 'https://r.example/a',
      topic: moved.topic,
      reason: 'the topic is no longer a feed of this site',
    });
    const off = webSubFanOut(input({ events: [feedUpdated('evt_5', [rss])], hubUrl: null, subscriptions: [kept] }));
    expect(off.denied).toEqual([kept]);
    expect(off.jobs).toEqual([
      expect.objectContaining({ kind: 'websub.deny', reason: 'this site no longer runs a WebSub hub' }),
    ]);
  });

  it('announces each feed once when an interrupted run’s event is re-handed with a new one', () => {
    const a = subscription(rss, 'https://r.example/a');
    const { jobs } = webSubFanOut(
      input({
        events: [feedUpdated('evt_old', [rss]), feedUpdated('evt_new', [rss])],
        pingHubs: ['https://a.hub/'],
        subscriptions: [a],
      }),
    );
    expect(jobs.map((job) => [job.kind, 'eventId' in job ? job.eventId : ''])).toEqual([
      ['websub.ping', 'evt_new'],
      ['websub.distribute', 'evt_new'],
    ]);
  });

  it('treats a feed.updated from before changedFeeds existed as a change of all three feeds', () => {
    const { jobs } = webSubFanOut(input({ events: [feedUpdated('evt_6')], pingHubs: ['https://a.hub/'] }));
    expect(jobs).toHaveLength(3);
  });

  it('gives the same jobs the same ids on every run', () => {
    const run = () =>
      webSubFanOut(
        input({
          events: [feedUpdated('evt_7', [rss])],
          pingHubs: ['https://a.hub/'],
          subscriptions: [subscription(rss, 'https://r.example/a')],
        }),
      ).jobs.map((job) => job.id);
    expect(run()).toEqual(run());
  });
});

describe('topics', () => {
  it('are the three feed URLs, matched in any spelling of the same URL', () => {
    expect(feeds.map((feed) => feed.path)).toEqual(['feed.xml', 'atom.xml', 'feed.json']);
    expect(findTopic('https://NEWS.example.com/atom.xml', feeds)?.path).toBe('atom.xml');
    expect(findTopic('https://news.example.com/atom.xml?x=1', feeds)).toBeUndefined();
    expect(findTopic('not a url', feeds)).toBeUndefined();
  });

  it('are every current and archive document of the site and of each topic kind site.json keeps on', () => {
    expect(feedOfUrl(site, `${SITE}/feed.xml`)).toEqual({
      url: `${SITE}/feed.xml`,
      path: 'feed.xml',
      collection: 'site',
      page: null,
    });
    expect(feedOfUrl(site, `${SITE}/archive/3/atom.xml`)).toMatchObject({ collection: 'site', page: 3 });
    expect(feedOfUrl(site, 'HTTPS://news.example.com/tags/markets/feed.json')).toEqual({
      url: `${SITE}/tags/markets/feed.json`,
      path: 'tags/markets/feed.json',
      collection: 'tags/markets',
      page: null,
    });
    expect(feedOfUrl(site, `${SITE}/authors/ana-lima/archive/12/feed.xml`)).toMatchObject({
      collection: 'authors/ana-lima',
      page: 12,
    });
    expect(feedOfUrl(site, `${SITE}/categories/t-0123456789ab/atom.xml`)?.collection).toBe('categories/t-0123456789ab');
  });

  it('are nothing else: other paths, other sites, queries, bad slugs, kinds turned off', () => {
    for (const url of [
      `${SITE}/index.html`,
      `${SITE}/articles/feed.xml`,
      `${SITE}/tags/markets/index.html`,
      `${SITE}/tags/Markets/feed.xml`,
      `${SITE}/tags/feed.xml/feed.xml`,
      `${SITE}/tags/a/b/feed.xml`,
      `${SITE}/archive/0/feed.xml`,
      `${SITE}/archive/01/feed.xml`,
      `${SITE}/topics/markets/feed.xml`,
      `${SITE}/tags/markets/feed.xml?x=1`,
      'https://elsewhere.example/tags/markets/feed.xml',
      'not a url',
    ]) {
      expect(feedOfUrl(site, url), url).toBeNull();
    }
    const noTags = { ...site, topics: { ...site.topics, tags: null } };
    expect(feedOfUrl(noTags, `${SITE}/tags/markets/feed.xml`)).toBeNull();
    expect(feedOfUrl(noTags, `${SITE}/authors/ana/feed.xml`)).not.toBeNull();
  });

  it('of a site under a path are under that path', () => {
    const nested = { ...site, siteUrl: 'https://example.org/news' };
    expect(feedOfUrl(nested, 'https://example.org/news/tags/x/atom.xml')?.path).toBe('tags/x/atom.xml');
    expect(feedOfUrl(nested, 'https://example.org/tags/x/atom.xml')).toBeNull();
  });
});

describe('topic feeds in the fan-out', () => {
  const topic = `${SITE}/tags/markets/feed.xml`;

  it('distributes a changed topic feed to its subscriptions, and only to them', () => {
    const { jobs } = webSubFanOut(
      input({
        events: [feedUpdated('evt_t', [topic])],
        subscriptions: [
          subscription(topic, 'https://r.example/t'),
          subscription(`${SITE}/feed.xml`, 'https://r.example/s'),
        ],
      }),
    );
    expect(jobs.map((job) => job.kind === 'websub.distribute' && [job.topic, job.path])).toEqual([
      [topic, 'tags/markets/feed.xml'],
    ]);
  });

  it('denies, then lets go of, the subscriptions of a topic that is no longer published', () => {
    const gone = subscription(topic, 'https://r.example/t');
    const result = webSubFanOut(
      input({ events: [feedUpdated('evt_t', [topic])], subscriptions: [gone], unpublished: new Set([topic]) }),
    );
    expect(result.denied).toEqual([gone]);
    expect(result.jobs).toEqual([
      expect.objectContaining({ kind: 'websub.deny', reason: expect.stringMatching(/no longer published/) }),
    ]);
  });
});

describe('stored hub records', () => {
  const record = subscription(`${SITE}/feed.xml`, 'https://r.example/cb?x=1');

  it('read back as written, and a verified re-subscription keeps the creation time and counts its lease anew', () => {
    expect(parseSubscription(JSON.parse(JSON.stringify(record)), 'state/x.json')).toEqual(record);
    const renewed = subscriptionFrom(
      {
        id: 'wsr_0123456789abcdef',
        mode: 'subscribe',
        topic: record.topic,
        callback: record.callback,
        leaseSeconds: 3600,
        received: NOW.toISOString(),
      },
      NOW,
      record,
    );
    expect(renewed).toEqual({
      ...record,
      leaseSeconds: 3600,
      verified: NOW.toISOString(),
      expires: '2026-03-01T13:00:00.000Z',
    });
  });

  it('that are damaged are refused in one line naming the record and what is wrong', () => {
    const check = (value: unknown) => () => parseSubscription(value, 'state/websub/subscriptions/ws_1.json');
    expect(check([])).toThrow(InvalidRecordError);
    expect(check({ ...record, expires: 'soon', leaseSeconds: -1 })).toThrow(
      'state/websub/subscriptions/ws_1.json: hub subscription is damaged: "leaseSeconds" is not a positive whole number, "expires" is not an ISO 8601 time',
    );
    expect(check({ ...record, callback: 'https://attacker.example/' })).toThrow(/"id" does not match/);
  });
});

describe('queued jobs', () => {
  const ping: DeliveryJob = {
    kind: 'websub.ping',
    id: 'job_1',
    hub: 'https://a.hub/',
    topic: `${SITE}/feed.xml`,
    eventId: 'evt_1',
    attempts: 0,
    notBefore: NOW.toISOString(),
  };

  it('of every kind are read back from a message, and others refused saying why', () => {
    expect(asDeliveryJob(JSON.parse(JSON.stringify(ping)))).toEqual(ping);
    expect(() => asDeliveryJob({ id: 'job_2', kind: 'websub.ping', hub: 'x' })).toThrow(
      'not a websub.ping job: topic, eventId required',
    );
    expect(() => asDeliveryJob({ id: 'job_3', kind: 'fax' })).toThrow('unknown kind "fax"');
    expect(() => asDeliveryJob({ id: 'job_4', subscriberId: 's' })).toThrow(/event\.id are required/);
  });

  it('are summarized without their callback', () => {
    expect(jobSummary(ping)).toEqual({ party: 'https://a.hub/', type: 'websub.ping', ref: 'evt_1' });
    const deny: DeliveryJob = {
      kind: 'websub.deny',
      id: 'job_5',
      subscriptionId: 'ws_1',
      topic: `${SITE}/feed.xml`,
      callback: 'https://r.example/secret-capability',
      reason: 'gone',
      attempts: 0,
      notBefore: NOW.toISOString(),
    };
    expect(JSON.stringify(jobSummary(deny))).not.toContain('secret-capability');
  });
});

describe('changedFeedUrls', () => {
  it('names the feeds whose file hash differs between two renders, a feed new on either side included', () => {
    const before = { 'feed.xml': 'h1', 'atom.xml': 'h2', 'feed.json': 'h3' };
    expect(changedFeedUrls(feeds, before, { ...before })).toEqual([]);
    expect(changedFeedUrls(feeds, before, { ...before, 'atom.xml': 'h2b' })).toEqual([`${SITE}/atom.xml`]);
    expect(changedFeedUrls(feeds, {}, before)).toEqual([`${SITE}/feed.xml`, `${SITE}/atom.xml`, `${SITE}/feed.json`]);
  });
});
