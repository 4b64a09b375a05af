import { describe, expect, it } from 'vitest';
import { displayUrl, maskCredentials, printable, printableJson } from '../../functions/core/display.ts';

describe('printable', () => {
  it('shows terminal escapes, C1 controls and bidi overrides as escapes instead of obeying them', () => {
    expect(printable('ok\x1b[2J\x1b]0;pwned\x07 \u009b31m \u202eevil\r')).toBe(
      'ok\\x1b[2J\\x1b]0;pwned\\x07 \\x9b31m \\u202eevil\\x0d',
    );
    expect(printable('two\nlines')).toBe('two\\x0alines');
  });

  it('keeps line feeds and tabs in multi-line text, and leaves ordinary text alone', () => {
    expect(printable('a\n\tb\x1b[1m\r\n', { multiline: true })).toBe('a\n\tb\\x1b[1m\\x0d\n');
    expect(printable('Café — “quoted” ✓ 😀')).toBe('Café — “quoted” ✓ 😀');
  });

  it('printableJson encodes the same value with C1 and bidi controls escaped', () => {
    const value = { error: 'x\u009b[31m\u202e\x1b' };
    const text = printableJson(value);
    expect(text).toBe('{"error":"x\\u009b[31m\\u202e\\u001b"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('maskCredentials', () => {
  it.each([
    ['https://user:secret@hooks.example.com/in', 'https://***@hooks.example.com/in'],
    ['https://us@er:secret@host/', 'https://***@host/'],
    ['https://user:pa/ss@host/', 'https://***@host/'],
    ['https://user:pa?ss@host/', 'https://***@host/'],
    ['https://user:pa#ss@host/x', 'https://***@host/x'],
    ['https://user:pa\\ss@host/', 'https://***@host/'],
    ['https://user:123/ss@host/', 'https://***@host/'],
    ['https://token@host/path@x', 'https://***@host/path@x'],
    ['HTTPS:\\\\user:pw@host/', 'HTTPS:\\\\***@host/'],
    ['user:pw@host', '***@host'],
  ])('%s → %s', (url, masked) => {
    expect(maskCredentials(url)).toBe(masked);
    expect(maskCredentials(url)).not.toMatch(/secret|pa.?ss|pw|123|token|us@er/);
  });

  it('leaves a URL without credentials as it is, an @ in its path included', () => {
    for (const url of ['https://hooks.example.com/in', 'https://social.example/@alice', 'not a url']) {
      expect(maskCredentials(url)).toBe(url);
    }
  });

  it('displayUrl masks and escapes together', () => {
    expect(displayUrl('https://u:p@host/\x1b[31m')).toBe('https://***@host/\\x1b[31m');
  });
});
