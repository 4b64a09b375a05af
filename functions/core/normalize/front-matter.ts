/** YAML front matter of Markdown articles: split, parse with `yaml`, validate every field wirefeed reads. */
import { parse } from 'yaml';
import { FrontMatterError } from '../errors.ts';
import { cleanValue } from './heuristics.ts';
import { isSlug } from './slug.ts';

export interface FrontMatter {
  readonly id: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  readonly keyPoints: readonly string[] | null;
  readonly authors: readonly string[] | null;
  readonly category: string | null;
  readonly tags: readonly string[];
  readonly published: string | null;
  readonly updated: string | null;
  readonly draft: boolean;
  /** The `image` reference as written (resolved against the article's path by the Markdown reader). */
  readonly image: { readonly src: string; readonly alt: string; readonly title?: string } | null;
  readonly canonicalUrl: string | null;
  readonly lang: string | null;
}

const EMPTY: FrontMatter = {
  id: null,
  title: null,
  summary: null,
  keyPoints: null,
  authors: null,
  category: null,
  tags: [],
  published: null,
  updated: null,
  draft: false,
  image: null,
  canonicalUrl: null,
  lang: null,
};

/**
 * Splits `---` front matter off the top of the lines. Returns the YAML text (null when there is none) and the index
 * of the first body line. An opening `---` without a closing `---` or `...` is an error, not a body.
 */
export function splitFrontMatter(lines: readonly string[], file: string): { yaml: string | null; bodyStart: number } {
  if (lines[0]?.trimEnd() !== '---') return { yaml: null, bodyStart: 0 };
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trimEnd();
    if (line === '---' || line === '...') return { yaml: lines.slice(1, i).join('\n'), bodyStart: i + 1 };
  }
  throw new FrontMatterError(file, 'front matter opened with --- is never closed');
}

/** Parses and validates front matter. Unknown keys are ignored; a known key with the wrong type is an error. */
export function parseFrontMatter(yaml: string | null, file: string): FrontMatter {
  if (yaml === null) return EMPTY;
  let data: unknown;
  try {
    data = parse(yaml, { schema: 'core', uniqueKeys: true, maxAliasCount: 100, prettyErrors: false });
  } catch (error) {
    const detail = error instanceof Error ? firstLine(error.message) : 'unreadable YAML';
    throw new FrontMatterError(file, `front matter is not valid YAML${yamlPosition(yaml, error)}: ${detail}`, {
      cause: error,
    });
  }
  if (data === null || data === undefined) return EMPTY;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new FrontMatterError(file, 'front matter must be a mapping of keys to values');
  }
  const fields = data as Record<string, unknown>;
  const read = new FieldReader(fields, file);
  const id = read.slug('id') ?? read.slug('slug');
  return {
    id,
    title: read.text('title'),
    summary: read.text('summary') ?? read.text('description'),
    keyPoints: read.list('keyPoints') ?? read.list('key_points'),
    authors: read.authors(),
    category: read.text('category'),
    tags: read.list('tags') ?? [],
    published: read.date('date') ?? read.date('published'),
    updated: read.date('updated'),
    draft: read.boolean('draft') ?? false,
    image: read.image('image'),
    canonicalUrl: read.absoluteUrl('canonical_url') ?? read.absoluteUrl('canonicalUrl'),
    lang: read.languageTag('lang') ?? read.languageTag('language'),
  };
}

