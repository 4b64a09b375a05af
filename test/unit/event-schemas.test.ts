/**
 * The published webhook schemas: the repository's files are the ones the code writes, every event type is
 * described, and each kind of event the pipeline builds validates (and a broken one does not).
 */
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeEvent, type EventContext, feedUpdatedEvent } from '../../functions/core/diff.ts';
import { schemaFiles } from '../../functions/core/event-schemas.ts';
import { EVENT_TYPES, eventBody, type WebhookEvent } from '../../functions/core/events.ts';
import { imageOf, type LiveRecord } from '../../functions/core/records.ts';
import { schemaViolation } from '../helpers/event-schema.ts';
import { makeArticle } from '../helpers/sample-entries.ts';

const DIR = resolve(import.meta.dirname, '../../schemas/webhooks');
const context: EventContext = {
  feeds: {
    rss: 'https://news.example.com/feed.xml',
    atom: 'https://news.example.com/atom.xml',
    json: 'https://news.example.com/feed.json',
    home: 'https://news.example.com/',
  },
  articleUrl: (id) => `https://news.example.com/articles/${id}.html`,
  timestamp: '2026-01-01T00:00:00.000Z',
};

function live(version: number, overrides: Partial<LiveRecord['article']> = {}): LiveRecord {
  const article = { ...makeArticle({ id: 'story', title: 'Story' }), ...overrides };
  return {
    format: 3,
    state: 'live',
    id: 'story',
    source: 'articles/story.md',
    claimants: [],
    contentHash: article.contentHash,
    version,
    firstSeen: '2026-01-01T00:00:00.000Z',
    published: '2026-01-01T00:00:00.000Z',
    updated: '2026-01-01T00:00:00.000Z',
    normalizer: 'n',
    collections: ['site'],
    article,
  };
}

describe('webhook schemas', () => {
  it('in schemas/webhooks/ are what functions/core/event-schemas.ts writes (run `npm run schemas`)', async () => {
    const files = schemaFiles();
    expect((await readdir(DIR)).sort()).toEqual(Object.keys(files).sort());
    // Compared as JSON: the repository's copies are laid out by the formatter.
    for (const [name, text] of Object.entries(files)) {
      expect(JSON.parse(await readFile(resolve(DIR, name), 'utf8')), name).toEqual(JSON.parse(text));
    }
    expect(Object.keys(files)).toEqual(['schema.json', ...EVENT_TYPES.map((type) => `${type}.json`)]);
  });

  it('accept every kind of event the pipeline builds and refuse broken ones', () => {
    const v1 = live(1);
    const v2 = live(2, { title: 'Story, retitled', contentHash: 'h2', tags: ['harbour'] });
    const events: WebhookEvent[] = [
      changeEvent(null, imageOf(v1), context) as WebhookEvent,
      changeEvent(imageOf(v1), imageOf(v2), context) as WebhookEvent,
      changeEvent(imageOf(v2), null, context) as WebhookEvent,
      feedUpdatedEvent({ published: ['a'], updated: [], deleted: ['b'] }, 'hash', context),
      {
        id: 'evt_t',
        type: 'endpoint.test',
        timestamp: context.timestamp,
        data: { subscriberId: 'sub_1', feeds: context.feeds },
      },
      {
        id: 'evt_d',
        type: 'endpoint.disabled',
        timestamp: context.timestamp,
        data: {
          subscriberId: 'sub_1',
          url: 'https://hooks.example.com/in',
          reason: '410 Gone at 2026-01-01T00:00:00.000Z',
          disabledAt: '2026-01-01T00:00:00.000Z',
          consecutiveFailures: 1,
          enableCommand: 'wirefeed subscribers enable sub_1 --replay',
        },
      },
    ];
    expect(events.map((e) => e.type)).toEqual([...EVENT_TYPES]);
    for (const event of events) expect(schemaViolation(eventBody(event)), event.type).toBeNull();

    const moved = JSON.parse(eventBody(events[3] as WebhookEvent));
    expect(schemaViolation({ ...moved, data: { ...moved.data, moved: { from: context.feeds } } })).toBeNull();
    expect(schemaViolation({ ...moved, data: { ...moved.data, moved: {} } })).toMatch(/moved/);

    const body = JSON.parse(eventBody(events[1] as WebhookEvent));
    expect(body.data).toMatchObject({
      version: 2,
      tags: ['harbour'],
      changes: ['title', 'tags'],
      previous: { title: 'Story' },
    });
    expect(schemaViolation({ ...body, data: { ...body.data, version: 0 } })).toMatch(/version/);
    expect(schemaViolation({ ...body, data: { ...body.data, changes: ['colour'] } })).toMatch(/changes/);
    const { tags: _tags, ...untagged } = body.data;
    expect(schemaViolation({ ...body, data: untagged })).toMatch(/tags/);
    expect(schemaViolation({ ...body, type: 'article.renamed' })).not.toBeNull();
  });
});
