import { describe, expect, it } from 'vitest';
import {
  ArticleTooLargeError,
  EmptyArticleError,
  FrontMatterError,
  InvalidArticleError,
  NoTitleError,
  NotUtf8Error,
  UnsupportedFileTypeError,
} from '../../functions/core/errors.ts';
import { MAX_ARTICLE_BYTES, normalizeArticle } from '../../functions/core/normalize.ts';

/** Runs normalize and returns what it threw, failing the test when it did not throw. */
function failure(raw: Uint8Array | string, path: string): InvalidArticleError {
  try {
    normalizeArticle(raw, { path });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArticleError);
    const invalid = error as InvalidArticleError;
    expect(invalid.file).toBe(path);
    expect(invalid.message).toContain(path);
    return invalid;
  }
  throw new Error(`normalizeArticle accepted ${path}`);
}

const GOOD_TXT = 'A headline\n\nA paragraph.\n';

describe('normalizeArticle rejects unusable input with a named error that names the file', () => {
  it('empty file', () => {
    const error = failure(new Uint8Array(0), 'articles/empty.txt');
    expect(error).toBeInstanceOf(EmptyArticleError);
    expect(error.reason).toBe('file is empty');
  });

  it('whitespace-only file (spaces, tabs, CRLF, BOM, zero-width spaces)', () => {
    const error = failure('\uFEFF  \t\r\n\u200b\n \n', 'articles/blank.md');
    expect(error).toBeInstanceOf(EmptyArticleError);
    expect(error.reason).toMatch(/only whitespace/);
  });

  it('invalid UTF-8 bytes', () => {
    const bytes = new Uint8Array([...Buffer.from('Headline\n\nCaf'), 0xe9, ...Buffer.from(' au lait.\n')]);
    const error = failure(bytes, 'articles/latin1.txt');
    expect(error).toBeInstanceOf(NotUtf8Error);
    expect(error.reason).toMatch(/UTF-8/);
  });

  it('binary content with NUL bytes, even when it is valid UTF-8', () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    expect(failure(bytes, 'articles/image.txt')).toBeInstanceOf(NotUtf8Error);
    const nulText = new Uint8Array(Buffer.from('Headline\n\nText\u0000more.\n'));
    expect(failure(nulText, 'articles/nul.txt')).toBeInstanceOf(NotUtf8Error);
    expect(failure('Headline\n\nText\u0000more.', 'articles/nul-string.md')).toBeInstanceOf(NotUtf8Error);
  });

  it('no recognisable title in plain text (only sentences) or Markdown (no front matter title, no "# ")', () => {
    const txt = failure('This is a sentence.\n\nAnd another one follows here.\n', 'articles/untitled.txt');
    expect(txt).toBeInstanceOf(NoTitleError);
    expect(txt.reason).toMatch(/title/);
    const md = failure('Just a paragraph.\n\n## A second-level heading\n', 'articles/untitled.md');
    expect(md).toBeInstanceOf(NoTitleError);
  });

  it('file larger than 2 MiB, checked before decoding (bytes) and by UTF-8 size (strings)', () => {
    const bytes = new Uint8Array(MAX_ARTICLE_BYTES + 1).fill(0x61);
    const error = failure(bytes, 'articles/huge.txt');
    expect(error).toBeInstanceOf(ArticleTooLargeError);
    expect(error.reason).toContain(String(MAX_ARTICLE_BYTES));
    // 1 MiB + 1 characters of a 2-byte character is over the limit in UTF-8.
    expect(failure('é'.repeat(MAX_ARTICLE_BYTES / 2 + 1), 'articles/huge.md')).toBeInstanceOf(ArticleTooLargeError);
    // Exactly at the limit is accepted.
    const atLimit = `Headline\n\n${'word '.repeat((MAX_ARTICLE_BYTES - 10) / 5)}`;
    expect(normalizeArticle(atLimit, { path: 'articles/at-limit.txt' }).title).toBe('Headline');
  });

  it('front matter that is not valid YAML, not a mapping, or never closed', () => {
    const broken = failure('---\ntitle: [unclosed\n---\nBody.\n', 'articles/broken.md');
    expect(broken).toBeInstanceOf(FrontMatterError);
    expect(broken.reason).toMatch(/YAML/);
    expect(broken.cause).toBeDefined();
    expect(failure('---\n- a\n- b\n---\n# T\n', 'articles/list.md')).toBeInstanceOf(FrontMatterError);
    expect(failure('---\ntitle: T\n\nBody.\n', 'articles/unclosed.md').reason).toMatch(/never closed/);
    expect(failure('---\ntitle: T\ntitle: U\n---\n', 'articles/duplicate-key.md')).toBeInstanceOf(FrontMatterError);
  });

  it('front matter fields of the wrong type, an unparseable date or an id with non-slug characters', () => {
    const date = failure('---\ntitle: T\ndate: next Tuesday\n---\nBody.\n', 'articles/bad-date.md');
    expect(date).toBeInstanceOf(FrontMatterError);
    expect(date.reason).toMatch(/"date"/);
    expect(failure('---\ntitle: T\ndate: 2024-02-30\n---\n', 'articles/feb-30.md')).toBeInstanceOf(FrontMatterError);
    expect(failure('---\ntitle: T\nupdated: 2024-13-01\n---\n', 'articles/month-13.md').reason).toMatch(/"updated"/);
    expect(failure('---\ntitle: T\nid: Not A Slug!\n---\n', 'articles/bad-id.md').reason).toMatch(/"id"/);
    expect(failure('---\ntitle: T\nid: ../../etc\n---\n', 'articles/traversal-id.md')).toBeInstanceOf(FrontMatterError);
    expect(failure('---\ntitle: [a, b]\n---\n', 'articles/list-title.md').reason).toMatch(/"title"/);
    expect(failure('---\ntitle: T\ntags: {a: 1}\n---\n', 'articles/map-tags.md').reason).toMatch(/"tags"/);
    expect(failure('---\ntitle: T\nauthors: [[x]]\n---\n', 'articles/nested-authors.md')).toBeInstanceOf(
      FrontMatterError,
    );
  });

  it('YAML alias bombs are refused instead of expanded', () => {
    const bomb = [
      '---',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'title: T',
      '---',
    ].join('\n');
    expect(failure(bomb, 'articles/bomb.md')).toBeInstanceOf(FrontMatterError);
  });

  it('unsupported file types', () => {
    for (const path of ['articles/page.html', 'articles/notes', 'articles/data.json', 'articles/.md']) {
      const error = failure(GOOD_TXT, path);
      expect(error).toBeInstanceOf(UnsupportedFileTypeError);
      expect(error.reason).toMatch(/unsupported file type/);
    }
  });

  it('accepts the same text under .txt, .TXT, .md and .markdown', () => {
    expect(normalizeArticle(GOOD_TXT, { path: 'articles/a.TXT' }).format).toBe('txt');
    expect(normalizeArticle('# A headline\n', { path: 'articles/a.md' }).format).toBe('md');
    expect(normalizeArticle('# A headline\n', { path: 'articles/a.markdown' }).format).toBe('md');
  });
});
