/**
 * The built-in WebSub hub, black box over loopback HTTP, mirroring websub.rocks' hub tests 100–106: the hub is the
 * dev server's `POST /hub` route on a real HTTP server, the subscriber a real HTTP server that sees every byte, the
 * feeds are published by `publish()`, and verification and distribution run through the real outbox and sender.
 * The test drives the delivery rounds and a pinned clock, so nothing depends on timing.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import type { RunningServer } from '../../functions/adapters/http-server.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { DEFAULT_LEASE } from '../../functions/core/site.ts';
import { type DeliveryDeps, deliveryDeps, drainOutbox } from '../../functions/pipeline/deliver.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { HubSubscriptions } from '../../functions/pipeline/websub/subscriptions.ts';
import { serveWithLocalHub } from '../helpers/local-hub.ts';
import { startSubscriber, type WebSubSubscriber } from '../helpers/websub-subscriber.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';

const SITE = TEST_SITE.siteUrl;
const RSS = `${SITE}/feed.xml`;
const ATOM = `${SITE}/atom.xml`;
const JSON_FEED = `${SITE}/feed.json`;
const HUB_SITE = { ...TEST_SITE, hub: { enabled: true } };
const HOUR_MS = 3600 * 1000;

interface Harness {
  readonly ws: Workspace;
  readonly server: RunningServer;
  readonly outbox: OutboxQueue;
  readonly subscriptions: HubSubscriptions;
  /** POSTs a form to the hub. */
  request(params: Record<string, string>): Promise<{ status: number; text: string; type: string | null }>;
  /** One delivery round: every due job attempted once. */
  deliver(): ReturnType<typeof drainOutbox>;
  publish(): ReturnType<typeof publish>;
  /** The published file's bytes, as the site serves them. */
  served(path: string): Promise<{ sha256: string; type: string | null; body: Buffer }>;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function startHub(site: object = HUB_SITE): Promise<Harness> {
  const ws = await Workspace.create(site);
  await ws.write('first.md', markdownArticle('First light over the harbour', 'The ferry ran at dawn.'));
  const state = new FsStore(ws.stateDir);
  const output = new FsStore(ws.outDir);
  const outbox = new OutboxQueue(state);
  const harness = {
    ws,
    outbox,
    subscriptions: new HubSubscriptions(state),
    publish: () => publish({ ...ws.stores(), queue: outbox }),
  };
  await harness.publish();
  const server = await serveWithLocalHub(ws, { state, queue: outbox });
  open.push(server, { close: () => ws.dispose() });
  const deps: DeliveryDeps = {
    ...deliveryDeps(state, createHttpSender({ allowPrivateTargets: true, timeoutMs: 10_000 }), { output }),
    clock: ws.clock,
    random: () => 0.5,
  };
  return {
    ...harness,
    server,
    async request(params) {
      const response = await fetch(`${server.url}/hub`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
    },
    deliver: () => drainOutbox(outbox, deps),
    async served(path) {
      const response = await fetch(`${server.url}/${path}`);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(await readFile(join(ws.outDir, path)))).toBe(true);
      return {
        sha256: createHash('sha256').update(body).digest('hex'),
        type: response.headers.get('content-type'),
        body,
      };
    },
  };
}

async function subscriber(path?: string): Promise<WebSubSubscriber> {
  const started = await startSubscriber(path);
  open.push(started);
  return started;
}

