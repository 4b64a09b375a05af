/**
 * JSON Schemas (draft 2020-12) of the webhook bodies wirefeed sends, `{type, timestamp, data}`, one per event type,
 * and one for any of them. The source of truth: `schemas/webhooks/*.json` in the repository are written from here
 * (`npm run schemas`, checked by a test), and publish puts `webhooks/schema.json` on the site.
 *
 * Changes are additive: a field may be added (receivers ignore what they do not know, so no schema here forbids
 * extra properties), never removed or retyped.
 */
import { ARTICLE_FIELDS, EVENT_TYPES, type EventType } from './events.ts';

type Schema = Readonly<Record<string, unknown>>;

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
/** Output path of the combined schema on the published site. */
export const WEBHOOK_SCHEMA_PATH = 'webhooks/schema.json';

const text = { type: 'string' } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const url = { type: 'string', format: 'uri' } as const;
const texts = { type: 'array', items: text } as const;

/** Links to the site’s feeds and front page: absolute URLs under `siteUrl` (described here, not format-checked). */
const siteLink = { type: 'string', description: 'An absolute URL of the site.' } as const;
const feeds: Schema = {
  type: 'object',
  description: 'The site’s feeds and front page.',
  required: ['rss', 'atom', 'json', 'home'],
  properties: { rss: siteLink, atom: siteLink, json: siteLink, home: siteLink },
};

const articleProperties = {
  id: { ...text, description: 'The article’s stable id (its page is `articles/<id>.html`).' },
  title: text,
  summary: text,
  url: { ...url, description: 'The article’s page.' },
  published: instant,
  updated: instant,
  authors: texts,
  category: { type: ['string', 'null'] },
  tags: texts,
  version: {
    type: 'integer',
    minimum: 1,
    description:
      'The article’s version: 1 when first published, +1 at every announced change, kept across delete and restore. Events about one article are ordered by it; there is no order across articles.',
  },
  feeds,
} as const;

/** Present when the site has topic collections (core/topics.ts): optional, so older events still validate. */
const topicProperties = {
  topics: {
    ...texts,
    description: 'The topics the article is in (`tag:markets`, `category:politics`, `author:ana-lima`), sorted.',
  },
  leftTopics: { ...texts, description: 'For article.updated: the topics the change took the article out of.' },
} as const;

const articleData = (extra: Schema = {}, required: readonly string[] = []): Schema => ({
  type: 'object',
  required: [...Object.keys(articleProperties), ...required],
  properties: { ...articleProperties, ...topicProperties, ...extra },
});

const updateProperties: Schema = {
  changes: {
    type: 'array',
    description: 'The fields whose content changed since the previous version.',
    items: { enum: [...ARTICLE_FIELDS] },
    uniqueItems: true,
  },
  previous: {
    type: 'object',
    description: 'What the previous version said, for the fields named here that changed.',
    properties: { title: text },
  },
};

const DATA: Readonly<Record<EventType, Schema>> = {
  'article.published': articleData(),
  'article.updated': articleData(updateProperties, ['changes']),
  'article.deleted': articleData(),
  'feed.updated': {
    type: 'object',
    required: ['feeds', 'published', 'updated', 'deleted'],
    properties: {
      feeds,
      moved: {
        type: 'object',
        description: 'Present when the site moved to a new siteUrl in this build: the feed URLs before.',
        required: ['from'],
        properties: { from: feeds },
      },
      published: { ...texts, description: 'Ids of the articles published by the build.' },
      updated: { ...texts, description: 'Ids of the articles updated by the build.' },
      deleted: { ...texts, description: 'Ids of the articles deleted by the build.' },
      changedFeeds: {
        ...texts,
        description: 'URLs of the feeds whose bytes changed in this build (the WebSub topics announced).',
      },
    },
  },
  'endpoint.test': {
    type: 'object',
    required: ['subscriberId', 'feeds'],
    properties: { subscriberId: text, feeds },
  },
  'endpoint.disabled': {
    type: 'object',
    required: ['subscriberId', 'url', 'reason', 'disabledAt', 'consecutiveFailures', 'enableCommand'],
    properties: {
      subscriberId: text,
      url: { ...text, description: 'The subscriber’s URL, credentials masked.' },
      description: text,
      reason: text,
      disabledAt: instant,
      failingSince: instant,
      lastSuccess: instant,
      consecutiveFailures: { type: 'integer', minimum: 0 },
      lastError: text,
      enableCommand: text,
    },
  },
};

const DESCRIPTIONS: Readonly<Record<EventType, string>> = {
  'article.published': 'An article appeared (or came back after a delete, with its next version).',
  'article.updated': 'An article’s content changed; `changes` names the fields.',
  'article.deleted': 'An article was removed (or became a draft); `data` is its last announced version.',
  'feed.updated': 'The feeds changed in a build; lists the ids it published, updated and deleted.',
  'endpoint.test': 'Sent by `wirefeed subscribers test` to one subscriber.',
  'endpoint.disabled': 'A subscriber stopped receiving deliveries (to operator subscribers only).',
};

function envelope(type: EventType): Schema {
  return {
    title: type,
    description: `${DESCRIPTIONS[type]} The webhook-id header carries the event id: receivers de-duplicate on it.`,
    type: 'object',
    required: ['type', 'timestamp', 'data'],
    properties: { type: { const: type }, timestamp: instant, data: DATA[type] },
  };
}

/** The schema of one event type's body, standalone. */
export function eventSchema(type: EventType): Schema {
  return { $schema: DRAFT, ...envelope(type) };
}

/** The schema of any webhook body wirefeed sends: one of the event types, told apart by `type`. */
export function webhookSchema(): Schema {
  return {
    $schema: DRAFT,
    title: 'wirefeed webhook',
    description:
      'The JSON body of every webhook wirefeed sends (Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature headers).',
    oneOf: EVENT_TYPES.map((type) => ({ $ref: `#/$defs/${type}` })),
    $defs: Object.fromEntries(EVENT_TYPES.map((type) => [type, envelope(type)])),
  };
}

/** A schema as the repository and the site store it. */
export function schemaText(schema: Schema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Every schema file of `schemas/webhooks/`, by file name. */
export function schemaFiles(): Record<string, string> {
  return {
    'schema.json': schemaText(webhookSchema()),
    ...Object.fromEntries(EVENT_TYPES.map((type) => [`${type}.json`, schemaText(eventSchema(type))])),
  };
}
