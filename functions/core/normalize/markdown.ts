/**
 * Reader for Markdown with optional YAML front matter. A small line-by-line block parser (ATX headings, paragraphs,
 * `-`/`*`/`+` and `1.` lists, `>` quotes, fenced code, rules) feeds the inline parser. Raw HTML is never passed
 * through: it is text, escaped like any other text. Front matter wins over what the body suggests.
 */
import type { Block, Inline } from '../article.ts';
import { NoTitleError } from '../errors.ts';
import { escapeHtml } from '../text.ts';
import type { ArticleDraft } from './draft.ts';
import { parseFrontMatter, splitFrontMatter } from './front-matter.ts';
import {
  collapseWhitespace,
  isKeyPointsLabel,
  isPromoLine,
  isRuleLine,
  parseByline,
  parseListMarker,
  summarize,
} from './heuristics.ts';
import { parseInline } from './inline.ts';
import { dedupe } from './plain-text.ts';

/** A block as read from the source, before inline parsing. */
type RawBlock =
  | { kind: 'paragraph'; lines: string[] }
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'list'; ordered: boolean; items: string[][]; blankSeen: boolean }
  | { kind: 'quote'; lines: string[] }
  | { kind: 'code'; lines: string[] };

const MARKDOWN_LIST_START = '-*+0123456789';

function leadingSpaces(line: string): number {
  let n = 0;
  while (n < line.length && (line.charAt(n) === ' ' || line.charAt(n) === '\t')) n++;
  return n;
}

/** `#` to `######` followed by a space (or nothing); returns null for anything else, e.g. `#hashtag`. */
function parseAtxHeading(line: string): { level: number; text: string } | null {
  let level = 0;
  while (level < line.length && line.charAt(level) === '#') level++;
  if (level === 0 || level > 6) return null;
  if (level < line.length && line.charAt(level) !== ' ') return null;
  let text = line.slice(level).trim();
  // Optional closing sequence: "## Title ##".
  let end = text.length;
  while (end > 0 && text.charAt(end - 1) === '#') end--;
  if (end === 0 || text.charAt(end - 1) === ' ') text = text.slice(0, end).trimEnd();
  return { level, text };
}

function fenceOf(line: string): string | null {
  const first = line.charAt(0);
  if (first !== '`' && first !== '~') return null;
  let n = 0;
  while (n < line.length && line.charAt(n) === first) n++;
  return n >= 3 ? first.repeat(n) : null;
}

/** Splits Markdown body lines into raw blocks. One pass; each line is looked at a constant number of times. */
function readBlocks(lines: readonly string[], start: number): RawBlock[] {
  const blocks: RawBlock[] = [];
  let current: RawBlock | null = null;
  let fence: string | null = null;
  const close = () => {
    if (current !== null) blocks.push(current);
    current = null;
  };
  for (let index = start; index < lines.length; index++) {
    const raw = lines[index] as string;
    const indent = leadingSpaces(raw);
    const line = collapseWhitespace(raw);
    if (fence !== null) {
      if (line.startsWith(fence) && line.length === leadingRun(line)) {
        fence = null;
        close();
      } else if (current?.kind === 'code') {
        current.lines.push(line);
      }
      continue;
    }
    if (line === '') {
      if (current?.kind === 'list') current.blankSeen = true;
      else close();
      continue;
    }
    const opening = indent < 4 ? fenceOf(line) : null;
    if (opening !== null) {
      close();
      fence = opening;
      current = { kind: 'code', lines: [] };
      continue;
    }
    const heading = parseAtxHeading(line);
    if (heading !== null) {
      close();
      blocks.push({ kind: 'heading', level: heading.level, text: heading.text });
      continue;
    }
    if (isRuleLine(line)) {
      close();
      continue;
    }
    // Markdown list markers only: `-`, `*`, `+`, `1.`, `1)` (a "•" or "–" line is a paragraph here).
    const marker = MARKDOWN_LIST_START.includes(line.charAt(0)) ? parseListMarker(line) : null;
    if (marker !== null) {
      if (current?.kind === 'list' && current.ordered === marker.ordered) {
        current.items.push([marker.item]);
        current.blankSeen = false;
      } else {
        close();
        current = { kind: 'list', ordered: marker.ordered, items: [[marker.item]], blankSeen: false };
      }
      continue;
    }
    if (line.startsWith('>')) {
      let text = line;
      while (text.startsWith('>')) text = text.slice(1).trimStart();
      if (current?.kind !== 'quote') {
        close();
        current = { kind: 'quote', lines: [] };
      }
      if (text !== '') current.lines.push(text);
      continue;
    }
    if (current?.kind === 'list') {
      // After a blank line only an indented line still belongs to the item; otherwise a new paragraph starts.
      if (!current.blankSeen || indent >= 2) {
        current.items[current.items.length - 1]?.push(line);
        current.blankSeen = false;
        continue;
      }
      close();
    }
    if (current?.kind === 'paragraph' || current?.kind === 'quote') {
      current.lines.push(line);
      continue;
    }
    close();
    current = { kind: 'paragraph', lines: [line] };
  }
  close();
  return blocks;
}

