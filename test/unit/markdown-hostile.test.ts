import { describe, expect, it } from 'vitest';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { renderArticlePage, renderFeeds } from '../../functions/core/render/index.ts';
import { makeEntry, sampleSite } from '../helpers/sample-entries.ts';
import { assertWellFormedXml } from '../helpers/xml-well-formed.ts';

/** The body HTML of a page and of the JSON Feed item for one hostile Markdown article. */
function published(markdown: string): string[] {
  const entry = makeEntry(
    normalizeArticle(`# Hostile\n\n${markdown}\n`, { path: 'articles/h.md' }),
    '2024-01-01T00:00:00Z',
  );
  const [rss, atom, json] = renderFeeds(sampleSite, [entry]);
  assertWellFormedXml(rss?.body ?? '');
  assertWellFormedXml(atom?.body ?? '');
  const content = (JSON.parse(json?.body ?? '{}') as { items: { content_html: string }[] }).items[0]?.content_html;
  const main = /<main>[\s\S]*<\/main>/.exec(renderArticlePage(sampleSite, entry).body)?.[0] ?? '';
  return [content ?? '', main];
}

/** Every tag name in the HTML (escaped text holds none). */
const tagsOf = (html: string) =>
  [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => (m[1] as string).toLowerCase());
const WRITTEN = new Set(['main', 'article', 'h1', 'h2', 'p', 'time', 'a', 'img', 'code', 'pre', 'ul', 'li', 'em']);

/** Attribute names of every tag, with quoted values taken out (an escaped quote cannot end one). */
const attributesOf = (html: string) =>
  [...html.matchAll(/<[a-zA-Z][^<>]*>/g)].flatMap((m) =>
    [...m[0].replace(/"[^"]*"/g, '""').matchAll(/\s([a-zA-Z-]+)=/g)].map((a) => (a[1] as string).toLowerCase()),
  );
const ATTRIBUTES = new Set(['href', 'src', 'alt', 'title', 'class', 'id', 'datetime', 'loading', 'width', 'height']);

describe('hostile Markdown stays text', () => {
  it.each([
    ['script', '<script>alert(1)</script>'],
    ['script split over lines', '<scr\nipt>alert(1)</script>'],
    ['event handler', '<img src=x onerror="alert(1)">'],
    ['handler on an allowed-looking tag', '<p onmouseover=alert(1)>hover</p>'],
    ['style element and attribute', '<style>body{display:none}</style><b style="x:expression(alert(1))">b</b>'],
    ['iframe', '<iframe src="https://evil.test/"></iframe>'],
    ['SVG with script', '<svg><script>alert(1)</script></svg><svg onload=alert(1)>'],
    ['SVG use with a data URL', '<svg><use href="data:image/svg+xml,<svg onload=alert(1)>"/></svg>'],
    ['unclosed tags', '<div><a href="javascript:alert(1)">never closed <b>'],
    ['comment and CDATA', '<!-- <script>x</script> --><![CDATA[ <script>x</script> ]]>'],
    ['HTML block that swallows Markdown', '<div>\n*not emphasis*\n</div>'],
  ])('%s', (_, markdown) => {
    for (const html of published(markdown)) {
      for (const tag of tagsOf(html)) expect(WRITTEN).toContain(tag);
      for (const name of attributesOf(html)) expect(ATTRIBUTES).toContain(name);
    }
  });

  it.each([
    ['javascript: link', '[x](javascript:alert(1))'],
    ['mixed-case scheme', '[x](JaVaScRiPt:alert(1))'],
    [
      'entity-encoded scheme',
      '[x](javascript&#58;alert(1)) [y](&#106;avascript:alert(1)) [z](jav&#x09;ascript:alert(1))',
    ],
    ['percent-encoded is not a scheme', '[x](javascript%3Aalert(1))'],
    ['data: HTML link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['vbscript and file', '[x](vbscript:msgbox(1)) [y](file:///etc/passwd)'],
    ['autolink with javascript:', '<javascript:alert(1)>'],
    ['reference definition', '[x][r]\n\n[r]: javascript:alert(1)'],
    ['image with javascript: and data:', '![a](javascript:alert(1)) ![b](data:image/svg+xml;base64,PHN2Zz4=)'],
    ['title that closes the attribute', '[x](https://ok.test/ "a\\" onclick=\\"alert(1)")'],
  ])('%s never reaches an href or src', (_, markdown) => {
    for (const html of published(markdown)) {
      const targets = [...html.matchAll(/<[a-z]+\s[^<>]*(?:href|src)="([^"]*)"/gi)].map((m) => m[1] as string);
      for (const target of targets)
        expect(target).toMatch(/^(?:https:\/\/news\.example\.com\/|https:\/\/ok\.test\/|#|\.\.\/)/);
      for (const name of attributesOf(html)) expect(ATTRIBUTES).toContain(name);
    }
  });
});
