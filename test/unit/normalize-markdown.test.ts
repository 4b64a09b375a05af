import { describe, expect, it } from 'vitest';
import type { Article, Block } from '../../functions/core/article.ts';
import { FrontMatterError } from '../../functions/core/errors.ts';
import { parseIsoDate } from '../../functions/core/normalize/front-matter.ts';
import { resolveImageSource, resolveLinkTarget } from '../../functions/core/normalize/references.ts';
import { slugFromPath } from '../../functions/core/normalize/slug.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { htmlOf, p, textOf } from '../helpers/blocks.ts';

const md = (body: string, path = 'articles/blocks.md'): Article => normalizeArticle(`# T\n\n${body}`, { path });
/** The published HTML of a one-paragraph (or one-block) Markdown body. */
const html = (body: string, path?: string): string => htmlOf(md(body, path).body);

describe('Markdown inline formatting (CommonMark)', () => {
  it.each([
    ['*em* and _em_', '<p><em>em</em> and <em>em</em></p>'],
    ['**strong** and __strong__', '<p><strong>strong</strong> and <strong>strong</strong></p>'],
    ['***both***', '<p><em><strong>both</strong></em></p>'],
    ['**bold *nested* text**', '<p><strong>bold <em>nested</em> text</strong></p>'],
    ['snake_case_name stays', '<p>snake_case_name stays</p>'],
    ['a * b * c', '<p>a * b * c</p>'],
    ['*unclosed and **also', '<p>*unclosed and **also</p>'],
    ['`a <b> & *c*`', '<p><code>a &lt;b&gt; &amp; *c*</code></p>'],
    ['``one ` inside``', '<p><code>one ` inside</code></p>'],
    ['`unclosed code', '<p>`unclosed code</p>'],
    ['\\*not em\\*', '<p>*not em*</p>'],
    [
      '[text](https://example.com/path?q=1&x="y")',
      '<p><a href="https://example.com/path?q=1&amp;x=%22y%22">text</a></p>',
    ],
    ['[a *b*](http://x.test/a_(b))', '<p><a href="http://x.test/a_(b)">a <em>b</em></a></p>'],
    [
      '[[nested](https://a.test/)](https://b.test/)',
      '<p>[<a href="https://a.test/">nested</a>](<a href="https://b.test/">https://b.test/</a>)</p>',
    ],
    ['[no link] (https://x.test/)', '<p>[no link] (<a href="https://x.test/">https://x.test/</a>)</p>'],
    ['line one  \nline two', '<p>line one<br>\nline two</p>'],
    ['line one\\\nline two', '<p>line one<br>\nline two</p>'],
    ['~~gone~~ and ~~ not ~~', '<p><del>gone</del> and ~~ not ~~</p>'],
    [
      '[ref] and [other][ref]\n\n[ref]: https://ref.test/x "The title"',
      '<p><a href="https://ref.test/x" title="The title">ref</a> and <a href="https://ref.test/x" title="The title">other</a></p>',
    ],
    ['AT&amp;T &copy; &#x41;', '<p>AT&amp;T © A</p>'],
  ])('%s', (source, expected) => {
    expect(html(source)).toBe(expected);
  });

  it('gives the plain text without markup', () => {
    expect(
      textOf(md('**Bold** [link](https://x.test/) `code` _em_ ![alt](https://x.test/a.png)').body[0] as Block),
    ).toBe('Bold link code em alt');
  });

  it('keeps a plain paragraph as text only, with no inline tree', () => {
    expect(md('Just words, & nothing else.').body).toEqual([p('Just words, & nothing else.')]);
  });
});