function leadingRun(line: string): number {
  const first = line.charAt(0);
  let n = 0;
  while (n < line.length && line.charAt(n) === first) n++;
  return n;
}

function joinLines(lines: readonly string[]): string {
  return collapseWhitespace(lines.join(' '));
}

/** Reads a Markdown article. `lines` are cleaned of invalid and invisible characters but not yet collapsed. */
export function readMarkdown(lines: readonly string[], file: string): ArticleDraft {
  const { yaml, bodyStart } = splitFrontMatter(lines, file);
  const front = parseFrontMatter(yaml, file);
  const dropped: string[] = [];
  let title = front.title;
  let keyPoints = front.keyPoints;
  let authors = front.authors;

  const raw = readBlocks(lines, bodyStart);
  const body: Block[] = [];
  for (let i = 0; i < raw.length; i++) {
    const block = raw[i] as RawBlock;
    const next = raw[i + 1];
    if (block.kind === 'heading') {
      const inline = parseInline(collapseWhitespace(block.text));
      if (inline.text === '') continue;
      if (block.level === 1 && title === null) {
        title = inline.text;
        continue;
      }
      // A "Key Points" heading or line right before a list introduces the key points.
      if (keyPoints === null && next?.kind === 'list' && isKeyPointsLabel(inline.text)) {
        keyPoints = next.items.map((item) => parseInline(joinLines(item)).text).filter((text) => text !== '');
        dropped.push(inline.text);
        i++;
        continue;
      }
      const level = Math.min(6, Math.max(2, block.level)) as 2 | 3 | 4 | 5 | 6;
      body.push({ type: 'heading', level, ...inline });
      continue;
    }
    if (block.kind === 'list') {
      const items = block.items.map((item) => parseInline(joinLines(item))).filter((item) => item.text !== '');
      if (items.length > 0) body.push({ type: 'list', ordered: block.ordered, items });
      continue;
    }
    if (block.kind === 'code') {
      const text = joinLines(block.lines);
      if (text !== '') body.push({ type: 'paragraph', text, html: `<code>${escapeHtml(text)}</code>` });
      continue;
    }
    const source = joinLines(block.lines);
    const inline = parseInline(source);
    if (inline.text === '') continue;
    if (block.kind === 'quote') {
      body.push({ type: 'quote', ...inline });
      continue;
    }
    if (block.lines.length === 1 && isPromoLine(inline.text)) {
      dropped.push(inline.text);
      continue;
    }
    if (keyPoints === null && next?.kind === 'list' && block.lines.length === 1 && isKeyPointsLabel(inline.text)) {
      keyPoints = next.items.map((item) => parseInline(joinLines(item)).text).filter((text) => text !== '');
      dropped.push(inline.text);
      i++;
      continue;
    }
    body.push({ type: 'paragraph', ...inline });
  }

  if (title === null) {
    throw new NoTitleError(file, 'no title: add "title:" to the front matter or a "# Heading" line');
  }
  if (authors === null) authors = takeByline(body);

  const firstParagraph = body.find((block): block is Block & Inline => block.type === 'paragraph');
  const summary =
    front.summary ??
    (firstParagraph !== undefined ? summarize(firstParagraph.text) : (keyPoints?.[0] ?? summarize(title)));

  return {
    id: front.id,
    title,
    summary,
    keyPoints: keyPoints ?? [],
    authors: dedupe(authors),
    category: front.category,
    tags: front.tags,
    published: front.published,
    updated: front.updated,
    body,
    dropped,
  };
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
