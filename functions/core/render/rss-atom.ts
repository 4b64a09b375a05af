/**
 * RSS 2.0 and Atom 1.0 through the `feed` package, behind a layer that fixes what `feed` 6 gets wrong:
 *
 * - CDATA: its serializer (xml-js) splits only the first `]]>`, so a second one ends the section early and
 *   breaks the document. Every CDATA value is passed as a placeholder and spliced back with every `]]>` split.
 * - Attributes: only `"` is escaped (and `&` in URLs); a `<` in a category term makes the XML malformed.
 *   Non-URL attribute values are placeholders too, spliced back fully escaped.
 * - Text nodes: xml-js turns `&amp;` back into `&` before escaping, so a literal "&amp;" in a title would be
 *   published as "&". Text is pre-escaped (`&` → `&amp;`) so the round trip is exact.
 * - Control characters pass straight through; every string is cleaned with `stripXmlInvalid` first.
 * - `updated` / `lastBuildDate` default to now; always set to the newest item's `updated`.
 * - RSS `guid` is `isPermaLink="false"` whenever an id is given; passing only `link` yields the article URL
 *   with `isPermaLink="true"`. An entry keeps its first URL as its id when the site moves: only then is the id
 *   passed, so the guid of an unmoved entry stays the permalink it always was.
 * - RSS `<author>` must be an e-mail address; authors are written as `dc:creator` instead.
 * - Atom entry titles are declared `type="html"` but passed as plain text, so `<` and `&` in a title would be
 *   read as markup: the title is HTML-escaped before it goes in.
 * - Only one hub is supported; further hubs are added beside the first.
 * - Atom ignores `language`; it is added as `xml:lang` on the root.
 * - The generator defaults to the library URL; it is set to "wirefeed".
 * - Enclosures: the media type is guessed as `image/<extension>` (`image/jpg`, `image/svg`) and RSS `length`
 *   defaults to 0. The lead image is written by this layer instead: RSS `enclosure` only when its length and
 *   type are known, else Media RSS `media:content` (namespace added to the root); Atom `link rel="enclosure"`
 *   is inserted after the entry's `id`, as is the entry's `xml:lang` on `<entry>` (feed 6 has no item hook
 *   for either).
 *
 * - RFC 5005 links (`current`, `prev-archive`, `next-archive`) and `fh:archive` have no option: RSS gets them as
 *   further `atom:link` elements and an extension element, Atom after its self link; the `fh` namespace is added to
 *   the root of archive documents.
 *
 * Placeholders are `U+FFFF n U+FFFF`: U+FFFF is not an XML character, `clean` removes it from every input, so a
 * placeholder can never collide with content.
 */
import { type Author, type Category, Feed, type FeedOptions, type Item } from 'feed';
import type { FeedEntry, Site } from '../article.ts';
import type { FeedDocument, FeedUrlSet } from '../feeds.ts';
import { escapeAttr, escapeHtml } from '../text.ts';
import { authorsOf, clean, type FeedItem, feedUpdated, termsOf } from './entries.ts';
import type { LeadMedia } from './media.ts';

const MEDIA_RSS_NAMESPACE = 'http://search.yahoo.com/mrss/';
/** RFC 5005 (Feed Paging and Archiving). */
const HISTORY_NAMESPACE = 'http://purl.org/syndication/history/1.0';

export const GENERATOR = 'wirefeed';

const PLACEHOLDER = /\uFFFF(\d+)\uFFFF/g;

/** Collects values that must bypass xml-js escaping and splices them back correctly escaped. */
class Splicer {
  private readonly values: string[] = [];

  private add(serialized: string): string {
    this.values.push(serialized);
    return `\uFFFF${this.values.length - 1}\uFFFF`;
  }

  /** A value that `feed` wraps in CDATA. */
  cdata(value: string): string {
    return this.add(clean(value).split(']]>').join(']]]]><![CDATA[>'));
  }

  /** A non-URL attribute value. */
  attr(value: string): string {
    return this.add(escapeAttr(clean(value)));
  }

  resolve(xml: string): string {
    const out = xml.replace(PLACEHOLDER, (_, index: string) => {
      const value = this.values[Number(index)];
      if (value === undefined) throw new Error(`unknown placeholder ${index} in rendered feed`);
      return value;
    });
    if (out.includes('\uFFFF')) throw new Error('rendered feed still holds a placeholder');
    return out;
  }
}

/** A value xml-js writes as a text node: pre-escaped so its `&amp;` un-escaping cannot alter it. */
function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;');
}

function feedAuthor(author: Site['author']): Author {
  return {
    name: text(author.name),
    ...(author.email === undefined ? {} : { email: text(author.email) }),
    ...(author.url === undefined ? {} : { link: author.url }),
  };
}