/** ` at line L, column C` of the file (the YAML starts on its second line, after `---`), when the error says where. */
function yamlPosition(yaml: string, error: unknown): string {
  const offset = (error as { pos?: readonly number[] }).pos?.[0];
  if (typeof offset !== 'number' || offset < 0) return '';
  const before = yaml.slice(0, offset);
  const line = before.split('\n').length + 1;
  return ` at line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

class FieldReader {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly file: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new FrontMatterError(this.file, `front matter "${key}" must be ${expected}`);
  }

  /** A string (numbers accepted, e.g. a numeric title); empty after cleaning counts as absent. */
  text(key: string): string | null {
    const value = this.fields[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' && typeof value !== 'number') this.fail(key, 'a string');
    const text = cleanValue(String(value));
    return text === '' ? null : text;
  }

  /** An article id: lowercase letters, digits and single dashes. */
  slug(key: string): string | null {
    const id = this.text(key);
    if (id !== null && !isSlug(id))
      this.fail(key, `lowercase letters, digits and single dashes (got ${JSON.stringify(id)})`);
    return id;
  }

  boolean(key: string): boolean | null {
    const value = this.fields[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'boolean') this.fail(key, `true or false (got ${JSON.stringify(value)})`);
    return value;
  }

  /** An absolute http(s) URL, e.g. where the article first appeared. */
  absoluteUrl(key: string): string | null {
    const text = this.text(key);
    if (text === null) return null;
    const url = URL.canParse(text) ? new URL(text) : null;
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
      this.fail(key, `an absolute http or https URL (got ${JSON.stringify(text)})`);
    }
    return url.href;
  }

  /** A BCP 47 language tag such as `en`, `de-CH` or `pt-BR`, in its canonical spelling. */
  languageTag(key: string): string | null {
    const text = this.text(key);
    if (text === null) return null;
    try {
      const [canonical] = Intl.getCanonicalLocales(text);
      if (canonical !== undefined) return canonical;
    } catch {
      // Reported below, naming the field.
    }
    return this.fail(key, `a language tag such as en, de-CH or pt-BR (got ${JSON.stringify(text)})`);
  }

  /** A path or URL, or `{ src, alt?, title? }`. */
  image(key: string): FrontMatter['image'] {
    const value = this.fields[key];
    if (value === undefined || value === null) return null;
    const expected = 'an image path or URL, or { src, alt, title }';
    if (typeof value === 'string') {
      const src = cleanValue(value);
      return src === '' ? null : { src, alt: '' };
    }
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, expected);
    const fields = value as Record<string, unknown>;
    const part = (name: string): string | null => {
      const v = fields[name];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') this.fail(`${key}.${name}`, 'a string');
      const text = cleanValue(v);
      return text === '' ? null : text;
    };
    const src = part('src') ?? part('url');
    if (src === null) this.fail(key, expected);
    const title = part('title');
    return { src, alt: part('alt') ?? '', ...(title === null ? {} : { title }) };
  }

  /** A list of strings, or one comma-separated string. */
  list(key: string): string[] | null {
    const value = this.fields[key];
    if (value === undefined || value === null) return null;
    const items =
      typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : this.fail(key, 'a list');
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number') this.fail(key, 'a list of strings');
      const text = cleanValue(String(item));
      if (text !== '' && !out.includes(text)) out.push(text);
    }
    return out;
  }

  /** `author` (a name or `{ name }`) or `authors` (a list of those). */
  authors(): string[] | null {
    const single = this.fields.author;
    const many = this.fields.authors;
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many)) return [this.name('authors', many)].filter((name) => name !== '');
      const names = many.map((entry) => this.name('authors', entry)).filter((name) => name !== '');
      return [...new Set(names)];
    }
    if (single !== undefined && single !== null) {
      const name = this.name('author', single);
      return name === '' ? null : [name];
    }
    return null;
  }

  private name(key: string, value: unknown): string {
    if (typeof value === 'string') return cleanValue(value);
    if (typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string') {
      return cleanValue((value as { name: string }).name);
    }
    return this.fail(key, 'a name or a list of names');
  }

  date(key: string): string | null {
    const value = this.fields[key];
    if (value === undefined || value === null) return null;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    const iso = typeof value === 'string' ? parseIsoDate(value.trim()) : null;
    if (iso === null) {
      this.fail(key, `a date such as 2024-05-16 or 2024-05-16T08:30:00Z (got ${JSON.stringify(String(value))})`);
    }
    return iso;
  }
}

// One level of optional groups, no nested quantifiers: linear. Input is also bounded to 40 characters.
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` to an ISO 8601 UTC string. A time
 * without a zone is taken as UTC, so the result never depends on the machine's time zone. Null when unparseable or
 * not a real calendar date.
 */
export function parseIsoDate(value: string): string | null {
  if (value.length > 40) return null;
  const match = ISO_DATE.exec(value);
  if (match === null) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  let time = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(time);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    time -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return new Date(time).toISOString();
}
