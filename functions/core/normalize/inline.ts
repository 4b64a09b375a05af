/**
 * A small, linear-time Markdown inline parser: `*em*` / `_em_`, `**strong**` / `__strong__`, `` `code` ``,
 * `[text](url)`, `![alt](src)` (kept as its alt text) and backslash escapes. Everything else, raw HTML included, is
 * text. The result is plain text plus HTML built from a tree, so every text leaf is escaped and the only tags are
 * `em`, `strong`, `code` and `a` with an http, https or mailto `href`.
 *
 * Linear time: openers live on a stack of frames whose children are linked lists (closing or abandoning a frame is
 * O(1)); per-kind opener stacks with lazy deletion find the matching opener without scanning; code-span closers are
 * found through per-length queues of backtick runs whose cursors only move forward; link destinations stop at the
 * first bracket, parenthesis or space, so no character is scanned twice.
 */
import type { Inline } from '../article.ts';
import { escapeAttr, escapeHtml } from '../text.ts';
import { collapseWhitespace } from './heuristics.ts';

type Node = TextNode | CodeNode | ElementNode;

interface TextNode {
  readonly kind: 'text';
  readonly value: string;
  next: Node | null;
}

interface CodeNode {
  readonly kind: 'code';
  readonly value: string;
  next: Node | null;
}

interface ElementNode {
  readonly kind: 'em' | 'strong' | 'a';
  readonly href: string;
  readonly head: Node | null;
  next: Node | null;
}

type FrameKind = 'em' | 'strong' | 'link' | 'image' | 'root';

interface Frame {
  readonly kind: FrameKind;
  /** `*` or `_` for emphasis frames. */
  readonly delimiter: string;
  /** The source text that opened the frame, restored when the frame is never closed. */
  readonly marker: string;
  head: Node | null;
  tail: Node | null;
  alive: boolean;
}

/** Deepest nesting of open frames; deeper openers are text, which bounds the renderer's recursion. */
const MAX_DEPTH = 24;
const MAX_URL_CHARS = 2048;
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const DESTINATION_STOP = new Set([' ', '[', ']', '<', '>', '"', '`']);

function newFrame(kind: FrameKind, delimiter: string, marker: string): Frame {
  return { kind, delimiter, marker, head: null, tail: null, alive: true };
}

function append(frame: Frame, node: Node): void {
  if (frame.tail === null) frame.head = node;
  else frame.tail.next = node;
  frame.tail = node;
}

/** Moves `child`'s marker and children to the end of `parent`, in O(1). */
function spliceAsText(parent: Frame, child: Frame): void {
  if (child.marker !== '') append(parent, { kind: 'text', value: child.marker, next: null });
  spliceChildren(parent, child);
}

function spliceChildren(parent: Frame, child: Frame): void {
  if (child.head === null || child.tail === null) return;
  if (parent.tail === null) parent.head = child.head;
  else parent.tail.next = child.head;
  parent.tail = child.tail;
}

function isWhitespace(ch: string): boolean {
  return ch === '' || ch === ' ' || ch === '\t' || ch === '\n';
}

function isAlphanumeric(ch: string): boolean {
  return ch !== '' && /[\p{L}\p{N}]/u.test(ch);
}

/** The href for a link destination, or null when the scheme is not http, https or mailto (e.g. `javascript:`). */
export function safeHref(raw: string): string | null {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url.href;
  if (url.protocol === 'mailto:' && url.pathname !== '') return url.href;
  return null;
}

class InlineParser {
  private readonly source: string;
  private readonly stack: Frame[];
  /** Open emphasis frames by `delimiter + length` (`*1`, `*2`, `_1`, `_2`), topmost last; dead entries skipped lazily. */
  private readonly openers = new Map<string, Frame[]>();
  /** Open link/image frames, topmost last; cleared when a link forms (links do not nest). */
  private brackets: Frame[] = [];
  /** Start positions of backtick runs by run length, and a forward-only cursor into each list. */
  private readonly backtickRuns = new Map<number, number[]>();
  private readonly backtickCursor = new Map<number, number>();
  private text = '';