function baseOptions(site: Site, doc: FeedDocument, items: readonly FeedItem[]): FeedOptions {
  const entries: FeedEntry[] = items.map((item) => item.entry);
  return {
    id: text(doc.home),
    title: text(doc.title),
    description: text(doc.description),
    link: doc.home,
    language: text(site.language),
    updated: new Date(feedUpdated(entries)),
    generator: GENERATOR,
    feedLinks: { ...doc.self },
    author: feedAuthor(site.author),
    ...(site.hubs[0] === undefined ? {} : { hub: site.hubs[0] }),
    ...(site.copyright === undefined ? {} : { copyright: text(site.copyright) }),
  };
}

/** The RSS element for a lead image: `enclosure` when length and type are known, else `media:content`. */
function rssMedia(media: LeadMedia, splice: Splicer): { name: string; objects: Record<string, unknown> } {
  if (media.length !== null && media.type !== null) {
    return {
      name: 'enclosure',
      objects: { _attributes: { url: splice.attr(media.url), length: media.length, type: splice.attr(media.type) } },
    };
  }
  const attributes: Record<string, string | number> = { url: splice.attr(media.url), medium: 'image' };
  if (media.type !== null) attributes.type = splice.attr(media.type);
  if (media.width !== null && media.height !== null) {
    attributes.width = media.width;
    attributes.height = media.height;
  }
  return { name: 'media:content', objects: { _attributes: attributes } };
}

const RSS_ROOT = '<rss version="2.0"';

/** The RFC 5005 links of a document in one format: rel and URL, in document order. */
function historyLinks(doc: FeedDocument, pick: (urls: FeedUrlSet) => string): [string, string][] {
  const links: [string, string][] = [];
  if (doc.archive) links.push(['current', pick(doc.current)]);
  if (doc.older !== null) links.push(['prev-archive', pick(doc.older)]);
  if (doc.newer !== null) links.push(['next-archive', pick(doc.newer)]);
  return links;
}

/**
 * RSS 2.0 document for `items`, which must already be sorted and limited: a collection's current document or one of
 * its archive documents, as `doc` says. Deterministic: no clock is read.
 */
export function renderRss(site: Site, doc: FeedDocument, items: readonly FeedItem[]): string {
  const splice = new Splicer();
  const feed = new Feed(baseOptions(site, doc, items));
  let mediaRss = false;
  // feed 6 writes only one atom:link for self plus one hub; replacing the whole list keeps all hubs.
  feed.addExtension({
    name: 'atom:link',
    objects: [
      { _attributes: { href: splice.attr(doc.self.rss), rel: 'self', type: 'application/rss+xml' } },
      ...historyLinks(doc, (urls) => urls.rss).map(([rel, href]) => ({
        _attributes: { href: splice.attr(href), rel, type: 'application/rss+xml' },
      })),
      ...site.hubs.map((hub) => ({ _attributes: { href: splice.attr(hub), rel: 'hub' } })),
    ] as unknown as Record<string, unknown>,
  });
  if (doc.archive) feed.addExtension({ name: 'fh:archive', objects: {} });
  for (const { entry, url, id, contentHtml, media } of items) {
    const { article } = entry;
    const extensions: Item['extensions'] = [
      {
        name: 'dc:creator',
        objects: authorsOf(site, entry).map((a) => ({ _text: text(a.name) })) as unknown as Record<string, unknown>,
      },
    ];
    if (media !== null) {
      const element = rssMedia(media, splice);
      mediaRss ||= element.name === 'media:content';
      extensions.push(element);
    }
    feed.addItem({
      title: splice.cdata(article.title),
      ...(id === url ? {} : { id }),
      link: url,
      date: new Date(entry.updated),
      published: new Date(entry.published),
      description: splice.cdata(escapeHtml(clean(article.summary))),
      content: splice.cdata(contentHtml),
      category: termsOf(entry).map((term): Category => ({ name: text(term) })),
      extensions,
    });
  }
  const xml = splice.resolve(feed.rss2());
  if (!mediaRss && !doc.archive) return xml;
  if (!xml.includes(RSS_ROOT)) throw new Error('rendered RSS feed has an unexpected root element');
  const namespaces = [
    ...(mediaRss ? [` xmlns:media="${MEDIA_RSS_NAMESPACE}"`] : []),
    ...(doc.archive ? [` xmlns:fh="${HISTORY_NAMESPACE}"`] : []),
  ];
  return xml.replace(RSS_ROOT, `${RSS_ROOT}${namespaces.join('')}`);
}

/**
 * Atom 1.0 document for `items`, which must already be sorted and limited: a collection's current document or one of
 * its archive documents, as `doc` says. Deterministic: no clock is read.
 */