/** Subscribes `callback` to `topic` and runs the verification round; returns the 202's text. */
async function subscribe(hub: Harness, topic: string, callback: string, extra: Record<string, string> = {}) {
  const answer = await hub.request({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': callback, ...extra });
  expect(answer.status, answer.text).toBe(202);
  await hub.deliver();
  return answer;
}

/** A new article, published, and one delivery round. */
async function publishChange(hub: Harness, name: string) {
  await hub.ws.write(`${name}.md`, markdownArticle(`News: ${name} — Café Münster reopens`, `Report on ${name}.`));
  hub.ws.clock.advance(60_000);
  const result = await hub.publish();
  expect(result.events.some((event) => event.type === 'feed.updated')).toBe(true);
  return hub.deliver();
}

describe('websub.rocks 100: a plain subscription', () => {
  it('answers 202, verifies with a GET carrying mode, topic, a challenge and the lease, then distributes the exact bytes', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    const answer = await subscribe(hub, RSS, sub.url);
    expect(answer.type).toBe('text/plain; charset=utf-8');

    const [verification] = sub.gets('subscribe');
    expect(Object.fromEntries(verification?.params ?? [])).toEqual({
      'hub.mode': 'subscribe',
      'hub.topic': RSS,
      'hub.challenge': expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      'hub.lease_seconds': String(DEFAULT_LEASE.default),
    });
    const { subscriptions } = await hub.subscriptions.list();
    expect(subscriptions).toEqual([
      expect.objectContaining({
        topic: RSS,
        callback: sub.url,
        leaseSeconds: DEFAULT_LEASE.default,
        verified: hub.ws.clock.now().toISOString(),
        expires: new Date(hub.ws.clock.now().getTime() + DEFAULT_LEASE.default * 1000).toISOString(),
      }),
    ]);
    expect(subscriptions[0]).not.toHaveProperty('secret');

    await publishChange(hub, 'second');
    const [delivery] = sub.posts();
    const file = await hub.served('feed.xml');
    expect(delivery?.sha256).toBe(file.sha256);
    expect(delivery?.headers['content-type']).toBe(file.type);
    expect(delivery?.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(delivery?.headers.link).toBe(`<${SITE}/hub>; rel="hub", <${RSS}>; rel="self"`);
    expect(delivery?.headers).not.toHaveProperty('x-hub-signature');
    expect(delivery?.target).toBe('/websub/cb');
  });

  it('sends nothing on an unchanged rebuild', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url);
    await publishChange(hub, 'second');
    expect(sub.posts()).toHaveLength(1);
    hub.ws.clock.advance(60_000);
    const again = await hub.publish();
    expect(again.events).toEqual([]);
    expect(await hub.deliver()).toMatchObject({ delivered: 0, retried: 0, dead: 0, dropped: 0 });
    expect(sub.posts()).toHaveLength(1);
  });
});

describe('websub.rocks 101: a subscription with a secret', () => {
  it('signs each distribution with X-Hub-Signature: sha256=<hex HMAC of the body>, which the subscriber verifies', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    const secret = 'a shared secret that is under 200 bytes ✓';
    await subscribe(hub, RSS, sub.url, { 'hub.secret': secret });
    await publishChange(hub, 'second');
    const [delivery] = sub.posts();
    const expected = `sha256=${createHmac('sha256', secret)
      .update(delivery?.body ?? Buffer.alloc(0))
      .digest('hex')}`;
    expect(delivery?.headers['x-hub-signature']).toBe(expected);
    expect(delivery?.sha256).toBe((await hub.served('feed.xml')).sha256);
  });
});

describe('websub.rocks 102: extra parameters', () => {
  it('ignores unknown request parameters and keeps the callback’s query string on the verification and the distribution', async () => {
    const hub = await startHub();
    const sub = await subscriber('/cb');
    const callback = `${sub.url}?foo=bar&red=fish&hub.mode=keep`;
    await subscribe(hub, RSS, callback, { 'hub.foo': 'ignored', extra: '1' });
    const [verification] = sub.gets();
    expect(verification?.query.startsWith('foo=bar&red=fish&hub.mode=keep&hub.mode=subscribe&hub.topic=')).toBe(true);
    expect(verification?.params.getAll('hub.mode')).toEqual(['keep', 'subscribe']);
    await publishChange(hub, 'second');
    expect(sub.posts()[0]?.target).toBe('/cb?foo=bar&red=fish&hub.mode=keep');
  });
});

describe('websub.rocks 103: re-subscription', () => {
  it('updates the one subscription of (topic, callback) with the new lease and secret, once verified', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url, { 'hub.lease_seconds': '3600', 'hub.secret': 'first' });
    const first = (await hub.subscriptions.list()).subscriptions[0];
    hub.ws.clock.advance(30 * 60_000);
    await subscribe(hub, RSS, sub.url, { 'hub.lease_seconds': '7200', 'hub.secret': 'second' });
    expect(sub.gets('subscribe').map((get) => get.params.get('hub.lease_seconds'))).toEqual(['3600', '7200']);
    const { subscriptions } = await hub.subscriptions.list();
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({
      id: first?.id,
      created: first?.created,
      leaseSeconds: 7200,
      secret: 'second',
    });
    expect(Date.parse(subscriptions[0]?.expires ?? '')).toBe(hub.ws.clock.now().getTime() + 2 * HOUR_MS);
    await publishChange(hub, 'second');
    const [delivery] = sub.posts();
    expect(delivery?.headers['x-hub-signature']).toBe(
      `sha256=${createHmac('sha256', 'second')
        .update(delivery?.body ?? Buffer.alloc(0))
        .digest('hex')}`,
    );
  });
});

describe('websub.rocks 104: unsubscription', () => {
  it('verifies the unsubscribe with a challenge, then removes the subscription: no more distributions', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url);
    const answer = await hub.request({ 'hub.mode': 'unsubscribe', 'hub.topic': RSS, 'hub.callback': sub.url });
    expect(answer.status).toBe(202);
    await hub.deliver();
    const [verification] = sub.gets('unsubscribe');
    expect(verification?.params.get('hub.topic')).toBe(RSS);
    expect(verification?.params.get('hub.challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
    await publishChange(hub, 'second');
    expect(sub.posts()).toEqual([]);
  });
});

