/**
 * Publisher pings: a hub named in site.json (`hubs`) is a real HTTP server on loopback that counts what it receives.
 * Each changed feed (current and archive documents alike) reaches it exactly once (5xx answers are retried on the schedule, with a pinned clock), an
 * unchanged rebuild reaches it not at all, and the built-in hub is never pinged over HTTP.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { type DeliveryDeps, deliveryDeps, drainOutbox } from '../../functions/pipeline/deliver.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';

const FEEDS = ['feed.xml', 'atom.xml', 'feed.json'].map((path) => `${TEST_SITE.siteUrl}/${path}`);
/** The first publish of a site also publishes its first archive page's documents: six feeds change. */
const FIRST = [...FEEDS, ...['feed.xml', 'atom.xml', 'feed.json'].map((f) => `${TEST_SITE.siteUrl}/archive/1/${f}`)];

/** The feed URLs a publish names as changed. */
function changedFeeds(result: { events: readonly WebhookEvent[] }): string[] {
  const updated = result.events.find((event) => event.type === 'feed.updated');
  return updated?.type === 'feed.updated' ? [...(updated.data.changedFeeds ?? [])].sort() : [];
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setUp(reply: Receiver['reply'], extraSite: object = {}) {
  const hub = await startReceiver({ reply });
  const ws = await Workspace.create({ ...TEST_SITE, hubs: [hub.url], ...extraSite });
  cleanups.push(
    () => hub.close(),
    () => ws.dispose(),
  );
  const state = new FsStore(ws.stateDir);
  const outbox = new OutboxQueue(state);
  const deps: DeliveryDeps = {
    ...deliveryDeps(state, createHttpSender({ allowPrivateTargets: true, timeoutMs: 10_000 }), {
      output: new FsStore(ws.outDir),
    }),
    clock: ws.clock,
    random: () => 0.5,
  };
  return {
    hub,
    ws,
    outbox,
    publish: () => publish({ ...ws.stores(), queue: outbox }),
    /** Delivery rounds until nothing is pending, the pinned clock moved to each retry instead of waited for. */
    drain: () =>
      drainOutbox(outbox, deps, {
        waitForRetries: true,
        sleep: async (ms) => ws.clock.advance(ms),
      }),
  };
}

/** The topics of the pings the hub answered 2xx, in order. */
function pinged(hub: Receiver): string[] {
  return hub.requests
    .filter((request) => request.status !== null && request.status < 300)
    .map((request) => new URLSearchParams(request.body).get('hub.url') ?? '');
}

describe('publisher pings', () => {
  it('reach a hub from site.json once per changed feed, as hub.mode=publish with hub.topic and hub.url', async () => {
    const { hub, ws, publish, drain } = await setUp(() => ({ kind: 'status', status: 204 }));
    await ws.write('a.md', markdownArticle('A', 'First.'));
    expect(changedFeeds(await publish())).toEqual([...FIRST].sort());
    expect(await drain()).toMatchObject({ delivered: 6, dead: 0 });
    expect(pinged(hub).sort()).toEqual([...FIRST].sort());
    for (const request of hub.requests) {
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const form = new URLSearchParams(request.body);
      expect(form.get('hub.mode')).toBe('publish');
      expect(form.get('hub.topic')).toBe(form.get('hub.url'));
    }
  });

  it('are retried on 5xx until the hub takes them, and each feed is still announced once', async () => {
    let answered = 0;
    const { hub, ws, publish, drain } = await setUp(() => {
      answered++;
      // The first attempt of each feed fails, and so does the first retry of one of them.
      return { kind: 'status', status: answered <= 4 ? 503 : 202 };
    });
    await ws.write('a.md', markdownArticle('A', 'First.'));
    await publish();
    const summary = await drain();
    expect(summary).toMatchObject({ delivered: 6, retried: 4, dead: 0 });
    expect(hub.requests).toHaveLength(10);
    expect(pinged(hub).sort()).toEqual([...FIRST].sort());
  });

  it('are not sent on an unchanged rebuild, and sent again, once per feed, on the next change', async () => {
    const { hub, ws, publish, drain } = await setUp(() => ({ kind: 'status', status: 204 }));
    await ws.write('a.md', markdownArticle('A', 'First.'));
    await publish();
    await drain();
    ws.clock.advance(60_000);
    expect((await publish()).events).toEqual([]);
    await drain();
    expect(hub.requests).toHaveLength(6);
    await ws.write('b.md', markdownArticle('B', 'Second.'));
    ws.clock.advance(60_000);
    // Both articles are in the feed window: only the current documents change, the archive page's do not.
    expect(changedFeeds(await publish())).toEqual([...FEEDS].sort());
    await drain();
    expect(hub.requests).toHaveLength(9);
    expect(pinged(hub).slice(6).sort()).toEqual([...FEEDS].sort());
  });

  it('are dead-lettered with the hub’s last answer once the schedule runs out', async () => {
    const { hub, ws, publish, drain, outbox } = await setUp(() => ({ kind: 'status', status: 500 }));
    await ws.write('a.md', markdownArticle('A', 'First.'));
    await publish();
    expect(await drain()).toMatchObject({ delivered: 0, dead: 6 });
    expect(hub.requests).toHaveLength(6 * 8);
    const dead = await outbox.listDead();
    expect(dead.map((letter) => [letter.job.kind, letter.reason, letter.job.lastStatus])).toEqual(
      FIRST.map(() => ['websub.ping', 'expired', 500]),
    );
  });

  it('go only to the other hubs when the built-in hub is on: it distributes without a ping', async () => {
    const { hub, ws, publish, drain } = await setUp(() => ({ kind: 'status', status: 204 }), {
      hub: { enabled: true },
    });
    await ws.write('a.md', markdownArticle('A', 'First.'));
    const result = await publish();
    const feed = await ws.outputFiles();
    expect(feed['atom.xml']).toContain(`<link rel="hub" href="${TEST_SITE.siteUrl}/hub"/>`);
    expect(result.events.some((event) => event.type === 'feed.updated')).toBe(true);
    // A ping to the built-in hub (news.example.com, which does not resolve here) would fail and be retried.
    expect(await drain()).toMatchObject({ delivered: 6, retried: 0, dead: 0, dropped: 0 });
    expect(hub.requests).toHaveLength(6);
  });

  it('still go when a hub subscription record is damaged: the publish names it once, by key, and goes on', async () => {
    const { hub, ws, publish, drain } = await setUp(() => ({ kind: 'status', status: 204 }), {
      hub: { enabled: true },
    });
    await mkdir(join(ws.stateDir, 'websub/subscriptions'), { recursive: true });
    await writeFile(join(ws.stateDir, 'websub/subscriptions/ws_damaged.json'), '{"id": "ws_dam');
    await ws.write('a.md', markdownArticle('A', 'First.'));
    const result = await publish();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.key).toBe('websub/subscriptions/ws_damaged.json');
    expect(result.problems[0]?.reason).not.toContain(ws.stateDir);
    expect(result.problems[0]?.reason).toMatch(/^hub subscription is .*; skipped$/);
    expect(await drain()).toMatchObject({ delivered: 6, dead: 0 });
    expect(hub.requests).toHaveLength(6);
  });
});
