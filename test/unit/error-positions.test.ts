/** Errors about broken article files say where in the file they break. */
import { describe, expect, it } from 'vitest';
import { FrontMatterError, NotUtf8Error } from '../../functions/core/errors.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';

function reasonOf(raw: Uint8Array | string, path: string, type: typeof FrontMatterError | typeof NotUtf8Error): string {
  try {
    normalizeArticle(raw, { path });
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as FrontMatterError).reason;
  }
  throw new Error(`${path} was accepted`);
}

describe('front matter YAML errors give the line and column in the file', () => {
  it.each([
    ['---\ntitle: [unclosed\n---\nBody.\n', 'at line 2, column 17'],
    ['---\ntitle: T\ntitle: U\n---\n', 'at line 3, column 1'],
    ['---\ntitle: T\nsummary: "open\n---\nBody.\n', 'at line 3'],
  ])('%j', (text, where) => {
    expect(reasonOf(text, 'articles/broken.md', FrontMatterError)).toMatch(
      new RegExp(`^front matter is not valid YAML ${where}\\b.*: \\S`),
    );
  });
});

describe('UTF-8 errors give the byte offset and line of the first bad byte', () => {
  it('names the byte, its offset and its line (a Latin-1 é on line 3)', () => {
    const latin1 = Buffer.concat([Buffer.from('Headline\n\nCaf', 'utf8'), Buffer.from([0xe9]), Buffer.from(' text\n')]);
    expect(reasonOf(latin1, 'articles/latin1.txt', NotUtf8Error)).toBe(
      'not valid UTF-8 text: byte 0xE9 at offset 13 (line 3)',
    );
  });
});