describe('websub.rocks 105 and 106: topics of other media types', () => {
  it.each([
    ['a text document (Atom)', ATOM, 'atom.xml', 'application/atom+xml; charset=utf-8'],
    ['a JSON document (JSON Feed)', JSON_FEED, 'feed.json', 'application/feed+json; charset=utf-8'],
  ])('distributes %s byte for byte with its own Content-Type', async (_, topic, path, type) => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, topic, sub.url);
    await publishChange(hub, 'second');
    const [delivery] = sub.posts();
    const file = await hub.served(path);
    expect(delivery?.sha256).toBe(file.sha256);
    expect(delivery?.body.toString('utf8')).toContain('Café Münster');
    expect(delivery?.headers['content-type']).toBe(type);
    expect(file.type).toBe(type);
    expect(delivery?.headers.link).toBe(`<${SITE}/hub>; rel="hub", <${topic}>; rel="self"`);
  });
});

describe('leases', () => {
  it('end: with the clock past the lease, nothing is distributed and the subscription is removed', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url, { 'hub.lease_seconds': '60' });
    expect(sub.gets()[0]?.params.get('hub.lease_seconds')).toBe(String(DEFAULT_LEASE.min));
    hub.ws.clock.advance(DEFAULT_LEASE.min * 1000 - 120_000);
    await publishChange(hub, 'within');
    expect(sub.posts()).toHaveLength(1);
    hub.ws.clock.advance(120_000);
    await publishChange(hub, 'after');
    expect(sub.posts()).toHaveLength(1);
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
  });

  it('that end while a distribution waits for its retry stop it', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.postStatus = () => 503;
    await subscribe(hub, RSS, sub.url, { 'hub.lease_seconds': '3600' });
    hub.ws.clock.advance(HOUR_MS - 5 * 60_000);
    const first = await publishChange(hub, 'second');
    expect(first.retried).toBe(1);
    hub.ws.clock.advance(20 * 60_000);
    expect(await hub.deliver()).toMatchObject({ dropped: 1 });
    expect(sub.posts()).toHaveLength(1);
    expect(await hub.outbox.pending()).toEqual([]);
  });
});

describe('a failed verification changes nothing', () => {
  it.each([
    ['answers 404', 'not-found'],
    ['answers 2xx without the exact challenge', 'wrong-body'],
    ['redirects (never followed)', 'redirect'],
  ] as const)('when the callback %s: no subscription, the request dropped', async (_, answer) => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.verify = answer;
    const summary = await (async () => {
      await hub.request({ 'hub.mode': 'subscribe', 'hub.topic': RSS, 'hub.callback': sub.url });
      return hub.deliver();
    })();
    expect(summary).toMatchObject({ delivered: 0, dropped: 1 });
    expect(sub.gets()).toHaveLength(1);
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
    await publishChange(hub, 'second');
    expect(sub.posts()).toEqual([]);
    expect(sub.requests.filter((r) => r.target.includes('/elsewhere'))).toEqual([]);
  });

  it('keeps an existing subscription, its lease and its secret when a re-subscription or unsubscription is declined', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url, { 'hub.secret': 'kept' });
    const before = await hub.subscriptions.list();
    sub.verify = 'not-found';
    await subscribe(hub, RSS, sub.url, { 'hub.secret': 'attacker', 'hub.lease_seconds': '3600' });
    const unsubscribe = await hub.request({ 'hub.mode': 'unsubscribe', 'hub.topic': RSS, 'hub.callback': sub.url });
    expect(unsubscribe.status).toBe(202);
    await hub.deliver();
    expect(await hub.subscriptions.list()).toEqual(before);
    await publishChange(hub, 'second');
    const [delivery] = sub.posts();
    expect(delivery?.headers['x-hub-signature']).toBe(
      `sha256=${createHmac('sha256', 'kept')
        .update(delivery?.body ?? Buffer.alloc(0))
        .digest('hex')}`,
    );
  });

  it('is retried when the callback is down (5xx), and verifies once it answers', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.verify = 'server-error';
    await subscribe(hub, RSS, sub.url);
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
    expect((await hub.outbox.pending()).map((job) => [job.kind, job.attempts, job.lastStatus])).toEqual([
      ['websub.verify', 1, 500],
    ]);
    sub.verify = 'echo';
    hub.ws.clock.advance(10_000);
    await hub.deliver();
    const challenges = sub.gets('subscribe').map((get) => get.params.get('hub.challenge'));
    expect(challenges).toHaveLength(2);
    expect(challenges[0]).not.toBe(challenges[1]);
    expect((await hub.subscriptions.list()).subscriptions).toHaveLength(1);
  });
});

