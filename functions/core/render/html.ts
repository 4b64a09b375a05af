/**
 * HTML pages: the archive pages of every collection (`<base>index.html` is the newest, `<base>archive/<n>.html` every
 * one; `base` is `''` for the site, `tags/<slug>/` for a topic), one page per article (`articles/<id>.html`) and the
 * not-found page (`404.html`). Valid HTML5, no scripts; light and dark colour schemes; description, OpenGraph and
 * Twitter card tags for link previews.
 */
import {
  type AssetCatalog,
  absoluteHref,
  articleUrl,
  assetCatalogOf,
  type FeedEntry,
  type IndexEntry,
  imagesIn,
  type Site,
} from '../article.ts';
import { currentFeedPath, FEED_FORMATS, feedUrlSet } from '../feeds.ts';
import { escapeAttr, escapeHtml } from '../text.ts';
import { topicsOf } from '../topics.ts';
import { type BlockRenderOptions, imageHtml, renderBlocksHtml } from './blocks.ts';
import { authorsOf, clean, renderKeyPointsHtml, toUtcIso } from './entries.ts';
import { leadMedia } from './media.ts';

/** Where a collection publishes and what its pages and feeds call it. */
export interface CollectionView {
  /** Output directory: `''` for the site, `tags/markets/` for a topic. */
  readonly base: string;
  /** Title of its feeds and front page ("Markets · Example News"). */
  readonly title: string;
  /** The page heading ("Tag: Markets"). */
  readonly heading: string;
  readonly description: string;
}

/** The whole site as a collection. */
export function siteCollectionView(site: Site): CollectionView {
  return { base: '', title: site.title, heading: site.title, description: site.description };
}

const STYLE = `body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 system-ui,sans-serif;color:#222;background:#fff}
h1,h2,h3{line-height:1.25}
a{color:#0645ad}
.meta,.terms{color:#555;font-size:.9rem}
.key-points{background:#f5f5f5;padding:.75rem 1rem .75rem 2rem;border-radius:.25rem}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid #ccc;color:#444}
ol.articles{list-style:none;padding:0}
ol.articles li{margin:0 0 1.25rem}
nav{margin:2rem 0;font-size:.9rem}
img{max-width:100%;height:auto}
figure{margin:1rem 0}
pre{overflow-x:auto;background:#f5f5f5;padding:.75rem 1rem;border-radius:.25rem}
code{font-size:.9em}
table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25rem .5rem}
.footnotes{font-size:.9rem}
.terms a{margin-right:.25rem}
@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#121212}a{color:#8ab4f8}.meta,.terms{color:#b0b0b0}.key-points,pre{background:#1e1e1e}blockquote{border-left-color:#555;color:#ccc}th,td{border-color:#555}}`;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * "1 March 2024": the calendar day in the site's time zone (UTC unless `site.json` names one), in the same words
 * whatever the machine's locale and time zone.
 */
