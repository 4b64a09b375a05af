/**
 * Topics: the categories, tags and authors articles name, each published as a collection of its own (its feeds,
 * archive pages and front page under `<kind>/<slug>/`), and the filter language subscribers use for them
 * (`tag:markets,category:politics`). Pure (docs/ARCHITECTURE.md, "Topic collections").
 */
import type { Article, Site } from './article.ts';
import { ConfigError } from './errors.ts';
import { sha256 } from './hash.ts';
import { slugify } from './normalize/slug.ts';

/** A kind of topic: its collection id prefix and output directory (`tags`), and how a filter names it (`tag`). */
export interface TopicKindDefinition {
  readonly kind: TopicKind;
  /** The word of the filter language: `tag:markets`. */
  readonly singular: string;
  /** Shown on pages: "Tag: Markets". */
  readonly heading: string;
  /** The names of this kind an article has. */
  namesOf(article: Pick<Article, 'category' | 'tags' | 'authors'>): readonly string[];
}

export type TopicKind = 'categories' | 'tags' | 'authors';

/** Every topic kind, in the order pages list them. */
export const TOPIC_KINDS: readonly TopicKindDefinition[] = [
  {
    kind: 'categories',
    singular: 'category',
    heading: 'Category',
    namesOf: (article) => (article.category === null ? [] : [article.category]),
  },
  { kind: 'tags', singular: 'tag', heading: 'Tag', namesOf: (article) => article.tags },
  { kind: 'authors', singular: 'author', heading: 'Author', namesOf: (article) => article.authors },
];

/** What `site.json` says of one kind: off (null), or on with its feed window's item count. */
export interface TopicKindSettings {
  readonly itemLimit: number;
}

export type TopicSettings = Readonly<Record<TopicKind, TopicKindSettings | null>>;

/** `+` and `#` that follow a letter, a digit or another of them: part of the name ("C++", "C#", "F#"). */
const SPELLED_SYMBOLS = /(?<=[\p{L}\p{N}+#])[+#]/gu;

/**
 * The slug of a topic name: `slugify`, with `+` and `#` after a letter or digit spelled out first ("C++" →
 * `c-plus-plus`, "C#" → `c-sharp`, while "#breaking" is `breaking`), or for a name with no Latin letter or digit
 * ("日本") a short hash of it, so every topic has a stable path. Names that differ only in case, accents, spacing or
 * punctuation share a slug and so one collection ("Économie" and "economie"; docs/ARCHITECTURE.md, "Topic
 * collections", for the name it is shown under).
 */
export function topicSlug(name: string): string {
  const slug = slugify(name.replace(SPELLED_SYMBOLS, (ch) => (ch === '+' ? ' plus ' : ' sharp ')));
  return slug !== '' ? slug : `t-${sha256(name.normalize('NFC')).slice(0, 12)}`;
}

/** A topic an article belongs to. */
export interface TopicRef {
  /** Collection id and output directory: `tags/markets`. */
  readonly id: string;
  readonly kind: TopicKindDefinition;
  /** The name as the article writes it. */
  readonly name: string;
}

/** The topics of an article under the site's settings (kinds turned off contribute none), without duplicates. */
export function topicsOf(
  site: Pick<Site, 'topics'>,
  article: Pick<Article, 'category' | 'tags' | 'authors'>,
): TopicRef[] {
  const refs: TopicRef[] = [];
  const seen = new Set<string>();
  for (const kind of TOPIC_KINDS) {
    if (site.topics?.[kind.kind] == null) continue;
    for (const name of kind.namesOf(article)) {
      if (name.trim() === '') continue;
      const id = `${kind.kind}/${topicSlug(name)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      refs.push({ id, kind, name: name.trim() });
    }
  }
  return refs;
}

/** The kind of a topic collection id (`tags/markets` → tags), or null for another collection. */
export function topicKindOf(id: string): TopicKindDefinition | null {
  const slash = id.indexOf('/');
  if (slash === -1) return null;
  return TOPIC_KINDS.find((k) => k.kind === id.slice(0, slash)) ?? null;
}

/**
 * Parses a topic filter (`tag:markets,category:politics`, names or slugs, any case) into sorted collection ids.
 * A ConfigError names `option` and the first bad term.
 */
export function parseTopicFilter(text: string, option = '--topics'): string[] {
  const ids = new Set<string>();
  for (const raw of text.split(',')) {
    const term = raw.trim();
    const colon = term.indexOf(':');
    const word = colon === -1 ? '' : term.slice(0, colon).trim().toLowerCase();
    const name = colon === -1 ? '' : term.slice(colon + 1).trim();
    const kind = TOPIC_KINDS.find((k) => k.singular === word || k.kind === word);
    if (kind === undefined || name === '') {
      const kinds = TOPIC_KINDS.map((k) => `${k.singular}:NAME`).join(', ');
      throw new ConfigError(`${option}: "${term}" is not a topic (expected ${kinds}, separated by commas)`);
    }
    ids.add(`${kind.kind}/${topicSlug(name)}`);
  }
  return [...ids].sort();
}

/** A topic collection id in the filter language (`tags/markets` → `tag:markets`). */
export function topicFilterTerm(id: string): string {
  const kind = topicKindOf(id);
  return kind === null ? id : `${kind.singular}:${id.slice(kind.kind.length + 1)}`;
}