describe('denial', () => {
  it('tells subscribers of topics the site no longer publishes (hub.mode=denied, hub.topic, hub.reason) and removes them', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url);
    await writeFile(
      join(hub.ws.contentDir, 'site.json'),
      JSON.stringify({ ...HUB_SITE, siteUrl: 'https://moved.example.com' }),
    );
    hub.ws.clock.advance(60_000);
    await hub.publish();
    await hub.deliver();
    const [denial] = sub.gets('denied');
    expect(Object.fromEntries(denial?.params ?? [])).toEqual({
      'hub.mode': 'denied',
      'hub.topic': RSS,
      'hub.reason': 'the topic is no longer a feed of this site',
    });
    expect(sub.posts()).toEqual([]);
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
  });

  it('tells every subscriber when site.json turns the hub off', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    await subscribe(hub, RSS, sub.url);
    await writeFile(join(hub.ws.contentDir, 'site.json'), JSON.stringify(TEST_SITE));
    hub.ws.clock.advance(60_000);
    await hub.publish();
    await hub.deliver();
    expect(sub.gets('denied')[0]?.params.get('hub.reason')).toBe('this site no longer runs a WebSub hub');
    expect((await hub.request({ 'hub.mode': 'subscribe', 'hub.topic': RSS, 'hub.callback': sub.url })).status).toBe(
      404,
    );
  });
});

describe('distribution', () => {
  it('retries a failed distribution with the document as it is when the retry is made', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.postStatus = (n) => (n === 1 ? 500 : 204);
    await subscribe(hub, RSS, sub.url);
    expect(await publishChange(hub, 'second')).toMatchObject({ retried: 1 });
    // A further edit lands before the retry: its own distribution goes out at once, and the retry sends the same,
    // current, document (never a stale one).
    await publishChange(hub, 'third');
    hub.ws.clock.advance(10_000);
    await hub.deliver();
    const current = (await hub.served('feed.xml')).sha256;
    const posts = sub.posts();
    expect(posts).toHaveLength(3);
    expect(posts.slice(1).map((post) => post.sha256)).toEqual([current, current]);
    expect(await hub.outbox.pending()).toEqual([]);
  });

  it('ends the subscription when the callback answers 410 Gone', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.postStatus = () => 410;
    await subscribe(hub, RSS, sub.url);
    expect(await publishChange(hub, 'second')).toMatchObject({ dropped: 1 });
    expect((await hub.subscriptions.list()).subscriptions).toEqual([]);
  });

  it('records the last attempt of each subscription', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    sub.postStatus = () => 503;
    await subscribe(hub, RSS, sub.url);
    await publishChange(hub, 'second');
    const [subscription] = (await hub.subscriptions.list()).subscriptions;
    expect(await hub.subscriptions.lastDistribution(subscription?.id ?? '')).toEqual({
      time: hub.ws.clock.now().toISOString(),
      status: 503,
      outcome: 'retry',
      error: 'HTTP 503',
    });
  });
});

describe('the hub’s answers', () => {
  it('refuse with a 4xx and a plain-text reason, keeping nothing', async () => {
    const hub = await startHub();
    const sub = await subscriber();
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${SITE}/index.html`, 'hub.callback': sub.url }, 404, /not a feed/],
      [{ 'hub.mode': 'subscribe', 'hub.topic': RSS }, 400, /hub\.callback is required/],
      [
        { 'hub.mode': 'subscribe', 'hub.topic': RSS, 'hub.callback': sub.url, 'hub.secret': 's'.repeat(200) },
        400,
        /200 bytes/,
      ],
    ];
    for (const [params, status, reason] of cases) {
      const answer = await hub.request(params);
      expect(answer.status).toBe(status);
      expect(answer.type).toBe('text/plain; charset=utf-8');
      expect(answer.text).toMatch(reason);
    }
    const notForm = await fetch(`${hub.server.url}/hub`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(notForm.status).toBe(415);
    const huge = await fetch(`${hub.server.url}/hub`, {
      method: 'POST',
      body: `hub.mode=subscribe&x=${'a'.repeat(20_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(huge.status).toBe(413);
    expect(await hub.outbox.pending()).toEqual([]);
    expect(sub.requests).toEqual([]);
  });

  it('refuse a loopback callback unless private targets are allowed (the SSRF guard)', async () => {
    const ws = await Workspace.create(HUB_SITE);
    open.push({ close: () => ws.dispose() });
    await mkdir(ws.outDir, { recursive: true });
    const state = new FsStore(ws.stateDir);
    const server = await serveWithLocalHub(ws, { state, queue: new OutboxQueue(state), allowPrivateTargets: false });
    open.push(server);
    const response = await fetch(`${server.url}/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': RSS, 'hub.callback': 'http://127.0.0.1:9/cb' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/hub\.callback is refused: scheme http: is not allowed/);
  });
});
