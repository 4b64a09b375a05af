import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Article, Inline } from '../../functions/core/article.ts';
import { InvalidArticleError } from '../../functions/core/errors.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';

// XML 1.0 forbidden characters, lone surrogates, C1 controls and the zero-width characters cleanText removes.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u200C\u2060\uFEFF\u00AD\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ALLOWED_TAG = /<a href="(?:https?|mailto):[^"<>]*">|<\/a>|<\/?(?:em|strong|code)>/g;
const PATHS = ['articles/sample.txt', 'articles/sample.md'] as const;

/** Every string in the article, for the character checks. */
function strings(article: Article): string[] {
  const inlines: Inline[] = article.body.flatMap((block) => (block.type === 'list' ? block.items : [block]));
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
    ...inlines.flatMap((inline) => [inline.text, inline.html]),
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
    const inlines = block.type === 'list' ? block.items : [block];
    if (block.type === 'list') expect(block.items.length).toBeGreaterThan(0);
    if (block.type === 'heading') expect([2, 3, 4, 5, 6]).toContain(block.level);
    for (const inline of inlines) {
      expect(inline.text.length).toBeGreaterThan(0);
      // Only the allowed tags: with them removed, no markup character is left in the HTML.
      expect(inline.html.replace(ALLOWED_TAG, '')).not.toMatch(/[<>]/);
    }
  }
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

function renderMarkdown(title: string, body: string[][], s: Spacing): string {
  const line = (text: string) => text.replaceAll(' ', s.space) + s.trailing;
  const lines = ['---', `title: "${title}"`, 'date: 2024-05-16', 'tags: [a, b]', '---', s.blank];
  lines.push(line(`## ${title}`), s.blank);
  for (const sentences of body) lines.push(...sentences.map((text) => line(`*${text}*`)), s.blank);
  lines.push(line('- one [link](https://example.com/x) item'), line('- two `code` item'));
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