describe('link and image targets', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'vbscript:msgbox',
    'data:text/html;base64,PHNjcmlwdD4=',
    'file:///etc/passwd',
    'javascript&#58;alert(1)',
    'jav&#x61;script:alert(1)',
    'ms-msdt:/id%20PCWDiagnostic',
    'http://',
  ])('drops the link but keeps its text for the refused URL %s', (url) => {
    const out = html(`see [this](${url}) now`);
    expect(out).toBe('<p>see this now</p>');
  });

  it('keeps http, https, mailto, tel and other schemes, attribute-escaped', () => {
    expect(html("[q](https://x.test/?a='b'&c=d)")).toBe('<p><a href="https://x.test/?a=&#39;b&#39;&amp;c=d">q</a></p>');
    expect(html('[m](mailto:desk@example.com) [t](tel:+44-20-7946-0000) [i](irc://irc.example.net/news)')).toBe(
      '<p><a href="mailto:desk@example.com">m</a> <a href="tel:+44-20-7946-0000">t</a> <a href="irc://irc.example.net/news">i</a></p>',
    );
  });

  it('resolves relative targets against the article folder, site-root paths against the site, and keeps fragments', () => {
    const path = 'articles/2024/story.md';
    expect(resolveLinkTarget('other.html', path)).toBe('/articles/2024/other.html');
    expect(resolveLinkTarget('../about.html?x=1#top', path)).toBe('/articles/about.html?x=1#top');
    expect(resolveLinkTarget('/about.html', path)).toBe('/about.html');
    expect(resolveLinkTarget('../../../../etc/passwd', path)).toBe('/etc/passwd');
    expect(resolveLinkTarget('#notes', path)).toBe('#notes');
    expect(resolveLinkTarget('//cdn.example.com/x', path)).toBe('https://cdn.example.com/x');
    expect(html('[a](img/x.png) [b](#n)', path)).toBe(
      '<p><a href="https://news.example.com/articles/2024/img/x.png">a</a> <a href="#n">b</a></p>',
    );
  });

  it('accepts images over http(s) or from content/, and shows a refused one as its alt text', () => {
    expect(resolveImageSource('https://x.test/a.png', 'articles/s.md')).toBe('https://x.test/a.png');
    expect(resolveImageSource('pics/a b.png', 'articles/s.md')).toBe('/articles/pics/a%20b.png');
    for (const src of ['data:image/png;base64,iVBORw0KGgo=', 'javascript:alert(1)', 'ftp://x.test/a.png', '#x']) {
      expect(resolveImageSource(src, 'articles/s.md')).toBeNull();
      expect(html(`![the alt](${src})`)).toBe('<p>the alt</p>');
    }
  });
});

