import { createHash } from 'node:crypto';

/** Longest slug derived from a file name. */
export const MAX_SLUG_CHARS = 80;

// Latin letters that NFKD does not decompose, spelled the way their languages transliterate them.
const LATIN_LETTERS: Readonly<Record<string, string>> = {
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ß: 'ss',
  đ: 'd',
  ł: 'l',
  þ: 'th',
  ð: 'd',
  ı: 'i',
};

/** True for lowercase ASCII letters and digits separated by single dashes, at most 100 characters. */
export function isSlug(value: string): boolean {
  if (value.length === 0 || value.length > 100) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const alnum = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (alnum) continue;
    if (code !== 45 || i === 0 || i === value.length - 1 || value.charCodeAt(i - 1) === 45) return false;
  }
  return true;
}

/**
 * Slug of a text: NFKD with combining marks removed ("Müller" → "muller", "Ærø" → "aero"), lowercase ASCII letters and digits, runs
 * of anything else turned into one `-`, cut to 80 characters at a dash when possible.
 */
export function slugify(value: string): string {
  const ascii = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[æøœßđłþðı]/g, (ch) => LATIN_LETTERS[ch] ?? ch);
  let slug = '';
  let dash = false;
  for (let i = 0; i < ascii.length; i++) {
    const code = ascii.charCodeAt(i);
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (dash && slug !== '') slug += '-';
      slug += ascii.charAt(i);
      dash = false;
    } else {
      dash = true;
    }
  }
  if (slug.length > MAX_SLUG_CHARS) {
    const cut = slug.lastIndexOf('-', MAX_SLUG_CHARS);
    slug = slug.slice(0, cut > MAX_SLUG_CHARS / 2 ? cut : MAX_SLUG_CHARS);
    while (slug.endsWith('-')) slug = slug.slice(0, -1);
  }
  return slug;
}

/** The base name of a source path without directories and without its extension. */
export function baseName(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * The article id derived from its source path: the slug of the file's base name. A name with no ASCII-sluggable
 * character (e.g. "日本.txt") gets `article-` and a short hash of the name, still stable.
 */
export function slugFromPath(path: string): string {
  const base = baseName(path);
  const slug = slugify(base);
  if (slug !== '') return slug;
  return `article-${createHash('sha256').update(base.normalize('NFC')).digest('hex').slice(0, 12)}`;
}
