import { describe, expect, it } from 'vitest';
import { parseIsoDate } from '../../functions/core/normalize/front-matter.ts';
import { parseInline, safeHref } from '../../functions/core/normalize/inline.ts';
import { slugFromPath } from '../../functions/core/normalize/slug.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';

describe('Markdown inline formatting', () => {
  it.each([
    ['*em* and _em_', '<em>em</em> and <em>em</em>'],
    ['**strong** and __strong__', '<strong>strong</strong> and <strong>strong</strong>'],
    ['***both***', '<strong><em>both</em></strong>'],
    ['**bold *nested* text**', '<strong>bold <em>nested</em> text</strong>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['a * b * c', 'a * b * c'],
    ['*unclosed and **also', '*unclosed and **also'],
    ['`a <b> & *c*`', '<code>a &lt;b&gt; &amp; *c*</code>'],
    ['``one ` inside``', '<code>one ` inside</code>'],
    ['`unclosed code', '`unclosed code'],
    ['\\*not em\\*', '*not em*'],
    ['[text](https://example.com/path?q=1&x="y")', '[text](https://example.com/path?q=1&amp;x="y")'],
    ['[a *b*](http://x.test/a_(b))', '<a href="http://x.test/a_(b)">a <em>b</em></a>'],
    ['[[nested](https://a.test/)](https://b.test/)', '[<a href="https://a.test/">nested</a>](https://b.test/)'],
    ['[no link] (https://x.test/)', '[no link] (https://x.test/)'],
    ['<b onclick="x">raw</b>', '&lt;b onclick="x"&gt;raw&lt;/b&gt;'],
  ])('%s', (source, html) => {
    expect(parseInline(source).html).toBe(html);
  });

  it('gives the plain text without markup', () => {
    expect(parseInline('**Bold** [link](https://x.test/) `code` _em_').text).toBe('Bold link code em');
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'vbscript:msgbox',
    'data:text/html;base64,PHNjcmlwdD4=',
    'file:///etc/passwd',
    '/relative/path',
    '#anchor',
    'javascript&#58;alert(1)',
    'http://',
  ])('drops the link but keeps its text for the unsafe or non-absolute URL %s', (url) => {
    expect(safeHref(url)).toBeNull();
    const inline = parseInline(`see [this](${url.replaceAll(' ', '')}) now`);
    expect(inline.html).not.toContain('<a');
    expect(inline.html).not.toMatch(/javascript|vbscript/i);
  });

  it('keeps http, https and mailto links, normalized and attribute-escaped', () => {
    expect(safeHref('https://example.com/a b')).toBe('https://example.com/a%20b');
    expect(safeHref('mailto:desk@example.com')).toBe('mailto:desk@example.com');
    expect(parseInline("[q](https://x.test/?a='b')").html).toBe('<a href="https://x.test/?a=%27b%27">q</a>');
  });

  it('stays linear on long runs of unclosed delimiters', () => {
    const hostile = `${'*a _b **c [d]( `'.repeat(20_000)}${'['.repeat(50_000)}${'](x'.repeat(50_000)}`;
    const inline = parseInline(hostile);
    expect(inline.text.length).toBeGreaterThan(0);
    expect(inline.html).not.toContain('<a');
  });
});

describe('Markdown blocks', () => {
  const md = (body: string) => normalizeArticle(body, { path: 'articles/blocks.md' });

  it('uses the first "# " heading as the title and later ones as level-2 headings', () => {
    const article = md('# First\n\nText.\n\n# Second\n\n### Third ###\n');
    expect(article.title).toBe('First');
    expect(article.body).toEqual([
      { type: 'paragraph', text: 'Text.', html: 'Text.' },
      { type: 'heading', level: 2, text: 'Second', html: 'Second' },
      { type: 'heading', level: 3, text: 'Third', html: 'Third' },
    ]);
  });

  it('joins wrapped paragraph and list lines, splits lists by kind, and flattens nested quotes', () => {
    const article = md('# T\n\nOne\ntwo.\n\n- a\n  continued\n* b\n\n1. x\n2) y\n\n> > deep\n> quote\n');
    expect(article.body).toEqual([
      { type: 'paragraph', text: 'One two.', html: 'One two.' },
      {
        type: 'list',
        ordered: false,
        items: [
          { text: 'a continued', html: 'a continued' },
          { text: 'b', html: 'b' },
        ],
      },
      {
        type: 'list',
        ordered: true,
        items: [
          { text: 'x', html: 'x' },
          { text: 'y', html: 'y' },
        ],
      },
      { type: 'quote', text: 'deep quote', html: 'deep quote' },
    ]);
  });

  it('keeps fenced code as escaped code text and drops rules and promo lines', () => {
    const article = md('# T\n\n```js\n<script>x()</script>\n```\n\n---\n\nRead more: elsewhere\n\nEnd.\n');
    expect(article.body).toEqual([
      { type: 'paragraph', text: '<script>x()</script>', html: '<code>&lt;script&gt;x()&lt;/script&gt;</code>' },
      { type: 'paragraph', text: 'End.', html: 'End.' },
    ]);
    expect(article.dropped).toEqual(['Read more: elsewhere']);
  });

  it('lets front matter win over the body: title, summary and authors', () => {
    const article = md(
      '---\ntitle: From YAML\nauthor: Front Author\nsummary: Given.\n---\n# From body\n\nBy Body Author\n',
    );
    expect(article.title).toBe('From YAML');
    expect(article.summary).toBe('Given.');
    expect(article.authors).toEqual(['Front Author']);
    expect(article.body.map((block) => block.type)).toEqual(['heading', 'paragraph']);
  });

  it('cleans YAML escapes that decode to control or zero-width characters', () => {
    const article = md('---\ntitle: "Bad\\u0000 \\u200bchars\\x07 here"\ntags: ["a\\u0085b"]\n---\n');
    expect(article.title).toBe('Bad chars here');
    expect(article.tags).toEqual(['ab']);
  });
});

describe('ids and dates', () => {
  it('slugs file names: accents stripped, separators collapsed, at most 80 characters, never empty', () => {
    expect(slugFromPath('articles/Putin Wants — THREE things!.txt')).toBe('putin-wants-three-things');
    expect(slugFromPath('articles/nested/dir/Ærø_Œuvre Straße.md')).toBe('aero-oeuvre-strasse');
    expect(slugFromPath(`articles/${'long-name-'.repeat(20)}.md`).length).toBeLessThanOrEqual(80);
    expect(slugFromPath('articles/日本語.txt')).toMatch(/^article-[0-9a-f]{12}$/);
    expect(slugFromPath('articles/日本語.txt')).toBe(slugFromPath('other/日本語.md'));
  });

  it('keeps the id when the title changes', () => {
    const before = normalizeArticle('Old title\n\nText.\n', { path: 'articles/story.txt' });
    const after = normalizeArticle('New title\n\nText.\n', { path: 'articles/story.txt' });
    expect(after.id).toBe(before.id);
    expect(after.contentHash).not.toBe(before.contentHash);
  });

  it.each([
    ['2024-05-16', '2024-05-16T00:00:00.000Z'],
    ['2024-05-16T08:30:00Z', '2024-05-16T08:30:00.000Z'],
    ['2024-05-16 08:30', '2024-05-16T08:30:00.000Z'],
    ['2024-05-16T08:30:00.123456+05:30', '2024-05-16T03:00:00.123Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('parses %s as %s', (input, iso) => {
    expect(parseIsoDate(input)).toBe(iso);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-05-16T24:00', '16/05/2024', 'May 16, 2024', ''])('rejects %s', (input) => {
    expect(parseIsoDate(input)).toBeNull();
  });
});
