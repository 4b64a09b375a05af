import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Article, Block, InlineNode } from '../../functions/core/article.ts';
import { InvalidArticleError } from '../../functions/core/errors.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { renderArticlePage, renderFeeds } from '../../functions/core/render/index.ts';
import { htmlOf } from '../helpers/blocks.ts';
import { makeEntry, sampleSite } from '../helpers/sample-entries.ts';
import { assertWellFormedXml } from '../helpers/xml-well-formed.ts';

// XML 1.0 forbidden characters, lone surrogates, C1 controls and the zero-width characters cleanText removes.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u200C\u2060\uFEFF\u00AD\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Every tag the body renderer may write; with these removed, no `<` or `>` may be left in an article's HTML. */
const ALLOWED_TAG =
  /<a href="[^"<>]*"(?: title="[^"<>]*")?>|<a href="#[^"<>]*" (?:id|class)="[^"<>]*">|<img src="https?:[^"<>]*" alt="[^"<>]*"(?: title="[^"<>]*")?>|<(?:ol start="\d+"|input type="checkbox" disabled(?: checked)?|sup class="footnote-ref"|section class="footnotes"|li id="[^"<>]*"|pre|code(?: class="language-[^"<>]*")?|t[hd](?: style="text-align:(?:left|center|right)")?)>|<\/?(?:a|em|strong|del|code|br|p|h[2-6]|blockquote|ul|ol|li|pre|hr|table|thead|tbody|tr|th|td|sup|section)>/g;
/** Link schemes that must never reach an `href`. */
const REFUSED_HREF = /<[a-z]+\s[^<>]*(?:href|src)="\s*(?:javascript|vbscript|data|file|blob):/i;
const PATHS = ['articles/sample.txt', 'articles/sample.md'] as const;

function inlineStrings(nodes: readonly InlineNode[] | undefined): string[] {
  return (nodes ?? []).flatMap((node): string[] => {
    if (node.type === 'text' || node.type === 'code') return [node.value];
    if (node.type === 'image') return [node.src, node.alt, node.title ?? ''];
    if (node.type === 'link') return [node.href, node.title ?? '', ...inlineStrings(node.children)];
    return 'children' in node ? inlineStrings(node.children) : [];
  });
}

function blockStrings(block: Block): string[] {
  switch (block.type) {
    case 'paragraph':
    case 'heading':
      return [block.text, ...inlineStrings(block.content)];
    case 'code':
      return [block.lang ?? ''];
    case 'quote':
      return block.blocks.flatMap(blockStrings);
    case 'list':
    case 'footnotes':
      return block.items.flatMap((item) => item.blocks.flatMap(blockStrings));
    case 'table':
      return [...block.head, ...block.rows.flat()].flatMap((cell) => [cell.text, ...inlineStrings(cell.content)]);
    case 'rule':
      return [];
  }
}

/** Every string in the article, for the character checks (code keeps its own line breaks and spacing). */
function strings(article: Article): string[] {
  return [
    article.id,
    article.title,
    article.summary,
    article.category ?? '',
    article.published ?? '',
    article.updated ?? '',
    ...article.keyPoints,
    ...article.authors,
    ...article.tags,
    ...article.dropped,
    ...article.body.flatMap(blockStrings).map((value) => value.trim()),
  ];
}

function expectValidArticle(article: Article, path: string): void {
  expect(article.source).toBe(path);
  expect(article.format).toBe(path.endsWith('.md') ? 'md' : 'txt');
  expect(article.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  expect(article.title.length).toBeGreaterThan(0);
  expect(article.contentHash).toMatch(/^[0-9a-f]{64}$/);
  for (const value of strings(article)) {
    expect(FORBIDDEN.test(value)).toBe(false);
    expect(value).toBe(value.trim());
  }
  for (const block of article.body) {
    if (block.type === 'list') expect(block.items.length).toBeGreaterThan(0);
    if (block.type === 'heading') expect([2, 3, 4, 5, 6]).toContain(block.level);
    if (block.type === 'paragraph') expect(block.text.length + (block.content?.length ?? 0)).toBeGreaterThan(0);
  }
  // Only the allowed tags: with them removed, no markup character is left in the HTML.
  const html = htmlOf(article.body, sampleSite.siteUrl);
  expect(html.replace(ALLOWED_TAG, '')).not.toMatch(/[<>]/);
  expect(html).not.toMatch(REFUSED_HREF);
  expect(FORBIDDEN.test(html)).toBe(false);
}

/** Normalizes, asserting the only possible failure is an InvalidArticleError; returns the article or null. */
function normalizeOrReject(raw: Uint8Array | string, path: string): Article | null {
  try {
    return normalizeArticle(raw, { path });
  } catch (error) {
    if (!(error instanceof InvalidArticleError)) throw error;
    expect(error.file).toBe(path);
    return null;
  }
}

// Pieces that exercise every heuristic and Markdown construct, joined into article-shaped text.
const piece = fc.constantFrom(
  'Putin wants three things from China',
  'An analyst says that Putin seeks three things.',
  '• A key point.',
  '  - dash item',
  '* star item',
  '– en dash item',
  '1. first',
  'Key Points',
  'By Ana Lima, Ben Okafor and Chen Wei',
  'by Sumathi Bala',
  'Politics',
  'Watch CNBC’s full interview',
  'Read more: elsewhere',
  '# Title',
  '## Sub *heading*',
  '> quoted **strong**',
  '[link](https://example.com/a_(b)) and [bad](javascript:alert(1))',
  '![img](http://x/y.png)',
  '`code` ``two``',
  '**bold *nested* text**',
  '_under_score_',
  '<script>alert(1)</script> & <b>',
  '---',
  '```',
  'title: "T"',
  'date: 2024-05-16',
  '"Quoted one-liner."',
  '$18 billion',
  'caf\u0065\u0301 \u200b zero\u00ad width',
  '\u0007\u0085\uFFFE bad chars',
  '\t',
  '',
);
const separator = fc.constantFrom('\n', '\r\n', '\r', '\n\n', ' ', '\t');
const articleText = fc
  .array(fc.tuple(piece, separator), { maxLength: 40 })
  .map((parts) => parts.map(([text, sep]) => text + sep).join(''));

describe('normalizeArticle on arbitrary input', () => {
  it('returns a valid Article or throws InvalidArticleError for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), articleText),
        fc.constantFrom(...PATHS),
        (text, path) => {
          const article = normalizeOrReject(text, path);
          if (article !== null) expectValidArticle(article, path);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('returns a valid Article or throws InvalidArticleError for any bytes, including lone surrogates and NULs', () => {
    const loneSurrogates = fc
      .array(fc.oneof(piece, fc.constantFrom('\uD800', '\uDFFF', '\u0000', '\uFFFF')), { maxLength: 20 })
      .map((parts) => parts.join('\n'));
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 400 }), loneSurrogates),
        fc.constantFrom(...PATHS),
        (raw, path) => {
          const article = normalizeOrReject(raw, path);
          if (article !== null) expectValidArticle(article, path);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('is deterministic: the same input gives a deep-equal Article', () => {
    fc.assert(
      fc.property(articleText, fc.constantFrom(...PATHS), (text, path) => {
        const first = normalizeOrReject(text, path);
        const second = normalizeOrReject(new TextEncoder().encode(text), path);
        if (text.includes('\u0000')) return;
        expect(second).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });
});

// Words and sentences for well-formed articles whose whitespace can then be varied.
const word = fc.constantFrom('Putin', 'China', 'trade', 'pressure', 'Beijing', '“no limits”', '$18', 'billion', 'it’s');
const words = (min: number, max: number) =>
  fc.array(word, { minLength: min, maxLength: max }).map((list) => list.join(' '));
const sentence = words(3, 12).map((text) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
const paragraphs = fc.array(fc.array(sentence, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 });

interface Spacing {
  readonly newline: string;
  readonly blank: string;
  readonly space: string;
  readonly trailing: string;
  readonly bom: boolean;
}

const spacing: fc.Arbitrary<Spacing> = fc.record({
  newline: fc.constantFrom('\n', '\r\n', '\r'),
  blank: fc.constantFrom('', ' ', '\t', '  \t '),
  space: fc.constantFrom(' ', '  ', '\t', ' \t ', '\u00a0'),
  trailing: fc.constantFrom('', ' ', '\t\t', '\u200b'),
  bom: fc.boolean(),
});

function renderPlain(title: string, body: string[][], s: Spacing): string {
  const line = (text: string) => text.replaceAll(' ', s.space) + s.trailing;
  const lines = [line('Lead sentence of the story.'), s.blank, line(`• ${title} matters.`), line(title), s.blank];
  for (const sentences of body) lines.push(line(sentences.join(' ')), s.blank);
  lines.push(line('By Ana Lima and Ben Okafor'), s.blank, line('Politics'));
  return (s.bom ? '\uFEFF' : '') + lines.join(s.newline);
}

/**
 * In Markdown the space after a block marker (`##`, `-`) is structure, and CommonMark counts only spaces and tabs
 * there (`##` + U+00A0 is a paragraph); the spacing varies inside the text, where any whitespace is equal.
 */
function renderMarkdown(title: string, body: string[][], s: Spacing): string {
  const text = (value: string) => value.replaceAll(' ', s.space);
  const line = (marker: string, value: string) => `${marker}${text(value)}${s.trailing}`;
  const lines = ['---', `title: "${title}"`, 'date: 2024-05-16', 'tags: [a, b]', '---', s.blank];
  lines.push(line('## ', title), s.blank);
  for (const sentences of body) lines.push(...sentences.map((value) => line('', `*${value}*`)), s.blank);
  lines.push(line('- ', 'one [link](https://example.com/x) item'), line('- ', 'two `code` item'));
  return (s.bom ? '\uFEFF' : '') + lines.join(s.newline);
}

describe('contentHash', () => {
  it('is unchanged by whitespace-only edits (line endings, blank lines, spaces, tabs, BOM, zero-width)', () => {
    fc.assert(
      fc.property(
        words(1, 8).map((text) => `Story of ${text}`),
        paragraphs,
        spacing,
        spacing,
        (title, body, a, b) => {
          for (const [render, path] of [
            [renderPlain, 'articles/x.txt'],
            [renderMarkdown, 'articles/x.md'],
          ] as const) {
            const first = normalizeArticle(render(title, body, a), { path });
            const second = normalizeArticle(render(title, body, b), { path });
            expect(second.contentHash).toBe(first.contentHash);
            expect(second).toEqual(first);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('changes when a word of the body changes', () => {
    fc.assert(
      fc.property(paragraphs, spacing, (body, s) => {
        const first = normalizeArticle(renderPlain('Stable title', body, s), { path: 'articles/x.txt' });
        const changed = body.map((sentences) => sentences.map((text) => text.replace('.', ' again.')));
        const second = normalizeArticle(renderPlain('Stable title', changed, s), { path: 'articles/x.txt' });
        expect(second.contentHash).not.toBe(first.contentHash);
      }),
      { numRuns: 100 },
    );
  });
});

// Markdown constructs (CommonMark, GFM) and hostile input, to be shuffled, nested and cut at any point.
const markdownPiece = fc.constantFrom(
  '# Title',
  'Setext title\n===',
  '## Sub *heading* with `code`',
  '> quote\n> > nested **strong**',
  '- item\n  - nested\n    1. deep',
  '3. three\n4. four',
  '- [x] done\n- [ ] open',
  '| a | b |\n| :- | -: |\n| *c* | [d](e.html) |',
  '```js\n<script>alert(1)</script>\n```',
  '    indented code <b>',
  '~~~\nunclosed fence',
  'Text[^1] and[^missing].\n\n[^1]: A note with ![img](x.png).',
  '[ref]\n\n[ref]: https://example.com/r "T"',
  '![alt *text*](https://x.test/a.jpg "title") ![local](pics/a.png) ![bad](javascript:alert(1))',
  '[js](javascript:alert(1)) [data](data:text/html,<script>x</script>) [ent](jav&#x61;script:alert(1))',
  '[ms](ms-msdt:x) [vb](VBScript:msgbox(1)) <javascript:alert(1)> <https://ok.test/a>',
  '<img src=x onerror=alert(1)> <svg/onload=alert(1)> <iframe src="https://evil.test"></iframe>',
  '<div style="background:url(javascript:alert(1))">\n*md*\n</div>',
  '<a href="javascript:alert(1)">x</a> <scr<script>ipt>',
  '<details><summary>S</summary>hidden</details>',
  '&lt;script&gt; &#x3C;script&#x3E; &#0; &#x110000; &nbsp; &amp;',
  'www.example.com and https://x.test/?a=1&b=2 and desk@example.com',
  'line with two spaces  \nnext\\\nafter backslash',
  '**unclosed *mixed _delims `code',
  '***',
  '[[[[[[[[[[nested](x)]]]]]]]]]]',
  `${'> '.repeat(30)}deep quote`,
  `${'- '.repeat(30)}deep list`,
  `${'*'.repeat(50)}stars${'_'.repeat(50)}`,
  'Key Points',
  'Read more: elsewhere',
  'By Ana Lima and Ben Okafor',
  '\u0007\u0085\uFFFE \u200b bad chars',
  '',
);
const markdownText = fc
  .array(fc.tuple(markdownPiece, fc.constantFrom('\n', '\n\n', '\r\n', ' ', '\t', '\n   ')), { maxLength: 30 })
  .map((parts) => parts.map(([text, sep]) => text + sep).join(''));

describe('normalizeArticle on arbitrary Markdown', () => {
  it('returns a valid Article or throws InvalidArticleError, with or without front matter', () => {
    fc.assert(
      fc.property(markdownText, fc.boolean(), (text, front) => {
        const source = front ? `---\ntitle: T\n---\n${text}` : text;
        const article = normalizeOrReject(source, 'articles/sample.md');
        if (article !== null) expectValidArticle(article, 'articles/sample.md');
      }),
      { numRuns: 400 },
    );
  });

  it('always renders well-formed feeds and a page without script, handlers or refused URLs', () => {
    fc.assert(
      fc.property(markdownText, (text) => {
        const article = normalizeOrReject(`---\ntitle: "T <x> & ]]>"\n---\n${text}`, 'articles/sample.md');
        if (article === null) return;
        const entry = makeEntry(article, '2024-01-01T00:00:00Z');
        const [rss, atom, json] = renderFeeds(sampleSite, [entry]);
        assertWellFormedXml(rss?.body ?? '');
        assertWellFormedXml(atom?.body ?? '');
        const content = (JSON.parse(json?.body ?? '{}') as { items: { content_html: string }[] }).items[0]
          ?.content_html;
        const page = /<main>[\s\S]*<\/main>/.exec(renderArticlePage(sampleSite, entry).body)?.[0] ?? '';
        for (const html of [content ?? '', page]) {
          // Only tags: the same characters in escaped text are harmless.
          expect(html).not.toMatch(/<(?:script|iframe|svg|style|div|details|object|embed)\b|<[a-z][^<>]*\son[a-z]+=/i);
          expect(html).not.toMatch(REFUSED_HREF);
          expect(html).not.toMatch(/<img [^<>]*src="(?!https?:)/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
