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
 *   with `isPermaLink="true"`.
 * - RSS `<author>` must be an e-mail address; authors are written as `dc:creator` instead.
 * - Atom entry titles are declared `type="html"` but passed as plain text, so `<` and `&` in a title would be
 *   read as markup: the title is HTML-escaped before it goes in.
 * - Only one hub is supported; further hubs are added beside the first.
 * - Atom ignores `language`; it is added as `xml:lang` on the root.
 * - The generator defaults to the library URL; it is set to "wirefeed".
 *
 * Placeholders are `U+FFFF n U+FFFF`: U+FFFF is not an XML character, `clean` removes it from every input, so a
 * placeholder can never collide with content.
 */
import { type Author, type Category, Feed, type FeedOptions, type Item } from 'feed';
import { articleUrl, type FeedEntry, feedUrls, type Site } from '../article.ts';
import { escapeAttr, escapeHtml } from '../text.ts';
import { authorsOf, clean, feedUpdated, renderContentHtml, termsOf } from './entries.ts';

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

function baseOptions(site: Site, entries: readonly FeedEntry[]): FeedOptions {
  const urls = feedUrls(site);
  return {
    id: text(urls.home),
    title: text(site.title),
    description: text(site.description),
    link: urls.home,
    language: text(site.language),
    updated: new Date(feedUpdated(entries)),
    generator: GENERATOR,
    feedLinks: { rss: urls.rss, atom: urls.atom, json: urls.json },
    author: feedAuthor(site.author),
    ...(site.hubs[0] === undefined ? {} : { hub: site.hubs[0] }),
    ...(site.copyright === undefined ? {} : { copyright: text(site.copyright) }),
  };
}

/**
 * RSS 2.0 document (`feed.xml`) for `entries`, which must already be sorted and limited.
 * Deterministic: no clock is read.
 */
export function renderRss(site: Site, entries: readonly FeedEntry[]): string {
  const splice = new Splicer();
  const urls = feedUrls(site);
  const feed = new Feed(baseOptions(site, entries));
  // feed 6 writes only one atom:link for self plus one hub; replacing the whole list keeps all hubs.
  feed.addExtension({
    name: 'atom:link',
    objects: [
      { _attributes: { href: splice.attr(urls.rss), rel: 'self', type: 'application/rss+xml' } },
      ...site.hubs.map((hub) => ({ _attributes: { href: splice.attr(hub), rel: 'hub' } })),
    ] as unknown as Record<string, unknown>,
  });
  for (const entry of entries) {
    const { article } = entry;
    const item: Item = {
      title: splice.cdata(article.title),
      link: articleUrl(site, article.id),
      date: new Date(entry.updated),
      published: new Date(entry.published),
      description: splice.cdata(escapeHtml(clean(article.summary))),
      content: splice.cdata(renderContentHtml(entry)),
      category: termsOf(entry).map((term): Category => ({ name: text(term) })),
      extensions: [
        {
          name: 'dc:creator',
          objects: authorsOf(site, entry).map((a) => ({ _text: text(a.name) })) as unknown as Record<string, unknown>,
        },
      ],
    };
    feed.addItem(item);
  }
  return splice.resolve(feed.rss2());
}

/**
 * Atom 1.0 document (`atom.xml`) for `entries`, which must already be sorted and limited.
 * Deterministic: no clock is read.
 */
export function renderAtom(site: Site, entries: readonly FeedEntry[]): string {
  const splice = new Splicer();
  const feed = new Feed(baseOptions(site, entries));
  for (const entry of entries) {
    const { article } = entry;
    const url = articleUrl(site, article.id);
    feed.addItem({
      title: splice.cdata(escapeHtml(clean(article.title))),
      id: url,
      link: url,
      date: new Date(entry.updated),
      published: new Date(entry.published),
      description: splice.cdata(escapeHtml(clean(article.summary))),
      content: splice.cdata(renderContentHtml(entry)),
      author: authorsOf(site, entry).map(feedAuthor),
      category: termsOf(entry).map((term): Category => ({ term: splice.attr(term) })),
    });
  }
  return addExtraAtomHubs(addAtomLanguage(splice.resolve(feed.atom1()), site.language), site.hubs);
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