  constructor(source: string) {
    this.source = source;
    this.stack = [newFrame('root', '', '')];
    this.indexBacktickRuns();
  }

  private indexBacktickRuns(): void {
    const s = this.source;
    let i = 0;
    while (i < s.length) {
      if (s.charCodeAt(i) !== 96) {
        i++;
        continue;
      }
      let j = i;
      while (j < s.length && s.charCodeAt(j) === 96) j++;
      const runs = this.backtickRuns.get(j - i);
      if (runs === undefined) this.backtickRuns.set(j - i, [i]);
      else runs.push(i);
      i = j;
    }
  }

  private get top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  private flushText(): void {
    if (this.text !== '') {
      append(this.top, { kind: 'text', value: this.text, next: null });
      this.text = '';
    }
  }

  private push(frame: Frame): void {
    this.flushText();
    this.stack.push(frame);
    if (frame.kind === 'link' || frame.kind === 'image') {
      this.brackets.push(frame);
    } else {
      const key = frame.delimiter + frame.marker.length;
      const list = this.openers.get(key);
      if (list === undefined) this.openers.set(key, [frame]);
      else list.push(frame);
    }
  }

  /** Abandons every frame above `target` (they become text) and pops `target` itself. */
  private popTo(target: Frame): void {
    for (;;) {
      const frame = this.stack.pop() as Frame;
      frame.alive = false;
      if (frame === target) return;
      spliceAsText(this.top, frame);
    }
  }

  private topAlive(list: Frame[] | undefined): Frame | null {
    if (list === undefined) return null;
    while (list.length > 0 && !(list[list.length - 1] as Frame).alive) list.pop();
    return list[list.length - 1] ?? null;
  }

  parse(): Node | null {
    const s = this.source;
    let i = 0;
    while (i < s.length) {
      const ch = s.charAt(i);
      if (ch === '\\' && i + 1 < s.length && ASCII_PUNCTUATION.includes(s.charAt(i + 1))) {
        this.text += s.charAt(i + 1);
        i += 2;
      } else if (ch === '`') {
        i = this.readCode(i);
      } else if (ch === '*' || ch === '_') {
        i = this.readDelimiterRun(i, ch);
      } else if (ch === '[' || (ch === '!' && s.charAt(i + 1) === '[')) {
        const image = ch === '!';
        if (this.stack.length > MAX_DEPTH) this.text += image ? '![' : '[';
        else this.push(newFrame(image ? 'image' : 'link', '', image ? '![' : '['));
        i += image ? 2 : 1;
      } else if (ch === ']') {
        i = this.readCloseBracket(i);
      } else {
        let j = i + 1;
        while (j < s.length && !'\\`*_[]!'.includes(s.charAt(j))) j++;
        this.text += s.slice(i, j);
        i = j;
      }
    }
    this.flushText();
    while (this.stack.length > 1) {
      const frame = this.stack.pop() as Frame;
      frame.alive = false;
      spliceAsText(this.top, frame);
    }
    return this.top.head;
  }

  private readCode(start: number): number {
    const s = this.source;
    let end = start;
    while (end < s.length && s.charCodeAt(end) === 96) end++;
    const length = end - start;
    const runs = this.backtickRuns.get(length) ?? [];
    let cursor = this.backtickCursor.get(length) ?? 0;
    while (cursor < runs.length && (runs[cursor] as number) < end) cursor++;
    this.backtickCursor.set(length, cursor);
    const close = runs[cursor];
    if (close === undefined) {
      this.text += s.slice(start, end);
      return end;
    }
    let value = s.slice(end, close);
    if (value.length > 1 && value.startsWith(' ') && value.endsWith(' ')) value = value.slice(1, -1);
    this.flushText();
    append(this.top, { kind: 'code', value, next: null });
    return close + length;
  }

