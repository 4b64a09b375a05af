/**
 * Line classifiers shared by the plain-text and Markdown readers. Every function looks at one already-cleaned line
 * (NFC, whitespace collapsed, trimmed) with a bounded number of passes, so the readers stay linear in the input size.
 */
import { cleanText, collapseWhitespace } from '../text.ts';

export { collapseWhitespace };

/** Longest line taken as a headline. */
export const MAX_TITLE_CHARS = 120;
/** Longest line taken as a subheading inside the body. */
const MAX_HEADING_CHARS = 100;
const MAX_HEADING_WORDS = 12;
/** Longest line taken as a byline or a promo line; longer lines are prose even when they start the same way. */
const MAX_BYLINE_CHARS = 150;
const MAX_PROMO_CHARS = 200;
/** Longest lead line; a longer opening line is a body paragraph. */
const MAX_LEAD_CHARS = 400;
/** Upper bound of a derived summary, in UTF-16 code units. */
export const MAX_SUMMARY_CHARS = 300;

/** Full hygiene for a value that did not come from cleaned lines (e.g. a YAML string with escapes). */
export const cleanValue = cleanText;

// Characters that end a sentence or a clause: a line ending with one is prose, not a headline.
const CLAUSE_END = new Set(['.', ',', ';', ':', '…']);
const SENTENCE_END = new Set(['.', '!', '?', '…']);
const QUOTE_MARKS = new Set(['"', "'", '“', '”', '‘', '’', '«', '»', '„', '‚']);

function lastChar(value: string): string {
  return value.charAt(value.length - 1);
}

/** True when the line ends like a sentence: terminal punctuation, optionally followed by closing quotes/brackets. */
export function endsLikeSentence(value: string): boolean {
  let i = value.length - 1;
  while (i >= 0 && (QUOTE_MARKS.has(value.charAt(i)) || value.charAt(i) === ')' || value.charAt(i) === ']')) i--;
  return i >= 0 && (SENTENCE_END.has(value.charAt(i)) || CLAUSE_END.has(value.charAt(i)));
}

const LETTER = /\p{L}/u;
const UPPER = /\p{Lu}|\p{Lt}/u;
const LOWER = /\p{Ll}/u;

function firstLetter(value: string): string | null {
  for (const ch of value) {
    if (LETTER.test(ch)) return ch;
  }
  return null;
}

function startsUppercase(value: string): boolean {
  const letter = firstLetter(value);
  return letter !== null && !LOWER.test(letter);
}

/** True when the first character of the line is a lowercase letter (a hard-wrapped continuation). */
export function startsLowercase(value: string): boolean {
  const first = value.charAt(0);
  return first !== '' && LOWER.test(first);
}

function countWords(value: string, limit: number): number {
  let words = 1;
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) === 32 && ++words > limit) return words;
  }
  return words;
}

/**
 * A headline: short, does not start with a lowercase letter, and does not end like a clause (a one-line paragraph ending
 * with a period, with or without a closing quote, is prose; so is a line wholly in quotes). A question or exclamation
 * mark is allowed, and so is a closing quoted phrase ("Putin calls the partnership “no limits”").
 */
export function isTitleLike(value: string): boolean {
  if (value.length === 0 || value.length > MAX_TITLE_CHARS) return false;
  let end = value.length - 1;
  while (end > 0 && (QUOTE_MARKS.has(value.charAt(end)) || value.charAt(end) === ')')) end--;
  if (CLAUSE_END.has(value.charAt(end))) return false;
  // A line wholly in quotes is a quoted one-line paragraph; a headline may end with a quoted phrase.
  if (QUOTE_MARKS.has(value.charAt(0)) && QUOTE_MARKS.has(lastChar(value)) && value.length > 1) {
    const inner = value.slice(1, -1);
    let quotes = 0;
    for (const ch of inner) if (QUOTE_MARKS.has(ch) && ch !== '’' && ch !== "'") quotes++;
    if (quotes === 0) return false;
  }
  // "“No limits” partnership grows" and "‘no limits’ deal grows" are both headlines; "and then…" is a fragment.
  return !startsLowercase(value) && firstLetter(value) !== null;
}

