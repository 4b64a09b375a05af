/**
 * Topic and archive feeds as WebSub topics of the built-in hub, over loopback: the hub is the dev server's
 * `POST /hub`, the subscriber a real HTTP server, the feeds are published by `publish()` and verification,
 * distribution and denial run through the real outbox and sender on a pinned clock.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import type { RunningServer } from '../../functions/adapters/http-server.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { deliveryDeps, drainOutbox } from '../../functions/pipeline/deliver.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { HubSubscriptions } from '../../functions/pipeline/websub/subscriptions.ts';
import { serveWithLocalHub } from '../helpers/local-hub.ts';
import { startSubscriber, type WebSubSubscriber } from '../helpers/websub-subscriber.ts';
import { TEST_SITE, Workspace } from '../helpers/workspace.ts';

const SITE = TEST_SITE.siteUrl;
const HUB_SITE = { ...TEST_SITE, hub: { enabled: true } };
const MARKETS = `${SITE}/tags/markets/feed.xml`;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

function article(title: string, date: string, tags: string[]): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndate: "${date}"\ntags: ${JSON.stringify(tags)}\n---\n\nReport: ${title}.\n`;
}

async function startHub() {
  const ws = await Workspace.create(HUB_SITE);
  await ws.write('bonds.md', article('Bond yields fall', '2025-06-01T08:00:00Z', ['Markets']));
  await ws.write('ferry.md', article('Ferry timetable changes', '2025-06-02T08:00:00Z', ['Transport']));
  const state = new FsStore(ws.stateDir);
  const outbox = new OutboxQueue(state);
  const run = () => publish({ ...ws.stores(), queue: outbox });
  await run();
  const server: RunningServer = await serveWithLocalHub(ws, { state, queue: outbox });
  const sub: WebSubSubscriber = await startSubscriber();
  open.push(server, sub, { close: () => ws.dispose() });
  const deps = {
    ...deliveryDeps(state, createHttpSender({ allowPrivateTargets: true, timeoutMs: 10_000 }), {
      output: new FsStore(ws.outDir),
    }),
    clock: ws.clock,
    random: () => 0.5,
  };
  return {
    ws,
    sub,
    subscriptions: new HubSubscriptions(state),
    deliver: () => drainOutbox(outbox, deps),
    async publish() {
      ws.clock.advance(60_000);
      return run();
    },
    async request(mode: string, topic: string) {
      const response = await fetch(`${server.url}/hub`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'hub.mode': mode, 'hub.topic': topic, 'hub.callback': sub.url }).toString(),
      });
      return { status: response.status, text: await response.text() };
    },
  };
}

describe('a topic feed as a WebSub topic', () => {
  it('advertises the built-in hub, is accepted and verified, and is distributed when (and only when) it changes', async () => {
    const hub = await startHub();
    const feed = await readFile(join(hub.ws.outDir, 'tags/markets/feed.xml'), 'utf8');
    expect(feed).toContain(`<atom:link href="${SITE}/hub" rel="hub"/>`);
    expect(feed).toContain(`<atom:link href="${MARKETS}" rel="self" type="application/rss+xml"/>`);

    const answer = await hub.request('subscribe', MARKETS);
    expect(answer.status, answer.text).toBe(202);
    await hub.deliver();
    expect(hub.sub.gets('subscribe').map((get) => get.params.get('hub.topic'))).toEqual([MARKETS]);
    expect((await hub.subscriptions.list()).subscriptions.map((s) => s.topic)).toEqual([MARKETS]);

    // An article in another topic changes the site's feeds, not this one: nothing is distributed.
    await hub.ws.write('bus.md', article('Night buses return', '2025-06-03T08:00:00Z', ['Transport']));
    await hub.publish();
    await hub.deliver();
    expect(hub.sub.posts()).toEqual([]);

    await hub.ws.write('stocks.md', article('Stocks rally', '2025-06-04T08:00:00Z', ['Markets']));
    const result = await hub.publish();
    const updated = result.events.find((event) => event.type === 'feed.updated');
    expect(updated?.type === 'feed.updated' && updated.data.changedFeeds).toContain(MARKETS);
    await hub.deliver();
    const posts = hub.sub.posts();
    expect(posts).toHaveLength(1);
    const served = await readFile(join(hub.ws.outDir, 'tags/markets/feed.xml'));
    expect(posts[0]?.sha256).toBe(createHash('sha256').update(served).digest('hex'));
    expect(posts[0]?.headers['content-type']).toMatch(/^application\/rss\+xml/);
    expect(posts[0]?.headers.link).toBe(`<${SITE}/hub>; rel="hub", <${MARKETS}>; rel="self"`);
    expect(served.toString('utf8')).toContain('Stocks rally');
  });

  it('accepts the archive documents a collection publishes, and refuses with 404 topics that have no article', async () => {
    const hub = await startHub();
    const archive = `${SITE}/tags/markets/archive/1/atom.xml`;
    await readFile(join(hub.ws.outDir, 'tags/markets/archive/1/atom.xml'));
    expect((await hub.request('subscribe', archive)).status).toBe(202);
    expect((await hub.request('subscribe', `${SITE}/archive/1/feed.json`)).status).toBe(202);

    const none = await hub.request('subscribe', `${SITE}/tags/weather/feed.xml`);
    expect(none.status).toBe(404);
    expect(none.text).toMatch(/tags\/weather\/feed\.xml" is not published now/);
    expect((await hub.request('subscribe', `${SITE}/tags/markets/archive/9/feed.xml`)).status).toBe(404);
    expect((await hub.request('subscribe', `${SITE}/tags/markets/index.html`)).status).toBe(404);
    await hub.deliver();
    expect(hub.sub.gets('subscribe')).toHaveLength(2);
  });

  it('denies the subscribers of a topic whose last article goes, and removes their subscriptions', async () => {
    const hub = await startHub();
    expect((await hub.request('subscribe', MARKETS)).status).toBe(202);
    expect((await hub.request('subscribe', `${SITE}/tags/transport/atom.xml`)).status).toBe(202);
    await hub.deliver();
    expect((await hub.subscriptions.list()).subscriptions).toHaveLength(2);

    await hub.ws.remove('bonds.md');
    const result = await hub.publish();
    expect(result.deleted).toContain('tags/markets/feed.xml');
    await hub.deliver();
    const denials = hub.sub.gets('denied');
    expect(denials.map((get) => Object.fromEntries(get.params))).toEqual([
      {
        'hub.mode': 'denied',
        'hub.topic': MARKETS,
        'hub.reason': 'the topic is no longer published: it has no article left',
      },
    ]);
    expect(hub.sub.posts()).toEqual([]);
    expect((await hub.subscriptions.list()).subscriptions.map((s) => s.topic)).toEqual([
      `${SITE}/tags/transport/atom.xml`,
    ]);
    // Unsubscribing from a topic that is gone is still verified, so a subscriber can always end what it started.
    expect((await hub.request('unsubscribe', MARKETS)).status).toBe(202);
    expect((await hub.request('subscribe', MARKETS)).status).toBe(404);
  });
});