export function renderAtom(site: Site, doc: FeedDocument, items: readonly FeedItem[]): string {
  const splice = new Splicer();
  const feed = new Feed(baseOptions(site, doc, items));
  for (const { entry, url, id, contentHtml } of items) {
    const { article } = entry;
    feed.addItem({
      title: splice.cdata(escapeHtml(clean(article.title))),
      id,
      link: url,
      date: new Date(entry.updated),
      published: new Date(entry.published),
      description: splice.cdata(escapeHtml(clean(article.summary))),
      content: splice.cdata(contentHtml),
      author: authorsOf(site, entry).map(feedAuthor),
      category: termsOf(entry).map((term): Category => ({ term: splice.attr(term) })),
    });
  }
  const xml = addExtraAtomHubs(addAtomLanguage(splice.resolve(feed.atom1()), site.language), site.hubs);
  return addAtomEntryExtras(addAtomHistory(xml, doc), items);
}

/** RFC 5005: the history links after the self link, `fh:archive` (and its namespace) in an archive document. */
function addAtomHistory(xml: string, doc: FeedDocument): string {
  const links = historyLinks(doc, (urls) => urls.atom);
  if (links.length === 0 && !doc.archive) return xml;
  const anchor = `<link rel="self" href="${hrefOf(doc.self.atom)}"/>`;
  const at = xml.indexOf(anchor);
  if (at === -1) throw new Error('rendered Atom feed has no self link to put history links after');
  const indent = xml.slice(xml.lastIndexOf('\n', at) + 1, at);
  const extra = [
    ...links.map(([rel, href]) => `<link rel="${rel}" type="application/atom+xml" href="${hrefOf(href)}"/>`),
    ...(doc.archive ? ['<fh:archive/>'] : []),
  ]
    .map((element) => `\n${indent}${element}`)
    .join('');
  const end = at + anchor.length;
  const out = xml.slice(0, end) + extra + xml.slice(end);
  return doc.archive
    ? out.replace('<feed xmlns="http://www.w3.org/2005/Atom"', `$& xmlns:fh="${HISTORY_NAMESPACE}"`)
    : out;
}

function atomEnclosure(media: LeadMedia): string {
  const type = media.type === null ? '' : ` type="${escapeAttr(clean(media.type))}"`;
  const length = media.length === null ? '' : ` length="${media.length}"`;
  const title = media.title === undefined ? '' : ` title="${escapeAttr(clean(media.title))}"`;
  return `<link rel="enclosure"${type}${length}${title} href="${escapeAttr(clean(media.url))}"/>`;
}

/** Each entry's lead image (`link rel="enclosure"`, after its `id`) and language (`xml:lang` on `<entry>`). */
function addAtomEntryExtras(xml: string, items: readonly FeedItem[]): string {
  let out = '';
  let from = 0;
  for (const { entry, url, media } of items) {
    const lang = entry.article.lang ?? null;
    if (media === null && lang === null) continue;
    const anchor = `<id>${escapeHtml(url)}</id>`;
    const at = xml.indexOf(anchor, from);
    const open = xml.lastIndexOf('<entry>', at);
    if (at === -1 || open < from) throw new Error(`rendered Atom feed has no entry with id ${url}`);
    const indent = xml.slice(xml.lastIndexOf('\n', at) + 1, at);
    const end = at + anchor.length;
    const entryOpen = lang === null ? '<entry>' : `<entry xml:lang="${escapeAttr(clean(lang))}">`;
    const enclosure = media === null ? '' : `\n${indent}${atomEnclosure(media)}`;
    out += `${xml.slice(from, open)}${entryOpen}${xml.slice(open + '<entry>'.length, end)}${enclosure}`;
    from = end;
  }
  return out + xml.slice(from);
}

const ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

/** feed 6 drops `language` from Atom; it belongs in `xml:lang` on the root. */
function addAtomLanguage(xml: string, language: string): string {
  if (!xml.includes(ATOM_ROOT)) throw new Error('rendered Atom feed has an unexpected root element');
  return xml.replace(ATOM_ROOT, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeAttr(clean(language))}">`);
}

function hrefOf(url: string): string {
  return escapeAttr(new URL(url).toString());
}

/** feed 6 writes only the first hub; the others go right after it. */
function addExtraAtomHubs(xml: string, hubs: readonly string[]): string {
  const [first, ...rest] = hubs;
  if (first === undefined || rest.length === 0) return xml;
  const anchor = `<link rel="hub" href="${hrefOf(first)}"/>`;
  const at = xml.indexOf(anchor);
  if (at === -1) throw new Error('rendered Atom feed has no hub link to extend');
  const indent = xml.slice(xml.lastIndexOf('\n', at) + 1, at);
  const extra = rest.map((hub) => `\n${indent}<link rel="hub" href="${hrefOf(hub)}"/>`).join('');
  return xml.slice(0, at + anchor.length) + extra + xml.slice(at + anchor.length);
}