/** A subheading: shorter than a headline, a few words, no terminal punctuation of any kind. */
export function isHeadingLike(value: string): boolean {
  if (value.length === 0 || value.length > MAX_HEADING_CHARS) return false;
  const last = lastChar(value);
  if (CLAUSE_END.has(last) || SENTENCE_END.has(last) || QUOTE_MARKS.has(last)) return false;
  if (countWords(value, MAX_HEADING_WORDS) > MAX_HEADING_WORDS) return false;
  return startsUppercase(value);
}

/** A lead (standfirst) line: one sentence-like line of modest length. */
export function isLeadLike(value: string): boolean {
  return value.length <= MAX_LEAD_CHARS && endsLikeSentence(value) && startsUppercase(value);
}

const CATEGORY_CHAR = /[\p{L}\p{N} &-]/u;

/**
 * A category line: one to three words of letters, digits, `&` or `-`, capitalised. With `strict`, every word must be
 * capitalised (used when no byline precedes it, so "Thanks for reading" is not a category).
 */
export function isCategoryLike(value: string, strict: boolean): boolean {
  if (value.length === 0 || value.length > 40) return false;
  const words = value.split(' ');
  if (words.length > 3) return false;
  for (const ch of value) {
    if (!CATEGORY_CHAR.test(ch)) return false;
  }
  if (!startsUppercase(value)) return false;
  if (strict) {
    for (const word of words) {
      if (word !== '&' && !UPPER.test(word.charAt(0)) && !/\p{N}/u.test(word.charAt(0))) return false;
    }
  }
  return true;
}

const KEY_POINT_LABELS = new Set([
  'key points',
  'key takeaways',
  'takeaways',
  'highlights',
  'at a glance',
  'in brief',
  'the big picture',
]);

/** A label line such as "Key Points" or "Key takeaways:" that introduces the key-point bullets. */
export function isKeyPointsLabel(value: string): boolean {
  if (value.length > 30) return false;
  let label = value.toLowerCase();
  if (label.endsWith(':')) label = label.slice(0, -1).trimEnd();
  return KEY_POINT_LABELS.has(label);
}

const BULLET_WITH_SPACE = new Set(['-', '*', '–', '+']);
const BULLET_GLYPHS = new Set(['•', '●', '▪', '◦', '‣', '·', '∙']);

export interface ListMarker {
  readonly ordered: boolean;
  /** The item text without its marker. */
  readonly item: string;
}

/**
 * Recognises a list item: `-`, `*`, `–` or `+` followed by a space, a bullet glyph (`•` with or without a space), or
 * `1.` / `1)` followed by a space. The line is already trimmed, so indentation does not matter.
 */
export function parseListMarker(value: string): ListMarker | null {
  const first = value.charAt(0);
  if (BULLET_GLYPHS.has(first)) {
    const item = value.slice(1).trim();
    return item === '' ? null : { ordered: false, item };
  }
  if (BULLET_WITH_SPACE.has(first) && value.charAt(1) === ' ') {
    const item = value.slice(2).trim();
    return item === '' ? null : { ordered: false, item };
  }
  let i = 0;
  while (i < value.length && i < 9 && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
  if (i > 0 && (value.charAt(i) === '.' || value.charAt(i) === ')') && value.charAt(i + 1) === ' ') {
    const item = value.slice(i + 2).trim();
    return item === '' ? null : { ordered: true, item };
  }
  return null;
}

const RULE_CHARS = new Set(['-', '*', '_', '=', '~', '#', '•', ' ']);

/** A separator line such as `***`, `- - -` or `=====`. */
export function isRuleLine(value: string): boolean {
  let marks = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (!RULE_CHARS.has(ch)) return false;
    if (ch !== ' ') marks++;
  }
  return marks >= 3;
}

// Promo prefixes that are boilerplate whatever follows them (compared lowercased).
const PROMO_PREFIXES = [
  'watch:',
  'watch now',
  'watch live',
  'watch the video',
  'read more:',
  'read more at',
  'read more on',
  'read more from',
  'read also:',
  'also read:',
  'related:',
  'related coverage',
  'related stories',
  'related articles',
  'see also:',
  "don't miss:",
  'don’t miss:',
  'sign up for',
  'sign up to',
  'subscribe to',
  'subscribe:',
  'follow us on',
  'listen:',
  'click here',
];
const PROMO_LINES = new Set(['read more', 'related', 'advertisement', 'watch', 'subscribe', 'sign up']);

/**
 * A promo line: "Watch: …", "Read more: …", "Related: …", "Sign up for …", "Subscribe to …" and friends, or "Watch …"
 * when the line does not read as a sentence (e.g. "Watch CNBC's full interview with …"). Long lines are prose.
 */
