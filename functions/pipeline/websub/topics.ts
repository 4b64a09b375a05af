/**
 * Which WebSub topics are published now. The shape of a feed URL is the core's (`feedOfUrl`, core/websub/topics.ts);
 * whether its collection exists is the state's: a topic collection is published while its directory
 * (`collections/<kind>/<slug>/pages.json`) names at least one article, an archive document while the directory has
 * its page. The site's current documents always are. Reads one directory per collection asked about, so the hub
 * (which may read the state bucket, not the site bucket) and the handoff answer from the same place.
 */
import type { Site } from '../../core/article.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { directoryKey } from '../../core/state-keys.ts';
import { feedOfUrl, type SiteFeed } from '../../core/websub/topics.ts';
import { textOf } from '../publish/state.ts';

interface StoredPages {
  /** Numbers of the collection's archive pages, and its article count. */
  readonly numbers: ReadonlySet<number>;
  readonly articles: number;
}

/** The pages a collection's directory names, null when it has none; a damaged directory counts as published. */
async function pagesOf(state: ObjectStore, collection: string): Promise<StoredPages | 'unknown' | null> {
  const object = await state.get(directoryKey(collection));
  if (object === null) return null;
  try {
    const pages = (JSON.parse(textOf(object.body)) as { pages?: { number?: unknown; count?: unknown }[] }).pages;
    if (!Array.isArray(pages)) return 'unknown';
    return {
      numbers: new Set(pages.map((page) => Number(page.number))),
      articles: pages.reduce((sum, page) => sum + (typeof page.count === 'number' ? page.count : 0), 0),
    };
  } catch {
    // The publish run reports a damaged directory itself; the hub does not deny anyone over it.
    return 'unknown';
  }
}

/** Answers "is this feed published?" for many URLs, reading each collection's directory once. */
export class PublishedTopics {
  readonly #state: ObjectStore;
  readonly #site: Pick<Site, 'siteUrl' | 'topics'>;
  readonly #pages = new Map<string, Promise<StoredPages | 'unknown' | null>>();

  constructor(state: ObjectStore, site: Pick<Site, 'siteUrl' | 'topics'>) {
    this.#state = state;
    this.#site = site;
  }

  /** The feed `url` names when it is published now, else null (not a feed of this site, or not published). */
  async find(url: string): Promise<SiteFeed | null> {
    const feed = feedOfUrl(this.#site, url);
    if (feed === null) return null;
    // The site's current documents are topics from the first publish on (and before it: the hub may be asked first).
    if (feed.collection === 'site' && feed.page === null) return feed;
    let pages = this.#pages.get(feed.collection);
    if (pages === undefined) {
      pages = pagesOf(this.#state, feed.collection);
      this.#pages.set(feed.collection, pages);
    }
    const stored = await pages;
    if (stored === 'unknown') return feed;
    if (stored === null) return null;
    if (feed.collection !== 'site' && stored.articles === 0) return null;
    return feed.page === null || stored.numbers.has(feed.page) ? feed : null;
  }

  /** Those of `urls` that have the shape of a feed of this site but are not published now. */
  async unpublished(urls: Iterable<string>): Promise<Set<string>> {
    const gone = new Set<string>();
    for (const url of new Set(urls)) {
      if (feedOfUrl(this.#site, url) !== null && (await this.find(url)) === null) gone.add(url);
    }
    return gone;
  }
}
