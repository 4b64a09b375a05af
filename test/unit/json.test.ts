import { describe, expect, it } from 'vitest';
import { InvalidJsonError, StoreError } from '../../functions/core/errors.ts';
import { parseJsonBytes, parseJsonText, parseStoredJson } from '../../functions/core/json.ts';
import type { StoredObject } from '../../functions/core/ports.ts';
import { describeInvalidUtf8, invalidUtf8Offset } from '../../functions/core/utf8.ts';

const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidJsonError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidJsonError');
};

describe('parseJsonText', () => {
  it('parses what JSON.parse parses, a leading byte-order mark included', () => {
    expect(parseJsonText('{"a": [1, 2.5e3, "x\\n", true, null]}')).toEqual({ a: [1, 2500, 'x\n', true, null] });
    expect(parseJsonText('\uFEFF{"a": 1}')).toEqual({ a: 1 });
  });

  it.each([
    ['{\n  "title": "Wire",\n  "siteUrl": "https://x",\n}\n', 'line 3, column 25: trailing comma before "}"'],
    ['{"a": 1', 'line 1, column 8: expected "," or "}", unexpected end of input'],
    ['{\n  "b": tru\n}', 'line 2, column 8: expected a value, found "tru"'],
    ['', 'line 1, column 1: unexpected end of input (expected a value)'],
    ['{\n "a": "x\ny"}', 'line 2, column 9: unescaped control character in a string'],
    ["{'a': 1}", 'line 1, column 2: property names must use double quotes'],
    ['[1, 2,]', 'line 1, column 6: trailing comma before "]"'],
    ['{"a": 1} x', 'line 1, column 10: unexpected text after the end of the JSON value'],
    ['{"a" 1}', 'line 1, column 6: expected ":" after the property name, unexpected "1"'],
    ['[01]', 'line 1, column 3: invalid number'],
    ['{"a": "\\q"}', 'line 1, column 8: invalid escape \\q'],
    ['{"a": "\\u12"}', 'line 1, column 8: \\u must be followed by four hex digits'],
    ['"unterminated', 'line 1, column 1: string never closed (it opens here)'],
  ])('%j: %s', (text, expected) => {
    expect(failure(() => parseJsonText(text))).toContain(`not valid JSON: ${expected}`);
  });

  it('reports a document nested deeper than it follows, instead of overflowing the stack', () => {
    expect(failure(() => parseJsonText(`${'['.repeat(100_000)}x`))).toMatch(/nested more than 512 levels deep/);
  });
});

describe('strict UTF-8', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);

  it('finds the first byte that is not UTF-8, and says on which line', () => {
    expect(invalidUtf8Offset(Buffer.from('plain ✓ text 😀', 'utf8'))).toBe(-1);
    expect(invalidUtf8Offset(bytes(0x61, 0x0a, 0x62, 0xe9, 0x74, 0xe9))).toBe(3);
    expect(describeInvalidUtf8(bytes(0x61, 0x0a, 0x62, 0xe9, 0x74))).toBe('byte 0xE9 at offset 3 (line 2)');
  });

  it.each([
    ['an overlong form', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a stray continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x9c]],
  ])('refuses %s, as the strict decoder does', (_name, values) => {
    const input = bytes(0x41, ...values);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(input)).toThrow();
    expect(invalidUtf8Offset(input)).toBe(1);
  });

  it('parseJsonBytes names the offset of a byte that is not UTF-8', () => {
    expect(failure(() => parseJsonBytes(bytes(0x7b, 0x0a, 0x22, 0xe9, 0x22, 0x7d)))).toBe(
      'not valid UTF-8: byte 0xE9 at offset 3 (line 2)',
    );
  });
});

describe('parseStoredJson', () => {
  const stored = (text: string): StoredObject => ({
    key: 'outbox/jobs/j.json',
    etag: '"0"',
    revision: '"0"',
    size: text.length,
    lastModified: new Date(0),
    body: Buffer.from(text, 'utf8'),
    contentType: undefined,
    cacheControl: undefined,
  });

  it('returns null for no object and the value for a good one', () => {
    expect(parseStoredJson(null, '/state/outbox/jobs/j.json', 'outbox record')).toBeNull();
    expect(parseStoredJson(stored('{"id": "j"}'), '/state/outbox/jobs/j.json', 'outbox record')).toEqual({ id: 'j' });
  });

  it('throws a StoreError naming the record, where it is broken and how (a truncated write)', () => {
    const error = (() => {
      try {
        parseStoredJson(stored('{"id": "j", "even'), '/state/outbox/jobs/j.json', 'outbox record');
      } catch (caught) {
        return caught as StoreError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(StoreError);
    expect(error?.message).toBe(
      'get /state/outbox/jobs/j.json: outbox record is not valid JSON: line 1, column 13: string never closed (it opens here)',
    );
  });
});