export function isPromoLine(value: string): boolean {
  if (value.length > MAX_PROMO_CHARS) return false;
  const lower = value.toLowerCase();
  for (const prefix of PROMO_PREFIXES) {
    if (lower.startsWith(prefix)) return true;
  }
  let bare = lower;
  while (bare.length > 0 && (CLAUSE_END.has(lastChar(bare)) || lastChar(bare) === '!')) bare = bare.slice(0, -1);
  if (PROMO_LINES.has(bare.trimEnd())) return true;
  return lower.startsWith('watch ') && !endsLikeSentence(value) && !QUOTE_MARKS.has(lastChar(value));
}

const NAME_PARTICLES = new Set([
  'de',
  'da',
  'das',
  'del',
  'della',
  'der',
  'di',
  'do',
  'dos',
  'du',
  'la',
  'le',
  'van',
  'von',
  'bin',
  'ibn',
  'al',
  'el',
  'y',
  'ten',
  'ter',
  'zu',
]);
const NAME_FORBIDDEN = new Set([':', ';', '"', '“', '”', '(', ')', '[', ']', '!', '?', '/', '|', '@', '<', '>']);

function isNameWord(word: string): boolean {
  if (NAME_PARTICLES.has(word)) return true;
  const letter = firstLetter(word);
  return letter !== null && UPPER.test(letter) && word.indexOf(letter) <= 1;
}

function isPersonName(name: string): boolean {
  const words = name.split(' ');
  if (words.length > 6) return false;
  for (const ch of name) {
    if (NAME_FORBIDDEN.has(ch)) return false;
  }
  const first = words[0];
  if (first === undefined || NAME_PARTICLES.has(first)) return false;
  return words.every(isNameWord);
}

/**
 * Parses a byline: "By A", "by A and B", "By A, B and C", "By A, B, and C", "By A & B". Each name is one to six
 * capitalised words (name particles such as "van" or "de" allowed). Returns null for prose that merely starts with
 * "By" ("By Tuesday, the troops had left.").
 */
export function parseByline(value: string): string[] | null {
  if (value.length < 4 || value.length > MAX_BYLINE_CHARS) return null;
  if (value.slice(0, 3).toLowerCase() !== 'by ') return null;
  const rest = value.slice(3).trim();
  if (rest.endsWith('.')) {
    const lastWord = rest.slice(rest.lastIndexOf(' ') + 1);
    // "Jr." or an initial may end a name; a longer word ending in a period ends a sentence.
    if (lastWord.length > 3) return null;
  }
  const names: string[] = [];
  for (const commaPart of rest.split(',')) {
    for (const andPart of commaPart.split(' and ')) {
      for (const ampPart of andPart.split(' & ')) {
        let name = ampPart.trim();
        if (name.startsWith('and ')) name = name.slice(4).trim();
        if (name === '') continue;
        if (!isPersonName(name)) return null;
        names.push(name);
      }
    }
  }
  if (names.length === 0 || names.length > 12) return null;
  return names;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cuts at `end`, stepping back one code unit if that would split a surrogate pair. */
function safeCut(value: string, end: number): string {
  return isHighSurrogate(value.charCodeAt(end - 1)) ? value.slice(0, end - 1) : value.slice(0, end);
}

/**
 * A summary of at most ~300 characters: the text itself when short enough, else cut after the last sentence that
 * fits, else at the last word boundary with an ellipsis.
 */
export function summarize(value: string, max: number = MAX_SUMMARY_CHARS): string {
  if (value.length <= max) return value;
  // A sentence boundary: terminal punctuation (possibly followed by closing quotes) then a space.
  for (let i = max - 1; i >= max / 4; i--) {
    if (value.charCodeAt(i + 1) !== 32) continue;
    let j = i;
    while (j > 0 && QUOTE_MARKS.has(value.charAt(j))) j--;
    if (SENTENCE_END.has(value.charAt(j))) return value.slice(0, i + 1);
  }
  const space = value.lastIndexOf(' ', max - 1);
  let cut = space > max / 4 ? value.slice(0, space) : safeCut(value, max - 1);
  while (cut.length > 0 && (CLAUSE_END.has(lastChar(cut)) || lastChar(cut) === ' ')) cut = cut.slice(0, -1);
  return `${cut}…`;
}
