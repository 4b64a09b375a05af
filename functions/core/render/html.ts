/**
 * HTML pages: the archive pages (`index.html` is the newest, `archive/<n>.html` every one) and one page per article
 * (`articles/<id>.html`). Valid HTML5, no scripts.
 */
import {
  type AssetCatalog,
  articleUrl,
  type FeedEntry,
  feedUrls,
  type IndexEntry,
  imagesIn,
  type Site,
} from '../article.ts';
import { escapeAttr, escapeHtml } from '../text.ts';
import { type BlockRenderOptions, imageHtml, renderBlocksHtml } from './blocks.ts';
import { authorsOf, clean, renderKeyPointsHtml, toUtcIso } from './entries.ts';

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
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:.25rem .5rem}
.footnotes{font-size:.9rem}`;

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

function feedAlternates(site: Site): string {
  const urls = feedUrls(site);
  const title = attr(site.title);
  return [
    `<link rel="alternate" type="application/rss+xml" title="${title} (RSS)" href="${attr(urls.rss)}">`,
    `<link rel="alternate" type="application/atom+xml" title="${title} (Atom)" href="${attr(urls.atom)}">`,
    `<link rel="alternate" type="application/feed+json" title="${title} (JSON Feed)" href="${attr(urls.json)}">`,
  ].join('\n');
}

function page(site: Site, options: { title: string; head: string; main: string; lang?: string }): string {
  return `<!DOCTYPE html>
<html lang="${attr(options.lang ?? site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(options.title)}</title>
${options.head}
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
  /** Rendered as `index.html` (links relative to the root) or as `archive/<number>.html`. */
  readonly at: 'index' | 'archive';
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
  const urls = feedUrls(site);
  const up = view.at === 'index' ? '' : '../';
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
  const description = site.description === '' ? '' : `\n<p>${esc(site.description)}</p>`;
  const range = dateRange(site, view.entries);
  const heading =
    view.at === 'index'
      ? `<h1>${esc(site.title)}</h1>${description}`
      : `<h1>${esc(site.title)}</h1>\n<p class="meta">Archive page ${view.number}${range === '' ? '' : ` · ${esc(range)}`}</p>`;
  const pager = [
    view.newer === null ? '' : `<a rel="prev" href="${attr(archiveHref(view, view.newer))}">Newer articles</a>`,
    view.older === null ? '' : `<a rel="next" href="${attr(archiveHref(view, view.older))}">Older articles</a>`,
  ].filter((link) => link !== '');
  const home = view.at === 'index' ? '' : '<a href="../index.html">Latest articles</a>';
  const navLinks = [home, ...pager].filter((link) => link !== '');
  const canonical = view.at === 'index' ? urls.home : `${site.siteUrl}/archive/${view.number}.html`;
  return page(site, {
    title: view.at === 'index' ? site.title : `${site.title} · Archive page ${view.number}`,
    head: `${feedAlternates(site)}\n<link rel="canonical" href="${attr(canonical)}">`,
    main: `<header>
${heading}
</header>
<main>
${list}
</main>
<footer>
${navLinks.length === 0 ? '' : `<nav class="pages">${navLinks.join(' · ')}</nav>\n`}<nav>Subscribe: <a href="${up}feed.xml">RSS</a> · <a href="${up}atom.xml">Atom</a> · <a href="${up}feed.json">JSON Feed</a></nav>
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
export function renderArticleHtml(site: Site, entry: FeedEntry, assets?: AssetCatalog): string {
  const { article } = entry;
  const options: BlockRenderOptions = { site, assets, lazyImages: true, idPrefix: article.id };
  const tagList = [...new Set(article.tags.map(clean))].filter((t) => t.trim() !== '' && t !== article.category);
  const keyPoints = renderKeyPointsHtml(article.keyPoints);
  const updated =
    toUtcIso(entry.updated) === toUtcIso(entry.published)
      ? ''
      : ` · updated <time datetime="${attr(toUtcIso(entry.updated))}">${esc(formatDate(entry.updated, site.timeZone))}</time>`;
  const category = article.category === null ? '' : `<p class="terms">Category: ${esc(article.category)}</p>\n`;
  const tags = tagList.length === 0 ? '' : `<p class="terms">Tags: ${tagList.map(esc).join(', ')}</p>\n`;
  const canonical = article.canonicalUrl ?? articleUrl(site, article.id);
  return page(site, {
    title: `${article.title} · ${site.title}`,
    ...(article.lang == null ? {} : { lang: article.lang }),
    head: `${feedAlternates(site)}\n<link rel="canonical" href="${attr(canonical)}">`,
    main: `<nav><a href="../index.html">${esc(site.title)}</a></nav>
<main>
<article>
<h1>${esc(article.title)}</h1>
<p class="meta">${meta(site, entry)}${updated}</p>
${leadFigure(entry, options)}${keyPoints === '' ? '' : `${keyPoints}\n`}${clean(renderBlocksHtml(article.body, options))}
${category}${tags}</article>
</main>
<footer>
<nav><a href="../index.html">All articles</a> · <a href="../feed.xml">RSS</a> · <a href="../atom.xml">Atom</a> · <a href="../feed.json">JSON Feed</a></nav>
</footer>`,
  });
}
