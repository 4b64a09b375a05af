/**
 * What integrators get in article events through publish: a per-article version that grows with every announced
 * change, the changed fields and the previous title, tags, an `article.*` subscription, and the webhook schema
 * published with the site. (Every event here is also validated against that schema by the test helpers.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { webhookSchema } from '../../functions/core/event-schemas.ts';
import type { ArticleEventData, WebhookEvent } from '../../functions/core/events.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { schemaViolation } from '../helpers/event-schema.ts';
import { markdownArticle, TEST_SITE, Workspace, webhookJobs } from '../helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.dispose();
});

const articleEvent = (events: readonly WebhookEvent[]) => {
  const found = events.filter((e) => e.type.startsWith('article.'));
  expect(found).toHaveLength(1);
  return found[0] as WebhookEvent & { data: ArticleEventData };
};

describe('article event payloads', () => {
  it('carry a version that grows with each announced change, the changed fields, the previous title and tags', async () => {
    const story = (title: string, body: string, tags: string) =>
      `---\ntitle: ${title}\ntags: [${tags}]\nauthor: Ana Ruiz\n---\n\n${body}\n`;
    await ws.write('story.md', story('Harbour to reopen', 'The harbour reopens.', 'harbour'));
    const first = articleEvent((await ws.publish()).events);
    expect(first.type).toBe('article.published');
    expect(first.data).toMatchObject({ version: 1, tags: ['harbour'], authors: ['Ana Ruiz'] });
    expect(first.data).not.toHaveProperty('changes');

    // The summary is the first paragraph when front matter gives none: a body edit there changes both.
    const steps: [string, string, string, string[], Record<string, unknown>][] = [
      ['Harbour reopens on Monday', 'The harbour reopens.', 'harbour', ['title'], { title: 'Harbour to reopen' }],
      ['Harbour reopens on Monday', 'The harbour reopens at dawn.', 'harbour', ['summary', 'body'], {}],
      ['Harbour reopens on Monday', 'The harbour reopens at dawn.', 'harbour, transport', ['tags'], {}],
      [
        'Harbour open',
        'The harbour is open.',
        'harbour, transport',
        ['title', 'summary', 'body'],
        { title: 'Harbour reopens on Monday' },
      ],
    ];
    let version = 1;
    for (const [title, body, tags, changes, previous] of steps) {
      ws.clock.advance(60_000);
      await ws.write('story.md', story(title, body, tags));
      const event = articleEvent((await ws.publish()).events);
      version++;
      expect(event.type).toBe('article.updated');
      expect(event.data.version).toBe(version);
      expect(event.data.changes).toEqual(changes);
      if (Object.keys(previous).length === 0) expect(event.data).not.toHaveProperty('previous');
      else expect(event.data.previous).toEqual(previous);
      expect(event.data.tags).toEqual(tags.split(', '));
    }

    // A whitespace-only edit announces nothing and keeps the version; a delete and a restore continue it.
    await ws.write('story.md', `${story('Harbour open', 'The harbour is open.', 'harbour, transport')}\n\n`);
    expect((await ws.publish()).events).toEqual([]);
    await ws.remove('story.md');
    const deleted = articleEvent((await ws.publish()).events);
    expect([deleted.type, deleted.data.version]).toEqual(['article.deleted', version]);
    await ws.write('story.md', story('Harbour open', 'The harbour is open.', 'harbour, transport'));
    const restored = articleEvent((await ws.publish()).events);
    expect([restored.type, restored.data.version]).toEqual(['article.published', version + 1]);
  });

  it('reach a subscriber of article.* and not of feed.updated', async () => {
    const repository = new SubscriberRepository(new FsStore(ws.stateDir));
    const articles = await repository.add('https://articles.example.com/in', {
      events: ['article.*'],
      allowPrivateTargets: false,
      now: ws.clock.now(),
    });
    const feeds = await repository.add('https://feeds.example.com/in', {
      events: ['feed.updated'],
      allowPrivateTargets: false,
      now: ws.clock.now(),
    });
    await ws.write('a.md', markdownArticle('A', 'Body.'));
    await ws.publish();
    await ws.write('a.md', markdownArticle('A', 'Body, corrected.'));
    await ws.publish();
    const jobs = (id: string) =>
      webhookJobs(ws.queue.jobs)
        .filter((j) => j.subscriberId === id)
        .map((j) => j.event.type);
    expect(jobs(articles.id)).toEqual(['article.published', 'article.updated']);
    expect(jobs(feeds.id)).toEqual(['feed.updated', 'feed.updated']);
  });

  it('a subscriber filter of article.* is accepted by the CLI and stored as given', async () => {
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), env: {}, cwd: ws.root };
    expect(await main(['subscribers', 'add', 'https://hooks.example.com/in', '--events', 'article.*'], io)).toBe(0);
    const [subscriber] = await new SubscriberRepository(new FsStore(ws.stateDir)).list();
    expect(subscriber?.events).toEqual(['article.*']);
  });
});

describe('the webhook schema on the site', () => {
  it('is published at webhooks/schema.json as JSON, once: an unchanged build does not write it again', async () => {
    await ws.write('a.md', markdownArticle('A', 'Body.'));
    const first = await ws.publish();
    expect(first.written).toContain('webhooks/schema.json');
    const text = await readFile(join(ws.outDir, 'webhooks/schema.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(webhookSchema());
    // The published schema accepts what this build sent.
    for (const event of first.events) {
      expect(schemaViolation({ type: event.type, timestamp: event.timestamp, data: event.data })).toBeNull();
    }
    await ws.write('b.md', markdownArticle('B', 'Body.'));
    const output = new CountingStore(new FsStore(ws.outDir));
    const second = await ws.publish({ output });
    expect(second.written).not.toContain('webhooks/schema.json');
    // A schema that differs from this release's (an older release's, or a damaged file) is replaced by the next run
    // that renders every page (a release bumps RENDER_VERSION; here a site.json change).
    await import('node:fs/promises').then((fs) => fs.writeFile(join(ws.outDir, 'webhooks/schema.json'), '{}'));
    await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...TEST_SITE, title: 'Renamed' }));
    expect((await ws.publish()).written).toContain('webhooks/schema.json');
    expect(await readFile(join(ws.outDir, 'webhooks/schema.json'), 'utf8')).toBe(text);
  });
});
