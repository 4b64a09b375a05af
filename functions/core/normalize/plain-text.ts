/**
 * Reader for scraped plain text. The shape it expects, every part optional except the headline:
 *
 *   lead sentence (+ duplicates)   → summary (duplicates dropped)
 *   "Key Points" label + bullets   → keyPoints
 *   "By A, B and C"                → authors (top or bottom)
 *   headline                       → title
 *   paragraphs, subheadings, lists → body
 *   promo lines                    → dropped
 *   "by A" + one-to-three-word line → authors, category
 *
 * Every decision looks at one line and its neighbours, so the reader is linear in the number of lines.
 */
import type { Block } from '../article.ts';
import { NoTitleError } from '../errors.ts';
import { type ArticleDraft, NO_FRONT_MATTER_EXTRAS, plainInline, plainItem } from './draft.ts';
import {
  collapseWhitespace,
  endsLikeSentence,
  isCategoryLike,
  isHeadingLike,
  isKeyPointsLabel,
  isLeadLike,
  isPromoLine,
  isRuleLine,
  isTitleLike,
  parseByline,
  parseListMarker,
  startsLowercase,
  summarize,
} from './heuristics.ts';

type UnitKind = 'line' | 'bullet' | 'numbered';

interface Unit {
  kind: UnitKind;
  /** The whole cleaned line (for list items: marker included). */
  text: string;
  /** List item text without its marker; equals `text` for lines. */
  item: string;
  /** Position in the source, so dropped lines are reported in source order. */
  order: number;
}

interface DroppedLine {
  readonly order: number;
  readonly text: string;
}

/** Turns lines into units: one per non-blank line, hard-wrapped continuation lines joined to the line they continue. */
function readUnits(lines: readonly string[], dropped: DroppedLine[]): Unit[] {
  const units: Unit[] = [];
  let blankBefore = true;
  for (const raw of lines) {
    const text = collapseWhitespace(raw);
    if (text === '') {
      blankBefore = true;
      continue;
    }
    if (isRuleLine(text)) {
      dropped.push({ order: units.length + dropped.length, text });
      blankBefore = true;
      continue;
    }
    const marker = parseListMarker(text);
    const previous = units[units.length - 1];
    // A line that starts in lowercase right after an unfinished line continues it (text hard-wrapped at ~72 columns).
    if (
      marker === null &&
      previous !== undefined &&
      !blankBefore &&
      !endsLikeSentence(previous.text) &&
      startsLowercase(text)
    ) {
      previous.text = `${previous.text} ${text}`;
      previous.item = `${previous.item} ${text}`;
      continue;
    }
    blankBefore = false;
    const order = units.length + dropped.length;
    if (marker === null) units.push({ kind: 'line', text, item: text, order });
    else units.push({ kind: marker.ordered ? 'numbered' : 'bullet', text, item: marker.item, order });
  }
  return units;
}

/** Reads a plain-text article. `lines` are cleaned of invalid and invisible characters but not yet collapsed. */
export function readPlainText(lines: readonly string[], file: string): ArticleDraft {
  const removed: DroppedLine[] = [];
  const drop = (unit: Unit) => removed.push({ order: unit.order, text: unit.text });
  const units: Unit[] = [];
  for (const unit of readUnits(lines, removed)) {
    if (unit.kind === 'line' && isPromoLine(unit.text)) drop(unit);
    else units.push(unit);
  }

  // Header: lead, its duplicates, key points (with an optional label), bylines and the headline, in any order.
  let lead: string | null = null;
  let title: string | null = null;
  let keyPoints: string[] | null = null;
  let authors: string[] = [];
  const seen = new Set<string>();
  let start = 0;
  while (start < units.length) {
    const unit = units[start] as Unit;
    if (unit.kind === 'bullet' && keyPoints === null) {
      keyPoints = [];
      while (start < units.length && units[start]?.kind === 'bullet') {
        keyPoints.push((units[start] as Unit).item);
        start++;
      }
      continue;
    }
    if (unit.kind !== 'line') break;
    if (seen.has(unit.text)) {
      drop(unit);
      start++;
      continue;
    }
    const byline = authors.length === 0 ? parseByline(unit.text) : null;
    if (byline !== null) {
      authors = byline;
      start++;
      continue;
    }
    if (keyPoints === null && isKeyPointsLabel(unit.text) && units[start + 1]?.kind === 'bullet') {
      drop(unit);
      start++;
      continue;
    }
    if (title === null && isTitleLike(unit.text)) {
      title = unit.text;
      seen.add(title);
      start++;
      continue;
    }
    if (title === null && lead === null && keyPoints === null && isLeadLike(unit.text)) {
      lead = unit.text;
      seen.add(lead);
      start++;
      continue;
    }
    break;
  }
  if (title === null) {
    throw new NoTitleError(file, 'no recognisable title (expected a short headline line near the top)');
  }

  // Trailer: an optional byline, then an optional category as the very last line.
  let end = units.length;
  let category: string | null = null;
  const last = units[end - 1];
  if (end - 1 >= start && last?.kind === 'line') {
    const beforeLast = units[end - 2];
    const afterByline = end - 2 >= start && beforeLast?.kind === 'line' && parseByline(beforeLast.text) !== null;
    if (parseByline(last.text) === null && isCategoryLike(last.text, !afterByline)) {
      category = last.text;
      end--;
    }
  }
  const tail = units[end - 1];
  if (end - 1 >= start && tail?.kind === 'line') {
    const byline = parseByline(tail.text);
    if (byline !== null) {
      if (authors.length === 0) authors = byline;
      end--;
    }
  }

  const body: Block[] = [];
  let previousText: string | null = null;
  let i = start;
  while (i < end) {
    const unit = units[i] as Unit;
    if (unit.kind !== 'line' || !isDuplicate(unit.text, lead, title, previousText)) {
      previousText = unit.text;
    } else {
      drop(unit);
      i++;
      continue;
    }
    if (unit.kind === 'bullet' || unit.kind === 'numbered') {
      let j = i;
      while (j < end && units[j]?.kind === unit.kind) j++;
      // A single numbered line ("2024. A year…") is prose, not a list.
      if (unit.kind === 'numbered' && j - i < 2) {
        body.push({ type: 'paragraph', ...plainInline(unit.text) });
      } else {
        const items = units.slice(i, j).map((u) => plainItem(u.item));
        body.push({ type: 'list', ordered: unit.kind === 'numbered', items });
      }
      previousText = units[j - 1]?.text ?? null;
      i = j;
      continue;
    }
    // A subheading sits between paragraphs; a heading-like last line has nothing to head.
    if (i + 1 < end && isHeadingLike(unit.text)) body.push({ type: 'heading', level: 2, ...plainInline(unit.text) });
    else body.push({ type: 'paragraph', ...plainInline(unit.text) });
    i++;
  }

  const firstParagraph = body.find((block) => block.type === 'paragraph');
  const summary =
    lead !== null
      ? summarize(lead)
      : firstParagraph !== undefined
        ? summarize(firstParagraph.text)
        : (keyPoints?.[0] ?? title);

  return {
    id: null,
    title,
    summary,
    keyPoints: keyPoints ?? [],
    authors: dedupe(authors),
    category,
    tags: [],
    published: null,
    updated: null,
    body,
    dropped: removed.sort((a, b) => a.order - b.order).map((line) => line.text),
    ...NO_FRONT_MATTER_EXTRAS,
  };
}

function isDuplicate(text: string, lead: string | null, title: string, previous: string | null): boolean {
  return text === lead || text === title || text === previous;
}

/** Removes repeated entries, keeping the first occurrence. */
export function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}
