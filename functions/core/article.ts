/**
 * The Article model: the output of normalization and the input of rendering.
 * Contract in DESIGN.md ("Article").
 */
import { imageTypeOf } from './media-types.ts';
import type { TopicSettings } from './topics.ts';

/**
 * Inline content as a tree. Every string is plain text (never markup): the renderer (core/render/blocks.ts) is the
 * only HTML writer and escapes everything itself.
 */
export type InlineNode =
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'code'; readonly value: string }
  /** A hard line break. */
  | { readonly type: 'break' }
  | { readonly type: 'emphasis' | 'strong' | 'delete'; readonly children: readonly InlineNode[] }
  | { readonly type: 'link'; readonly href: string; readonly title?: string; readonly children: readonly InlineNode[] }
  | ({ readonly type: 'image' } & ImageRef)
  /** A reference to footnote `number` (1-based, in order of first reference). */
  | { readonly type: 'footnoteRef'; readonly number: number };

/** Inline content of a block: its plain text, and the inline tree when there is more to it than that text. */
export interface Inline {
  /** Plain text (no markup), NFC, whitespace collapsed. */
  readonly text: string;
  /** The inline tree; absent when the content is exactly `text` (always so for plain-text sources). */
  readonly content?: readonly InlineNode[];
}

/**
 * A link or image target as the model keeps it: an absolute `http:`, `https:` or `mailto:` (links also `tel:`)
 * URL; a path from the site root (`/articles/img/a.png`), which the renderer resolves against `siteUrl`; or, for
 * links only, a fragment (`#section`) that stays relative to the document.
 */
export type Href = string;

/** An image: where it is, and the words that stand for it. */
export interface ImageRef {
  /** An absolute http(s) URL, or a path from the site root (`/articles/img/a.png`) for an image under `content/`. */
  readonly src: Href;
  readonly alt: string;
  readonly title?: string;
}

export type TableAlign = 'left' | 'center' | 'right' | null;

export interface ListItem {
  readonly blocks: readonly Block[];
  /** A GFM task list item: `[x]` (true) or `[ ]` (false); absent for an ordinary item. */
  readonly checked?: boolean;
}

export type Block =
  | ({ readonly type: 'paragraph' } & Inline)
  | ({ readonly type: 'heading'; readonly level: 2 | 3 | 4 | 5 | 6 } & Inline)
  | { readonly type: 'quote'; readonly blocks: readonly Block[] }
  | {
      readonly type: 'list';
      readonly ordered: boolean;
      /** First number of an ordered list when it is not 1. */
      readonly start?: number;
      /** Loose lists (items separated by blank lines) wrap item paragraphs in `<p>`; tight ones do not. */
      readonly loose?: boolean;
      readonly items: readonly ListItem[];
    }
  /** A code block; `text` keeps every character and line break, `lang` is the first word of the fence's info. */
  | { readonly type: 'code'; readonly lang: string | null; readonly text: string }
  | {
      readonly type: 'table';
      readonly align: readonly TableAlign[];
      readonly head: readonly Inline[];
      readonly rows: readonly (readonly Inline[])[];
    }
  /** A thematic break (`---`). */
  | { readonly type: 'rule' }
  /** The footnotes, numbered in order of first reference; always the last block. */
  | {
      readonly type: 'footnotes';
      readonly items: readonly { readonly number: number; readonly blocks: readonly Block[] }[];
    };

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
  /** Front matter `draft: true`: normalized and checked, never published. */
  readonly draft: boolean;
  /** The lead image: front matter `image`, else the first image of the body; null when there is none. */
  readonly image: ImageRef | null;
  /** Content keys of the local images the article shows (lead image included), sorted: published with the site. */
  readonly assets: readonly string[];
  /** Front matter `canonical_url`: where the article first appeared, when that is not this site. */
  readonly canonicalUrl: string | null;
  /** Front matter `lang` (BCP 47), when the article's language differs from the site's. */
  readonly lang: string | null;
  /**
   * What publishing found of the local images in `assets`, by content key (set by the pipeline, which folds it into
   * `contentHash`, so a replaced image re-renders the article). An image missing here is shown as written.
   */
  readonly media?: Readonly<Record<string, AssetInfo>>;
}

/** What the pipeline knows of a published local file (an image under `content/`), by content key. */
export interface AssetInfo {
  /** Media type, e.g. `image/png`. */
  readonly type?: string;
  /** Size in bytes. */
  readonly length?: number;
  /** Intrinsic size in pixels. */
  readonly width?: number;
  readonly height?: number;
  /**
   * Where the image is published under the output root (`media/<hash>/a.png`): its URL names its bytes, so a
   * replaced image gets a new URL. Absent: the image is shown at the URL the article wrote.
   */
  readonly path?: string;
}

/** Assets by content key (`articles/img/a.png`); missing keys render without size, length or type. */
export type AssetCatalog = ReadonlyMap<string, AssetInfo>;

/** The catalog of the images publishing resolved for one article (`Article.media`). */
export function assetCatalogOf(article: Pick<Article, 'media'>): AssetCatalog {
  return new Map(Object.entries(article.media ?? {}));
}