describe('Markdown blocks', () => {
  const doc = (body: string) => normalizeArticle(body, { path: 'articles/blocks.md' });

  it('uses the first "# " heading as the title and later ones as level-2 headings, setext ones too', () => {
    const article = doc('# First\n\nText.\n\n# Second\n\n### Third ###\n\nSetext\n======\n');
    expect(article.title).toBe('First');
    expect(htmlOf(article.body)).toBe('<p>Text.</p>\n<h2>Second</h2>\n<h3>Third</h3>\n<h2>Setext</h2>');
  });

  it('reads tight and loose lists, nested lists, ordered starts and quotes holding blocks', () => {
    const article = doc('# T\n\n- a\n  continued\n  - nested\n* b\n\n3. x\n\n4. y\n\n> > deep\n> quote\n');
    expect(htmlOf(article.body)).toBe(
      [
        '<ul><li>a continued<ul><li>nested</li></ul></li></ul>',
        '<ul><li>b</li></ul>',
        '<ol start="3"><li><p>x</p></li><li><p>y</p></li></ol>',
        '<blockquote><blockquote><p>deep quote</p></blockquote></blockquote>',
      ].join('\n'),
    );
  });

  it('keeps fenced and indented code exactly, with its language, and escapes it', () => {
    const article = doc('# T\n\n```js title="x"\n<script>x()</script>\n  indented\n```\n\n    four spaces\n\n---\n');
    expect(article.body).toEqual([
      { type: 'code', lang: 'js', text: '<script>x()</script>\n  indented\n' },
      { type: 'code', lang: null, text: 'four spaces\n' },
      { type: 'rule' },
    ]);
    expect(htmlOf(article.body)).toBe(
      '<pre><code class="language-js">&lt;script&gt;x()&lt;/script&gt;\n  indented\n</code></pre>\n<pre><code>four spaces\n</code></pre>\n<hr>',
    );
  });

  it('reads GFM tables with alignment, task lists, strikethrough, autolinks and footnotes', () => {
    const article = doc(
      [
        '# T',
        '',
        '| Left | Centre | Right | None |',
        '| :--- | :----: | ----: | ---- |',
        '| a | **b** | c | d |',
        '',
        '- [x] done',
        '- [ ] open',
        '',
        'Visit www.example.com, https://x.test/a or desk@example.com; not example.com. Text[^note] and more[^2].',
        '',
        '[^note]: The *note*.',
        '[^2]: Second.',
      ].join('\n'),
    );
    expect(article.body.map((block) => block.type)).toEqual(['table', 'list', 'paragraph', 'footnotes']);
    const out = htmlOf(article.body).split('\n');
    expect(out[0]).toBe(
      '<table><thead><tr><th style="text-align:left">Left</th><th style="text-align:center">Centre</th><th style="text-align:right">Right</th><th>None</th></tr></thead><tbody><tr><td style="text-align:left">a</td><td style="text-align:center"><strong>b</strong></td><td style="text-align:right">c</td><td>d</td></tr></tbody></table>',
    );
    expect(out[1]).toBe(
      '<ul><li><input type="checkbox" disabled checked> done</li><li><input type="checkbox" disabled> open</li></ul>',
    );
    expect(out[2]).toBe(
      '<p>Visit <a href="http://www.example.com">www.example.com</a>, <a href="https://x.test/a">https://x.test/a</a> or <a href="mailto:desk@example.com">desk@example.com</a>; not example.com. Text<sup class="footnote-ref"><a href="#fn-t-1" id="fnref-t-1">1</a></sup> and more<sup class="footnote-ref"><a href="#fn-t-2" id="fnref-t-2">2</a></sup>.</p>',
    );
    expect(out[3]).toBe(
      '<section class="footnotes"><hr><ol><li id="fn-t-1"><p>The <em>note</em>. <a href="#fnref-t-1" class="footnote-backref">↩</a></p></li><li id="fn-t-2"><p>Second. <a href="#fnref-t-2" class="footnote-backref">↩</a></p></li></ol></section>',
    );
  });

  it('keeps rules, and drops one-line promo paragraphs', () => {
    const article = doc('# T\n\n---\n\nRead more: elsewhere\n\nEnd.\n');
    expect(article.body).toEqual([{ type: 'rule' }, p('End.')]);
    expect(article.dropped).toEqual(['Read more: elsewhere']);
  });

  it('shows raw HTML as text, whatever its shape', () => {
    const out = htmlOf(
      doc('# T\n\n<div onclick="x()">\n<script>alert(1)</script>\n</div>\n\nInline <b>bold</b> <!-- c -->\n').body,
    );
    expect(out).toBe(
      '<p>&lt;div onclick="x()"&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;/div&gt;</p>\n<p>Inline &lt;b&gt;bold&lt;/b&gt; &lt;!-- c --&gt;</p>',
    );
  });

  it('lets front matter win over the body: title, summary and authors', () => {
    const article = doc(
      '---\ntitle: From YAML\nauthor: Front Author\nsummary: Given.\n---\n# From body\n\nBy Body Author\n',
    );
    expect(article.title).toBe('From YAML');
    expect(article.summary).toBe('Given.');
    expect(article.authors).toEqual(['Front Author']);
    expect(article.body.map((block) => block.type)).toEqual(['heading', 'paragraph']);
  });

  it('cleans YAML escapes that decode to control or zero-width characters', () => {
    const article = doc('---\ntitle: "Bad\\u0000 \\u200bchars\\x07 here"\ntags: ["a\\u0085b"]\n---\n');
    expect(article.title).toBe('Bad chars here');
    expect(article.tags).toEqual(['ab']);
  });

  it('removes control and zero-width characters that entities spell', () => {
    expect(html('a&#x200B;b &#0; c')).toBe('<p>ab \uFFFD c</p>');
  });
});