function formatDate(iso: string, timeZone = 'UTC'): string {
  const date = new Date(toUtcIso(iso));
  if (timeZone === 'UTC') return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${part('day')} ${MONTHS[part('month') - 1]} ${part('year')}`;
}

function esc(value: string): string {
  return escapeHtml(clean(value));
}

function attr(value: string): string {
  return escapeAttr(clean(value));
}

/** "By A", "By A and B", "By A, B and C". */
function byline(names: readonly string[]): string {
  if (names.length <= 1) return `By ${names.join('')}`;
  return `By ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Autodiscovery links of a collection's current feeds, from the feed registry. */
function feedAlternates(site: Site, view: CollectionView): string {
  const urls = feedUrlSet(site.siteUrl, (format) => currentFeedPath(view.base, format));
  const title = attr(view.title);
  return FEED_FORMATS.map(
    (f) => `<link rel="alternate" type="${f.mediaType}" title="${title} (${f.label})" href="${attr(urls[f.id])}">`,
  ).join('\n');
}

/** "Subscribe: RSS · Atom · JSON Feed", relative to the page (`prefix` leads from the page to the collection). */
function subscribeLinks(prefix: string): string {
  return `<nav>Subscribe: ${FEED_FORMATS.map((f) => `<a href="${attr(prefix + f.file)}">${esc(f.label)}</a>`).join(' · ')}</nav>`;
}

/** The way from a published path back to the output root (`tags/m/index.html` → `../../`). */
function rootOf(path: string): string {
  return '../'.repeat(path.split('/').length - 1);
}

/** What link previews show of a page. */
interface Preview {
  readonly type: 'website' | 'article';
  readonly title: string;
  readonly description: string;
  readonly url: string;
  readonly image?: { readonly url: string; readonly alt: string };
}

function previewTags(site: Site, preview: Preview): string {
  const tags: [string, string, string][] = [
    ['property', 'og:type', preview.type],
    ['property', 'og:site_name', site.title],
    ['property', 'og:title', preview.title],
    ['property', 'og:url', preview.url],
    ['property', 'og:locale', site.language.replace('-', '_')],
  ];
  if (preview.description !== '') tags.push(['property', 'og:description', preview.description]);
  if (preview.image !== undefined) {
    tags.push(['property', 'og:image', preview.image.url]);
    if (preview.image.alt !== '') tags.push(['property', 'og:image:alt', preview.image.alt]);
  }
  tags.push(['name', 'twitter:card', preview.image === undefined ? 'summary' : 'summary_large_image']);
  tags.push(['name', 'twitter:title', preview.title]);
  if (preview.description !== '') tags.push(['name', 'twitter:description', preview.description]);
  if (preview.image !== undefined) tags.push(['name', 'twitter:image', preview.image.url]);
  const description =
    preview.description === '' ? '' : `<meta name="description" content="${attr(preview.description)}">\n`;
  return description + tags.map(([key, name, value]) => `<meta ${key}="${name}" content="${attr(value)}">`).join('\n');
}

function page(
  site: Site,
  options: { title: string; head: string; main: string; lang?: string; preview?: Preview },
): string {
  const icon = site.favicon === undefined ? '' : `<link rel="icon" href="${attr(absoluteHref(site, site.favicon))}">\n`;
  const preview = options.preview === undefined ? '' : `${previewTags(site, options.preview)}\n`;
  return `<!DOCTYPE html>
<html lang="${attr(options.lang ?? site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(options.title)}</title>
${preview}${icon}${options.head}
<style>
${STYLE}
</style>
</head>
<body>
${options.main}
</body>
</html>
`;
}

function meta(site: Site, entry: IndexEntry): string {
  const names = authorsOf(site, entry).map((a) => a.name);
  return `${esc(byline(names))} · <time datetime="${attr(toUtcIso(entry.published))}">${esc(formatDate(entry.published, site.timeZone))}</time>`;
}

/** One page of a collection's archive, as the renderer needs it. */
export interface ArchivePageView {
  /** The page's stable number (`archive/<number>.html`). */
  readonly number: number;
  /** Entries newest first. */
  readonly entries: readonly IndexEntry[];
  /** Number of the next older page, or null for the oldest. */
  readonly older: number | null;
  /** Number of the next newer page, or null for the newest (the open page). */
  readonly newer: number | null;
  /** Rendered as the collection's `index.html` or as its `archive/<number>.html`. */
  readonly at: 'index' | 'archive';
  /** The collection the page belongs to (the whole site when absent). */
  readonly collection?: CollectionView;
}

/** Where an archive page is published: `<base>index.html` for the newest page's front copy, else `<base>archive/<n>.html`. */
export function archivePagePath(view: Pick<ArchivePageView, 'number' | 'at'> & { readonly base?: string }): string {
  const base = view.base ?? '';
  return view.at === 'index' ? `${base}index.html` : `${base}archive/${view.number}.html`;
}

function archiveHref(view: ArchivePageView, number: number): string {
  return view.at === 'index' ? `archive/${number}.html` : `${number}.html`;
}

function dateRange(site: Site, entries: readonly IndexEntry[]): string {
  const newest = entries[0];
  const oldest = entries.at(-1);
  if (newest === undefined || oldest === undefined) return '';
  const from = formatDate(oldest.published, site.timeZone);
  const to = formatDate(newest.published, site.timeZone);
  return from === to ? from : `${from} – ${to}`;
}

/**
 * A page of the archive: its entries in the order given (newest first), links to the older and newer pages, and
 * feed autodiscovery. The newest page is published twice: as `index.html` and at its own archive address, which the
 * next page links to once it is sealed, so a new article never rewrites an older page.
 */
export function renderArchivePageHtml(site: Site, view: ArchivePageView): string {
  const collection = view.collection ?? siteCollectionView(site);
  const path = archivePagePath({ ...view, base: collection.base });
  const up = rootOf(path);
  const toCollection = view.at === 'index' ? '' : '../';
  const items = view.entries.map((entry) => {
    const { article } = entry;
    return `<li>
<h2><a href="${attr(`${up}articles/${encodeURIComponent(article.id)}.html`)}">${esc(article.title)}</a></h2>
<p class="meta">${meta(site, entry)}</p>
<p>${esc(article.summary)}</p>
</li>`;
  });
  const empty = view.newer === null && view.older === null ? 'No articles yet.' : 'No articles on this page any more.';
  const list = items.length === 0 ? `<p>${empty}</p>` : `<ol class="articles">\n${items.join('\n')}\n</ol>`;
  const description = collection.description === '' ? '' : `\n<p>${esc(collection.description)}</p>`;
  const range = dateRange(site, view.entries);
  const heading =
    view.at === 'index'
      ? `<h1>${esc(collection.heading)}</h1>${description}`
      : `<h1>${esc(collection.heading)}</h1>\n<p class="meta">Archive page ${view.number}${range === '' ? '' : ` · ${esc(range)}`}</p>`;
  const pager = [
    view.newer === null ? '' : `<a rel="prev" href="${attr(archiveHref(view, view.newer))}">Newer articles</a>`,
    view.older === null ? '' : `<a rel="next" href="${attr(archiveHref(view, view.older))}">Older articles</a>`,
  ].filter((link) => link !== '');
  const latest = view.at === 'index' ? '' : `<a href="${toCollection}index.html">Latest articles</a>`;
  const siteHome = collection.base === '' ? '' : `<a href="${up}index.html">${esc(site.title)}</a>`;
  const navLinks = [siteHome, latest, ...pager].filter((link) => link !== '');
  const canonical = `${site.siteUrl}/${view.at === 'index' ? collection.base : path}`;
  const title = view.at === 'index' ? collection.title : `${collection.title} · Archive page ${view.number}`;
  return page(site, {
    title,
    head: `${feedAlternates(site, collection)}\n<link rel="canonical" href="${attr(canonical)}">`,
    preview: { type: 'website', title, description: collection.description, url: canonical },
    main: `<header>
${heading}
</header>
<main>
${list}
</main>
<footer>
${navLinks.length === 0 ? '' : `<nav class="pages">${navLinks.join(' · ')}</nav>\n`}${subscribeLinks(toCollection)}
</footer>`,
  });
}

/** A lead image named only in front matter is shown above the body; one taken from the body is already in it. */
function leadFigure(entry: FeedEntry, options: BlockRenderOptions): string {
  const { image, body } = entry.article;
  if (image == null || imagesIn(body).some((found) => found.src === image.src)) return '';
  return `<figure class="lead">${imageHtml(image, options)}</figure>\n`;
}

/** `articles/<id>.html`: title, byline, date, lead image, key points, body, category and tags, links back. */
export function renderArticleHtml(site: Site, entry: FeedEntry, catalog?: AssetCatalog): string {
  const { article } = entry;
  const assets = catalog ?? assetCatalogOf(article);
  const options: BlockRenderOptions = { site, assets, lazyImages: true, idPrefix: article.id };
  const tagList = [...new Set(article.tags.map(clean))].filter((t) => t.trim() !== '' && t !== article.category);
  const keyPoints = renderKeyPointsHtml(article.keyPoints);
  const updated =
    toUtcIso(entry.updated) === toUtcIso(entry.published)
      ? ''
      : ` · updated <time datetime="${attr(toUtcIso(entry.updated))}">${esc(formatDate(entry.updated, site.timeZone))}</time>`;
  const topics = new Map(topicsOf(site, article).map((topic) => [`${topic.kind.kind}\n${topic.name}`, topic.id]));
  const term = (kind: string, name: string) => {
    const id = topics.get(`${kind}\n${name.trim()}`);
    return id === undefined ? esc(name) : `<a href="${attr(`../${id}/index.html`)}">${esc(name)}</a>`;
  };
  const category =
    article.category === null ? '' : `<p class="terms">Category: ${term('categories', article.category)}</p>\n`;
  const tags =
    tagList.length === 0 ? '' : `<p class="terms">Tags: ${tagList.map((t) => term('tags', t)).join(', ')}</p>\n`;
  const authorLinks = article.authors.filter((name) => topics.has(`authors\n${name.trim()}`));
  const authors =
    authorLinks.length === 0
      ? ''
      : `<p class="terms">More by: ${authorLinks.map((name) => term('authors', name)).join(', ')}</p>\n`;
  const canonical = article.canonicalUrl ?? articleUrl(site, article.id);
  const media = leadMedia(site, article, assets);
  return page(site, {
    title: `${article.title} · ${site.title}`,
    ...(article.lang == null ? {} : { lang: article.lang }),
    head: `${feedAlternates(site, siteCollectionView(site))}\n<link rel="canonical" href="${attr(canonical)}">`,
    preview: {
      type: 'article',
      title: article.title,
      description: article.summary,
      url: canonical,
      ...(media === null ? {} : { image: { url: media.url, alt: media.alt } }),
    },
    main: `<nav><a href="../index.html">${esc(site.title)}</a></nav>
<main>
<article>
<h1>${esc(article.title)}</h1>
<p class="meta">${meta(site, entry)}${updated}</p>
${leadFigure(entry, options)}${keyPoints === '' ? '' : `${keyPoints}\n`}${clean(renderBlocksHtml(article.body, options))}
${category}${tags}${authors}</article>
</main>
<footer>
<nav><a href="../index.html">All articles</a></nav>
${subscribeLinks('../')}
</footer>`,
  });
}

/** `404.html`: what a reader sees for an address the site does not have (links are absolute: it answers any path). */
export function renderNotFoundHtml(site: Site): string {
  const home = `${site.siteUrl}/`;
  return page(site, {
    title: `Page not found · ${site.title}`,
    head: `${feedAlternates(site, siteCollectionView(site))}\n<meta name="robots" content="noindex">`,
    main: `<header>
<h1>Page not found</h1>
</header>
<main>
<p>There is no page at this address on ${esc(site.title)}. It may have moved, or the article may have been withdrawn.</p>
<p><a href="${attr(home)}">Latest articles</a></p>
</main>
<footer>
${subscribeLinks(home)}
</footer>`,
  });
}