/** An article as it is published: dates resolved by the pipeline (first-seen, last content change). */
export interface FeedEntry {
  readonly article: Article;
  /** ISO 8601: the source's date, else the first time the pipeline saw the article. */
  readonly published: string;
  /** ISO 8601: the source's `updated`, else the last time the content hash changed (>= published). */
  readonly updated: string;
  /**
   * The entry's permanent id in every feed (RSS guid, Atom id, JSON Feed id): the article URL when it was first
   * published, kept when the site moves (docs/ARCHITECTURE.md, "Entry ids"). Absent: the article URL.
   */
  readonly id?: string;
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
  /**
   * WebSub hubs announced in the feeds: the built-in hub first when it is on, then `site.json`'s `hubs` (which are
   * pinged when a feed changes).
   */
  readonly hubs: readonly string[];
  /** The built-in WebSub hub, present when `site.json` turns it on (`"hub": {"enabled": true}`). */
  readonly hub?: HubConfig;
  readonly copyright?: string;
  /** IANA time zone in which pages show dates (`parseSite` sets `UTC` by default); feeds carry full timestamps. */
  readonly timeZone?: string;
  /**
   * Topic collections per kind (categories, tags, authors): null turns a kind off. `parseSite` turns every kind on
   * with the site's item limit unless `site.json` says otherwise; absent, no topics are published.
   */
  readonly topics?: TopicSettings;
  /** The pages' icon (`<link rel="icon">`): an absolute URL or a path from the site root. */
  readonly favicon?: string;
}

/** Lease bounds of the built-in hub, in seconds: a requested lease is clamped to [min, max], `default` when none. */
export interface LeaseBounds {
  readonly min: number;
  readonly default: number;
  readonly max: number;
}

/** The built-in WebSub hub's settings (`site.json` `hub`). */
export interface HubConfig {
  /** Where the hub takes subscription requests: `<siteUrl>/hub` unless configured (in AWS, its HTTP API route). */
  readonly url: string;
  readonly lease: LeaseBounds;
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
  return articleUrlAt(site.siteUrl, id);
}

/** The URL of article `id`'s page under `siteUrl` (absolute, without trailing slash). */
export function articleUrlAt(siteUrl: string, id: string): string {
  return `${siteUrl}/articles/${encodeURIComponent(id)}.html`;
}

/** Every image of a block list, in document order (lists, quotes, tables and footnotes included). */
export function imagesIn(blocks: readonly Block[]): ImageRef[] {
  const found: ImageRef[] = [];
  const inline = (nodes: readonly InlineNode[] | undefined): void => {
    for (const node of nodes ?? []) {
      if (node.type === 'image')
        found.push({ src: node.src, alt: node.alt, ...(node.title === undefined ? {} : { title: node.title }) });
      else if ('children' in node) inline(node.children);
    }
  };
  const walk = (list: readonly Block[]): void => {
    for (const block of list) {
      switch (block.type) {
        case 'paragraph':
        case 'heading':
          inline(block.content);
          break;
        case 'quote':
          walk(block.blocks);
          break;
        case 'list':
          for (const item of block.items) walk(item.blocks);
          break;
        case 'table':
          for (const cell of [...block.head, ...block.rows.flat()]) inline(cell.content);
          break;
        case 'footnotes':
          for (const item of block.items) walk(item.blocks);
          break;
        default:
          break;
      }
    }
  };
  walk(blocks);
  return found;
}

/**
 * True when the article may be published at `now`: it has no date, or its date has come. A future `date` is a
 * scheduled article; the first build at or after that instant publishes it.
 */
export function isDue(article: Pick<Article, 'published'>, now: Date): boolean {
  if (article.published === null) return true;
  const time = Date.parse(article.published);
  return Number.isNaN(time) || time <= now.getTime();
}

/**
 * The absolute URL of a model `Href` (article.ts): absolute URLs as they are, site paths under `siteUrl`,
 * fragments unchanged (they point into the document that contains them).
 */
export function absoluteHref(site: Pick<Site, 'siteUrl'>, href: string): string {
  return href.startsWith('/') ? `${site.siteUrl}${href}` : href;
}

/** The site URL of a content key published as it is (`articles/img/a b.png` → `…/articles/img/a%20b.png`). */
export function assetUrl(site: Pick<Site, 'siteUrl'>, key: string): string {
  return `${site.siteUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The content key of a local image (`articles/img/a.png` for `/articles/img/a.png?v=2`), or null for a remote
 * image, a path that is not an image type wirefeed serves, or one that cannot be a file name.
 */
export function imageContentKey(src: string): string | null {
  if (!src.startsWith('/') || src.startsWith('//')) return null;
  const end = src.search(/[?#]/);
  let key: string;
  try {
    key = decodeURIComponent(end === -1 ? src : src.slice(0, end)).slice(1);
  } catch {
    return null;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (key === '' || key.endsWith('/') || /[\u0000-\u001f\u007f\\]/.test(key)) return null;
  return imageTypeOf(key) === null ? null : key;
}
