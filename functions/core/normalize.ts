/**
 * Normalization: raw article bytes → Article (DESIGN.md, "Article"). Pure: no file system, clock or environment.
 *
 * Decoding and text hygiene happen once for the whole file; the format readers then work line by line
 * (`normalize/plain-text.ts`, `normalize/markdown.ts`), so the whole stage is linear in the input size.
 */
import { createHash } from 'node:crypto';
import { type Article, type Block, imageContentKey, imagesIn, type SourceFormat } from './article.ts';
import {
  ArticleTooLargeError,
  EmptyArticleError,
  InvalidArticleError,
  NotUtf8Error,
  UnsupportedFileTypeError,
} from './errors.ts';
import type { ArticleDraft } from './normalize/draft.ts';
import { readMarkdown } from './normalize/markdown.ts';
import { readPlainText } from './normalize/plain-text.ts';
import { slugFromPath } from './normalize/slug.ts';
import { escapeHtml, stripInvisible, stripXmlInvalid } from './text.ts';
import { describeInvalidUtf8 } from './utf8.ts';

export { NORMALIZER_VERSION } from './normalize/version.ts';

/** Largest accepted source file: 2 MiB of UTF-8. Larger files are rejected before any parsing. */
export const MAX_ARTICLE_BYTES = 2 * 1024 * 1024;

const EXTENSIONS: Readonly<Record<string, SourceFormat>> = { txt: 'txt', md: 'md', markdown: 'md' };

/** The source format from the file extension (case-insensitive), or an error naming the file. */
export function detectFormat(path: string): SourceFormat {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const format = EXTENSIONS[extension];
  if (format === undefined) {
    throw new UnsupportedFileTypeError(
      path,
      `unsupported file type ${extension === '' ? '(no extension)' : `".${extension}"`}: expected .txt, .md or .markdown`,
    );
  }
  return format;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Size check, binary check and strict UTF-8 decoding; returns the text without a leading byte-order mark. */
function decodeSource(raw: Uint8Array | string, file: string): string {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength;
  if (size > MAX_ARTICLE_BYTES) {
    throw new ArticleTooLargeError(file, `file is ${size} bytes; the limit is ${MAX_ARTICLE_BYTES} bytes (2 MiB)`);
  }
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    if (raw.includes(0)) throw new NotUtf8Error(file, 'binary file (contains NUL bytes), not UTF-8 text');
    try {
      text = utf8.decode(raw);
    } catch (error) {
      throw new NotUtf8Error(file, `not valid UTF-8 text: ${describeInvalidUtf8(raw)}`, { cause: error });
    }
  }
  if (text.includes('\u0000')) throw new NotUtf8Error(file, 'binary content (contains NUL characters), not text');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Lines of clean text: XML-invalid, C1-control and zero-width characters removed (before NFC, so removing them
 * cannot leave a decomposed sequence behind), then NFC; CRLF, CR and LF all end a line.
 */
function splitCleanLines(text: string): string[] {
  return stripInvisible(stripXmlInvalid(text))
    .normalize('NFC')
    .split(/\r\n|\r|\n/);
}

/** JSON already in its one spelling: a block built by this module's own code, whose key order never varies. */
class Serialized {
  constructor(readonly json: string) {}
}

/** Canonical JSON: object keys sorted at every level, so equal content always hashes equally. */
function canonicalJson(value: unknown): string {
  if (value instanceof Serialized) return value.json;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The form in which a block enters the content hash. Blocks that the first article model could already express
 * (paragraphs, headings and tight lists of plain text, which is all a plain-text source ever produces) hash in
 * that model's shape, `{ text, html }` with `html` the escaped text, so an upgrade leaves their hash — and so
 * every scraped article's feed identity and `updated` — exactly as it was. Everything else hashes as the readers
 * build it: their objects always have the same key order, so plain JSON is canonical for them, and cheaper.
 */
function hashForm(block: Block): unknown {
  if ((block.type === 'paragraph' || block.type === 'heading') && block.content === undefined) {
    return { ...block, html: escapeHtml(block.text) };
  }
  if (block.type === 'list' && block.start === undefined && block.loose === undefined) {
    const items = block.items.map((item) => {
      const only = item.blocks[0];
      return item.blocks.length === 1 &&
        item.checked === undefined &&
        only?.type === 'paragraph' &&
        only.content === undefined
        ? { text: only.text, html: escapeHtml(only.text) }
        : null;
    });
    if (items.every((item) => item !== null)) return { type: 'list', ordered: block.ordered, items };
  }
  return new Serialized(JSON.stringify(block));
}

/** Content keys of the local images an article shows, sorted and without repeats. */
function assetsOf(body: readonly Block[], image: Article['image']): string[] {
  const keys = new Set<string>();
  for (const { src } of image === null ? imagesIn(body) : [image, ...imagesIn(body)]) {
    const key = imageContentKey(src);
    if (key !== null) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * Turns one raw article (`.txt` scraped text or `.md` Markdown with YAML front matter) into an Article.
 *
 * @param raw the file's bytes (decoded as strict UTF-8) or its text
 * @param meta.path the source path relative to the content root, e.g. `articles/foo.txt`; it gives the format (by
 *   extension), the id (slug of the base name unless front matter sets `id`) and `source`
 * @throws InvalidArticleError (a subclass naming the file and the reason) and nothing else: unsupported extension,
 *   too large, binary or not UTF-8, empty, no recognisable title, bad front matter.
 */
export function normalizeArticle(raw: Uint8Array | string, meta: { readonly path: string }): Article {
  const file = meta.path;
  const format = detectFormat(file);
  const text = decodeSource(raw, file);
  const lines = splitCleanLines(text);
  if (lines.every((line) => line.trim() === '')) {
    throw new EmptyArticleError(file, text.length === 0 ? 'file is empty' : 'file contains only whitespace');
  }
  let draft: ArticleDraft;
  try {
    draft = format === 'md' ? readMarkdown(lines, file) : readPlainText(lines, file);
  } catch (error) {
    if (error instanceof InvalidArticleError) throw error;
    // A reader bug or a resource limit (e.g. a stack overflow in YAML) must still be reported as a bad article.
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArticleError(file, `cannot be read: ${reason}`, { cause: error });
  }
  const id = draft.id ?? slugFromPath(file);
  // Fields added after the first model enter the hash only when set, so their defaults change no existing hash.
  const content = {
    id,
    title: draft.title,
    summary: draft.summary,
    keyPoints: draft.keyPoints,
    authors: draft.authors,
    category: draft.category,
    tags: draft.tags,
    published: draft.published,
    updated: draft.updated,
    body: draft.body.map(hashForm),
    format,
    ...(draft.draft ? { draft: true } : {}),
    ...(draft.image === null ? {} : { image: draft.image }),
    ...(draft.canonicalUrl === null ? {} : { canonicalUrl: draft.canonicalUrl }),
    ...(draft.lang === null ? {} : { lang: draft.lang }),
  };
  const contentHash = createHash('sha256').update(canonicalJson(content)).digest('hex');
  return {
    id,
    title: draft.title,
    summary: draft.summary,
    keyPoints: draft.keyPoints,
    authors: draft.authors,
    category: draft.category,
    tags: draft.tags,
    published: draft.published,
    updated: draft.updated,
    body: draft.body,
    dropped: draft.dropped,
    contentHash,
    source: file,
    format,
    draft: draft.draft,
    image: draft.image,
    assets: assetsOf(draft.body, draft.image),
    canonicalUrl: draft.canonicalUrl,
    lang: draft.lang,
  };
}