describe('front matter fields bloggers expect', () => {
  const front = (fields: string, body = 'Text.', path = 'articles/post.md') =>
    normalizeArticle(`---\ntitle: T\n${fields}\n---\n${body}\n`, { path });

  it('reads draft, slug, image, canonical_url and lang', () => {
    const article = front(
      'draft: true\nslug: my-post\nimage: { src: img/lead.jpg, alt: The harbour, title: At dawn }\ncanonical_url: https://first.example/post\nlang: de-ch',
    );
    expect(article.draft).toBe(true);
    expect(article.id).toBe('my-post');
    expect(article.image).toEqual({ src: '/articles/img/lead.jpg', alt: 'The harbour', title: 'At dawn' });
    expect(article.assets).toEqual(['articles/img/lead.jpg']);
    expect(article.canonicalUrl).toBe('https://first.example/post');
    expect(article.lang).toBe('de-CH');
  });

  it('takes the first body image as the lead image when front matter names none, and lists local images', () => {
    const article = front(
      '',
      '![First](pics/one.png) and ![Second](https://x.test/two.webp) ![Third](pics/one.png "t")',
    );
    expect(article.image).toEqual({ src: '/articles/pics/one.png', alt: 'First' });
    expect(article.assets).toEqual(['articles/pics/one.png']);
    expect(front('').image).toBeNull();
  });

  it.each([
    ['draft: "yes"', /"draft" must be true or false/],
    ['slug: Not A Slug', /"slug" must be lowercase/],
    ['image: [a, b]', /"image" must be an image path or URL/],
    ['image: notes.txt', /"image" must be an http\(s\) URL or the path of a .png/],
    ['image: javascript:alert(1)', /"image" must be an http\(s\) URL/],
    ['canonical_url: /relative', /"canonical_url" must be an absolute http or https URL/],
    ['lang: "not a language tag!"', /"lang" must be a language tag/],
  ])('rejects %s with a one-line error naming the file and field', (field, reason) => {
    let error: unknown;
    try {
      front(field);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FrontMatterError);
    const message = (error as FrontMatterError).message;
    expect(message.startsWith('articles/post.md: ')).toBe(true);
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });

  it('gives a Jekyll-style file name its date and an id without the date', () => {
    const article = normalizeArticle('# Title\n\nText.\n', { path: 'articles/2026-11-30-harbour-reopens.md' });
    expect(article.id).toBe('harbour-reopens');
    expect(article.published).toBe('2026-11-30T00:00:00.000Z');
    const dated = normalizeArticle('---\ntitle: T\ndate: 2026-12-01T08:00:00Z\nid: own-id\n---\n', {
      path: 'articles/2026-11-30-harbour-reopens.md',
    });
    expect([dated.id, dated.published]).toEqual(['own-id', '2026-12-01T08:00:00.000Z']);
    // Not a calendar date, or a plain-text source: the name is an ordinary slug.
    expect(normalizeArticle('# T\n', { path: 'articles/2026-02-30-x.md' }).id).toBe('2026-02-30-x');
    expect(normalizeArticle('Headline\n\nText.\n', { path: 'articles/2026-11-30-x.txt' }).id).toBe('2026-11-30-x');
  });

  it('keeps new fields out of the content hash while they have their defaults', () => {
    const plain = front('');
    const drafted = front('draft: true');
    const undrafted = front('draft: false');
    expect(undrafted.contentHash).toBe(plain.contentHash);
    expect(drafted.contentHash).not.toBe(plain.contentHash);
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
