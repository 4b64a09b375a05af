/**
 * Reader for Markdown with optional YAML front matter: markdown-it builds the document (markdown-tree.ts), then the
 * article heuristics look at its top-level blocks — the first `# Heading` is the title, a "Key Points" label before
 * a list gives the key points, one-line promo paragraphs are dropped, a "By A and B" paragraph at the top or bottom
 * is the byline. Front matter wins over every heuristic; a Jekyll-style file name (`2026-11-30-title.md`) gives the
 * date and the id when front matter does not.
 */
import { type Block, type ImageRef, imageContentKey, imagesIn } from '../article.ts';
import { FrontMatterError, NoTitleError } from '../errors.ts';
import type { ArticleDraft } from './draft.ts';
import { parseFrontMatter, parseIsoDate, splitFrontMatter } from './front-matter.ts';
import { isKeyPointsLabel, isPromoLine, parseByline, summarize } from './heuristics.ts';
import { readMarkdownBlocks, type TopBlock } from './markdown-tree.ts';
import { dedupe } from './plain-text.ts';
import { resolveImageSource } from './references.ts';
import { baseName, slugify } from './slug.ts';

const JEKYLL_NAME = /^(\d{4}-\d{2}-\d{2})-(.+)$/;

/** `2026-11-30-title` → the date (midnight UTC) and the rest of the name; null for any other name or a non-date. */
export function readJekyllName(path: string): { readonly date: string; readonly rest: string } | null {
  const match = JEKYLL_NAME.exec(baseName(path));
  if (match === null) return null;
  const date = parseIsoDate(match[1] as string);
  const rest = match[2] as string;
  return date === null || slugify(rest) === '' ? null : { date, rest };
}

/** The list's items as plain text, one string per item. */
function itemTexts(block: Block): string[] {
  if (block.type !== 'list') return [];
  return block.items
    .map((item) =>
      item.blocks
        .map((b) => ('text' in b ? b.text : ''))
        .filter((text) => text !== '')
        .join(' '),
    )
    .filter((text) => text !== '');
}

interface Heuristics {
  title: string | null;
  keyPoints: string[] | null;
  readonly dropped: string[];
}

/** Applies the article heuristics to the top-level blocks; returns the body that remains. */
function readBody(top: readonly TopBlock[], found: Heuristics): Block[] {
  const body: Block[] = [];
  for (let i = 0; i < top.length; i++) {
    const { block, lines, h1 } = top[i] as TopBlock;
    const next = top[i + 1]?.block;
    if (block.type === 'heading' && h1 && found.title === null && block.text !== '') {
      found.title = block.text;
      continue;
    }
    const label = block.type === 'heading' || (block.type === 'paragraph' && lines === 1);
    if (label && found.keyPoints === null && next?.type === 'list' && isKeyPointsLabel(block.text)) {
      found.keyPoints = itemTexts(next);
      found.dropped.push(block.text);
      i++;
      continue;
    }
    if (block.type === 'paragraph' && lines === 1 && isPromoLine(block.text)) {
      found.dropped.push(block.text);
      continue;
    }
    body.push(block);
  }
  return body;
}

/** Without front matter authors, a "By A and B" paragraph at the top or the bottom of the body is the byline. */
function takeByline(body: Block[]): string[] {
  for (const index of [0, body.length - 1]) {
    const block = body[index];
    if (block?.type !== 'paragraph') continue;
    const names = parseByline(block.text);
    if (names !== null) {
      body.splice(index, 1);
      return names;
    }
  }
  return [];
}

/** The front matter `image`, resolved against the article's folder; a bad reference is an error naming the field. */
function frontMatterImage(image: ImageRef | null, file: string): ImageRef | null {
  if (image === null) return null;
  const src = resolveImageSource(image.src, file);
  if (src === null || (src.startsWith('/') && imageContentKey(src) === null)) {
    throw new FrontMatterError(
      file,
      `front matter "image" must be an http(s) URL or the path of a .png, .jpg, .gif, .webp, .avif or .svg file (got ${JSON.stringify(image.src)})`,
    );
  }
  return { ...image, src };
}

/** Reads a Markdown article. `lines` are cleaned of invalid and invisible characters but not yet collapsed. */
export function readMarkdown(lines: readonly string[], file: string): ArticleDraft {
  const { yaml, bodyStart } = splitFrontMatter(lines, file);
  const front = parseFrontMatter(yaml, file);
  const jekyll = readJekyllName(file);
  const found: Heuristics = {
    title: front.title,
    keyPoints: front.keyPoints ? [...front.keyPoints] : null,
    dropped: [],
  };

  const source = lines.slice(bodyStart).join('\n');
  const body = readBody(readMarkdownBlocks(source, file), found);
  const { title, keyPoints } = found;
  if (title === null) {
    throw new NoTitleError(file, 'no title: add "title:" to the front matter or a "# Heading" line');
  }
  const authors = front.authors ?? takeByline(body);

  const firstParagraph = body.find((block) => block.type === 'paragraph' && block.text !== '');
  const summary =
    front.summary ??
    (firstParagraph?.type === 'paragraph' ? summarize(firstParagraph.text) : (keyPoints?.[0] ?? summarize(title)));

  return {
    id: front.id ?? (jekyll === null ? null : slugify(jekyll.rest)),
    title,
    summary,
    keyPoints: keyPoints ?? [],
    authors: dedupe(authors),
    category: front.category,
    tags: front.tags,
    published: front.published ?? jekyll?.date ?? null,
    updated: front.updated,
    body,
    dropped: found.dropped,
    draft: front.draft,
    image: frontMatterImage(front.image, file) ?? imagesIn(body)[0] ?? null,
    canonicalUrl: front.canonicalUrl,
    lang: front.lang,
  };
}