  private readDelimiterRun(start: number, delimiter: string): number {
    const s = this.source;
    let end = start;
    while (end < s.length && s.charAt(end) === delimiter) end++;
    const before = s.charAt(start - 1);
    const after = s.charAt(end);
    let canOpen = !isWhitespace(after);
    let canClose = start > 0 && !isWhitespace(before);
    if (delimiter === '_') {
      // Intraword underscores (snake_case) are text.
      canOpen = canOpen && !isAlphanumeric(before);
      canClose = canClose && !isAlphanumeric(after);
    }
    let remaining = end - start;
    while (canClose && remaining > 0) {
      const top = this.top;
      let target: Frame | null = null;
      if (
        (top.kind === 'em' || top.kind === 'strong') &&
        top.delimiter === delimiter &&
        top.marker.length <= remaining
      ) {
        target = top;
      } else {
        target =
          (remaining >= 2 ? this.topAlive(this.openers.get(`${delimiter}2`)) : null) ??
          this.topAlive(this.openers.get(`${delimiter}1`));
      }
      if (target === null) break;
      this.flushText();
      this.popTo(target);
      append(this.top, { kind: target.kind as 'em' | 'strong', href: '', head: target.head, next: null });
      remaining -= target.marker.length;
    }
    if (canOpen && remaining > 0) {
      while (remaining > 0 && this.stack.length <= MAX_DEPTH) {
        const size = remaining >= 2 ? 2 : 1;
        this.push(newFrame(size === 2 ? 'strong' : 'em', delimiter, delimiter.repeat(size)));
        remaining -= size;
      }
    }
    if (remaining > 0) this.text += delimiter.repeat(remaining);
    return end;
  }

  private readCloseBracket(start: number): number {
    const s = this.source;
    const opener = this.topAlive(this.brackets);
    if (opener === null) {
      this.text += ']';
      return start + 1;
    }
    let destination: string | null = null;
    let end = start + 1;
    if (s.charAt(start + 1) === '(') {
      // Balanced parentheses are part of the destination ("javascript:alert(1)" must be seen whole to be refused).
      let j = start + 2;
      let depth = 0;
      for (; j < s.length && j - start < MAX_URL_CHARS; j++) {
        const c = s.charAt(j);
        if (c === '(') depth++;
        else if (c === ')' && depth-- === 0) break;
        else if (DESTINATION_STOP.has(c)) break;
      }
      if (s.charAt(j) === ')') {
        destination = s.slice(start + 2, j);
        end = j + 1;
      }
    }
    if (destination === null) {
      // Not a link: the opener stays as text and later brackets cannot pair with it.
      this.brackets.pop();
      this.text += ']';
      return start + 1;
    }
    this.flushText();
    this.popTo(opener);
    const href = opener.kind === 'link' ? safeHref(destination) : null;
    if (href !== null) {
      append(this.top, { kind: 'a', href, head: opener.head, next: null });
      // Links do not nest: earlier openers stay as text and can no longer form links.
      this.brackets = [];
    } else {
      // An image keeps its alt text; a link with an unsafe or unsupported URL keeps its text, without the link.
      spliceChildren(this.top, opener);
    }
    return end;
  }
}

function renderHtml(node: Node | null): string {
  let html = '';
  for (let n = node; n !== null; n = n.next) {
    if (n.kind === 'text') html += escapeHtml(n.value);
    else if (n.kind === 'code') html += `<code>${escapeHtml(n.value)}</code>`;
    else if (n.kind === 'a') html += `<a href="${escapeAttr(n.href)}">${renderHtml(n.head)}</a>`;
    else html += `<${n.kind}>${renderHtml(n.head)}</${n.kind}>`;
  }
  return html;
}

function renderText(node: Node | null): string {
  let text = '';
  for (let n = node; n !== null; n = n.next) {
    if (n.kind === 'text' || n.kind === 'code') text += n.value;
    else text += renderText(n.head);
  }
  return text;
}

/** Parses one block's Markdown inline content into plain text and safe inline HTML. */
export function parseInline(source: string): Inline {
  const root = new InlineParser(source).parse();
  // The source is already clean; joining leaves can only break NFC (a combining mark after a tag) or spacing.
  return {
    text: collapseWhitespace(renderText(root).normalize('NFC')),
    html: collapseWhitespace(renderHtml(root).normalize('NFC')),
  };
}
