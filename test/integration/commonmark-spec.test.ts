/**
 * The CommonMark 0.31.2 spec examples (npm `commonmark-spec`) through the public path: each example becomes an
 * article file, one `publish()` — what `wirefeed build` runs — builds them all with real directory stores, and the
 * JSON Feed item's `content_html` is compared with the spec's HTML.
 *
 * Each example is wrapped in front matter (`title`, `author`, `summary`), so the body is exactly the example and
 * no heuristic (title from the first `# `, byline, summary) touches it. What the comparison normalizes, on both
 * sides, and why:
 * - whitespace: runs collapse to one space and whitespace next to a block-level tag is dropped, as HTML shows
 *   neither; the contents of `<pre>` are compared exactly;
 * - heading levels: the page's `<h1>` is the article title, so a body `# Heading` is published as `<h2>`; the
 *   spec's `<h1>` is read as `<h2>`;
 * - URLs: feeds carry absolute URLs, so a relative link or image target is published resolved against the article's
 *   folder; every `href` and `src`, on both sides, is compared resolved against that folder
 *   (`https://spec.example/articles/`), which is what a reader's browser does with the spec's relative form;
 * - spelling of equal HTML: `<br />` and `<br>`, `&quot;` and `"`, `&#39;` and `'` are the same to a browser.
 *
 * Raw HTML is escaped and shown as text (README, "Markdown"). An example is a raw-HTML example when markdown-it
 * with HTML enabled finds raw HTML in it (an `html_block` or `html_inline` token): the spec's output passes that
 * markup through, so such examples are excluded from the match by policy — and checked instead to carry no markup
 * of their own.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as spec from 'commonmark-spec';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.ts';

interface SpecExample {
  readonly markdown: string;
  readonly html: string;
  readonly section: string;
  readonly number: number;
}

const SITE_URL = 'https://spec.example';
const examples = spec.tests.map((example) => ({
  ...example,
  markdown: example.markdown.replaceAll('→', '\t'),
  html: example.html.replaceAll('→', '\t'),
}));

const withHtml = new MarkdownIt('commonmark', { html: true });
function hasRawHtml(markdown: string): boolean {
  return withHtml
    .parse(markdown, {})
    .some(
      (token) => token.type === 'html_block' || (token.children ?? []).some((child) => child.type === 'html_inline'),
    );
}

const BLOCK_TAGS =
  'address|article|aside|blockquote|details|dialog|dd|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul';
const AROUND_BLOCK_TAG = new RegExp(`\\s*(</?(?:${BLOCK_TAGS})(?:\\s[^>]*)?>)\\s*`, 'g');

const BASE = `${SITE_URL}/articles/`;

function resolveUrl(value: string): string {
  const url = value.replaceAll('&amp;', '&');
  return URL.canParse(url, BASE) ? new URL(url, BASE).href : url;
}

/** The normalization described in the module comment; `<pre>` elements are kept exactly. */
function normalizeHtml(html: string): string {
  return html
    .split(/(<pre>[\s\S]*?<\/pre>)/)
    .map((part, index) => {
      const isPre = index % 2 === 1;
      let out = part
        .replace(/<(\/?)h1>/g, '<$1h2>')
        .replace(/\s*\/>/g, '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replace(/(href|src)="([^"]*)"/g, (_, name: string, value: string) => `${name}="${resolveUrl(value)}"`);
      if (!isPre) out = out.replace(/\s+/g, ' ').replace(AROUND_BLOCK_TAG, '$1');
      return out;
    })
    .join('')
    .trim();
}

/** Tags the renderer writes for an article body; anything else in the output would be passed-through markup. */
const RENDERER_TAG =
  /^<\/?(?:p|h[2-6]|blockquote|ul|ol|li|pre|code|em|strong|del|a|img|br|hr|table|thead|tbody|tr|th|td|sup|section|input)[\s>]/;

const idOf = (number: number) => `spec-${String(number).padStart(3, '0')}`;

let ws: Workspace;
const published = new Map<number, string>();

beforeAll(async () => {
  ws = await Workspace.create({
    title: 'CommonMark spec',
    siteUrl: SITE_URL,
    description: 'The spec examples',
    language: 'en',
    author: { name: 'Spec' },
    itemLimit: 1000,
  });
  for (const example of examples) {
    const front = `---\ntitle: "Example ${example.number}"\nauthor: Spec\nsummary: "Example ${example.number}"\n---\n`;
    await ws.write(`${idOf(example.number)}.md`, `${front}${example.markdown}`);
  }
  const result = await ws.publish();
  expect(result.rejected).toEqual([]);
  const feed = JSON.parse(await readFile(join(ws.outDir, 'feed.json'), 'utf8')) as {
    items: { id: string; content_html: string }[];
  };
  for (const item of feed.items) {
    const number = Number(/spec-(\d+)\.html$/.exec(item.id)?.[1]);
    published.set(number, item.content_html);
  }
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
});

describe('CommonMark 0.31.2 spec examples through publish()', () => {
  it('publishes every example as an article', () => {
    expect(published.size).toBe(examples.length);
  });

  it('matches at least 99% of the examples without raw HTML', () => {
    const failed: SpecExample[] = [];
    let markdownOnly = 0;
    for (const example of examples) {
      if (hasRawHtml(example.markdown)) continue;
      markdownOnly++;
      if (normalizeHtml(published.get(example.number) ?? '') !== normalizeHtml(example.html)) failed.push(example);
    }
    const matched = markdownOnly - failed.length;
    console.log(
      `CommonMark spec: ${matched} of ${markdownOnly} examples without raw HTML match (${((100 * matched) / markdownOnly).toFixed(1)}%)` +
        `; not matched: ${failed.map((e) => `${e.number} (${e.section})`).join(', ') || 'none'}`,
    );
    const outsideHtmlSections = examples.filter((e) => e.section !== 'HTML blocks' && e.section !== 'Raw HTML');
    const sectionMatched = outsideHtmlSections.filter(
      (e) => normalizeHtml(published.get(e.number) ?? '') === normalizeHtml(e.html),
    ).length;
    console.log(
      `CommonMark spec: ${sectionMatched} of the ${outsideHtmlSections.length} examples outside the "HTML blocks" and "Raw HTML" sections match`,
    );
    expect(matched / markdownOnly).toBeGreaterThanOrEqual(0.99);
  });

  it('shows the raw HTML of the raw-HTML examples as text, never as markup', () => {
    const raw = examples.filter((example) => hasRawHtml(example.markdown));
    let matched = 0;
    for (const example of raw) {
      const html = published.get(example.number) ?? '';
      if (normalizeHtml(html) === normalizeHtml(example.html)) matched++;
      for (const tag of html.match(/<[^>]*>?/g) ?? []) expect(tag).toMatch(RENDERER_TAG);
      expect(html).not.toMatch(/<script|<iframe|<style|\son[a-z]+=|javascript:/i);
    }
    console.log(
      `CommonMark spec: ${raw.length} raw-HTML examples excluded by the escaping policy (${matched} of them match anyway)`,
    );
    expect(raw.length).toBeGreaterThan(0);
  });
});
