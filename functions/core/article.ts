/**
 * The Article model: the output of normalization and the input of rendering.
 * Contract in DESIGN.md ("Article").
 */

/** Inline content of a block: plain text, and the same content as safe inline HTML. */
export interface Inline {
  /** Plain text (no markup), NFC, whitespace collapsed. */
  readonly text: string;
  /**
   * Safe inline HTML: text escaped (`&`, `<`, `>`), plus only the tags `a[href]` (http, https, mailto),
   * `em`, `strong`, `code`, `br`. For plain-text sources this is the escaped text.
   */
  readonly html: string;
}

export type Block =
  | ({ readonly type: 'paragraph' } & Inline)
  | ({ readonly type: 'heading'; readonly level: 2 | 3 | 4 | 5 | 6 } & Inline)
  | ({ readonly type: 'quote' } & Inline)
  | { readonly type: 'list'; readonly ordered: boolean; readonly items: readonly Inline[] };

export type SourceFormat = 'txt' | 'md';

export interface Article {
  /** Stable identity: front matter `id`, else the slug of the source file name. Never derived from the title. */
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly keyPoints: readonly string[];
  readonly authors: readonly string[];
  readonly category: string | null;
  readonly tags: readonly string[];
  /** ISO 8601 from the source, or null when the source has no date. */
  readonly published: string | null;
  /** ISO 8601 from the source, or null. */
  readonly updated: string | null;
  readonly body: readonly Block[];
  /** Boilerplate lines removed from the body, kept for transparency. */
  readonly dropped: readonly string[];
  /** sha256 hex of the normalized content (every field above except `dropped`); a whitespace-only edit keeps it. */
  readonly contentHash: string;
  /** Source path relative to the content root, e.g. `articles/foo.txt`. */
  readonly source: string;
  readonly format: SourceFormat;
}

/** An article as it is published: dates resolved by the pipeline (first-seen, last content change). */
export interface FeedEntry {
  readonly article: Article;
  /** ISO 8601: the source's date, else the first time the pipeline saw the article. */
  readonly published: string;
  /** ISO 8601: the source's `updated`, else the last time the content hash changed (>= published). */
  readonly updated: string;
}

/** What the index page needs of an entry: its headline fields, not its body. A FeedEntry is one. */
export interface IndexEntry {
  readonly article: Pick<Article, 'id' | 'title' | 'summary' | 'authors'>;
  readonly published: string;
  readonly updated: string;
}

/** Site configuration (`content/site.json`). */
export interface Site {
  readonly title: string;
  /** Absolute base URL without trailing slash, e.g. `https://news.example.com`. */
  readonly siteUrl: string;
  readonly description: string;
  /** BCP 47 language tag, e.g. `en`. */
  readonly language: string;
  readonly author: { readonly name: string; readonly email?: string; readonly url?: string };
  /** Maximum number of items in each feed (default 50). */
  readonly itemLimit: number;
  /** WebSub hubs announced in the feeds (optional). */
  readonly hubs: readonly string[];
  readonly copyright?: string;
}

/** A file to publish under the output root. */
export interface OutputFile {
  /** Key relative to the output root, e.g. `feed.xml`, `articles/foo.html`. */
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** URL of an article's page. */
export function articleUrl(site: Site, id: string): string {
  return `${site.siteUrl}/articles/${encodeURIComponent(id)}.html`;
}

/** URLs of the three feeds. */
export function feedUrls(site: Site): { rss: string; atom: string; json: string; home: string } {
  return {
    rss: `${site.siteUrl}/feed.xml`,
    atom: `${site.siteUrl}/atom.xml`,
    json: `${site.siteUrl}/feed.json`,
    home: `${site.siteUrl}/`,
  };
}
