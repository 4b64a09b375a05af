/**
 * Inline tokens of markdown-it → the model's inline tree (article.ts). Text stays text: raw HTML is never enabled
 * in the parser, so `<b>` arrives here as the characters `<b>` and the renderer escapes them. Link and image
 * targets go through the reference policy (references.ts); a refused target keeps its words and loses the link.
 */
import type { Token } from 'markdown-it';
import type { Inline, InlineNode } from '../article.ts';
import { collapseWhitespace, mayHoldInvisibleOrInvalid, stripInvisible, stripXmlInvalid } from '../text.ts';
import { resolveImageSource, resolveLinkTarget } from './references.ts';

/** What converting inline tokens needs to know about the article. */
export interface InlineContext {
  /** The article's content key, against which relative targets resolve. */
  readonly source: string;
}

/** Builds a node list in linear time: adjacent text is gathered and joined once, so equal content has one shape. */
class Nodes {
  readonly list: InlineNode[] = [];
  private pending: string[] = [];

  text(value: string): void {
    if (value !== '') this.pending.push(value);
  }

  node(node: InlineNode): void {
    if (node.type === 'text') {
      this.text(node.value);
      return;
    }
    this.flush();
    this.list.push(node);
  }

  all(nodes: readonly InlineNode[]): void {
    for (const node of nodes) this.node(node);
  }

  done(): InlineNode[] {
    this.flush();
    return this.list;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // Whitespace runs become one space, as HTML would show them; the ends are trimmed per block, not per node.
    const value = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.list.push({ type: 'text', value: UNCOLLAPSED.test(value) ? value.replace(/\s+/g, ' ') : value });
    this.pending = [];
  }
}

/** Whitespace other than single spaces. */
const UNCOLLAPSED = /[^\S ]| {2}/;
/** Removes what the model never holds (XML-invalid, invisible and C1 characters) and composes to NFC. */
export function cleanInlineText(value: string): string {
  // The source was cleaned before parsing, so only entities can bring such a character back.
  const clean = mayHoldInvisibleOrInvalid(value) ? stripInvisible(stripXmlInvalid(value)) : value;
  // ASCII is always NFC; other text may be joined from NFC pieces (an entity, a combining mark) that are not.
  return /[^\t-~]/.test(clean) ? clean.normalize('NFC') : clean;
}

function attr(token: Token, name: string): string | null {
  const value = token.attrGet(name);
  return value === null ? null : String(value);
}

/**
 * GFM's autolink literals (extension "autolinks"): `www.` or `http://`, `https://`, `ftp://`, then a domain of at
 * least two labels and anything up to whitespace or `<`; or an e-mail address. Each starts a line or follows
 * whitespace or `*`, `_`, `~`, `(`.
 */
const AUTOLINK =
  /(^|[\s*_~(])(?:((?:www\.|(?:https?|ftp):\/\/)[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)+[^\s<]*)|([a-zA-Z0-9.+_-]+@[a-zA-Z0-9_-]+(?:\.[a-zA-Z0-9_-]+)+))/gu;
const MAY_AUTOLINK = /www\.|:\/\/|@/;
const TRAILING_PUNCTUATION = '?!.,:*_~\'"';

/** GFM's end of an autolink: trailing punctuation, an unbalanced `)` and a trailing entity-like `&x;` are not part of it. */
function trimAutolink(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url.charAt(end - 1);
    if (TRAILING_PUNCTUATION.includes(last)) {
      end--;
    } else if (last === ')') {
      const text = url.slice(0, end);
      if (text.split('(').length >= text.split(')').length) break;
      end--;
    } else if (last === ';' && /&[a-z0-9]+;$/i.test(url.slice(0, end))) {
      end = url.slice(0, end).lastIndexOf('&');
    } else {
      break;
    }
  }
  return url.slice(0, end);
}

/** Plain text of an inline tree: what a summary, an `alt` or a search index needs. */
export function plainText(nodes: readonly InlineNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (node.type === 'text' || node.type === 'code') text += node.value;
    else if (node.type === 'break') text += ' ';
    else if (node.type === 'image') text += node.alt;
    else if (node.type !== 'footnoteRef') text += plainText(node.children);
  }
  return text;
}

class InlineReader {
  private index = 0;
  /** Inside a link's text, where no autolink may start (links do not nest). */
  private inLink = false;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly context: InlineContext,
  ) {}

  /** Reads nodes until the closing token `until` (or the end) and returns them. */
  read(until: string | null): InlineNode[] {
    const nodes = new Nodes();
    while (this.index < this.tokens.length) {
      const token = this.tokens[this.index++] as Token;
      if (until !== null && token.type === until) return nodes.done();
      switch (token.type) {
        case 'text':
          this.plainText(nodes, cleanInlineText(token.content));
          break;
        case 'text_special':
          nodes.text(cleanInlineText(token.content));
          break;
        case 'softbreak':
          nodes.text(' ');
          break;
        case 'hardbreak':
          nodes.node({ type: 'break' });
          break;
        case 'code_inline':
          nodes.node({ type: 'code', value: cleanInlineText(token.content) });
          break;
        case 'em_open':
          this.mark(nodes, 'emphasis', 'em_close');
          break;
        case 'strong_open':
          this.mark(nodes, 'strong', 'strong_close');
          break;
        case 's_open':
          this.mark(nodes, 'delete', 's_close');
          break;
        case 'link_open':
          this.link(nodes, token);
          break;
        case 'image':
          this.image(nodes, token);
          break;
        case 'footnote_ref':
          nodes.node({ type: 'footnoteRef', number: Number(token.meta?.id) + 1 });
          break;
        default:
          // Any other token (raw HTML is disabled, so none is expected) keeps only its characters, as text.
          nodes.text(cleanInlineText(token.content));
      }
    }
    return nodes.done();
  }

  /**
   * Text, with GFM's autolink literals made links. They are found here rather than by markdown-it's linkify, which
   * costs more than the rest of the parse on ordinary prose and, in the mode that finds `www.` links, also links
   * bare domains (`example.com`), which GFM does not.
   */
  private plainText(nodes: Nodes, text: string): void {
    if (this.inLink || !MAY_AUTOLINK.test(text)) {
      nodes.text(text);
      return;
    }
    let last = 0;
    for (const match of text.matchAll(AUTOLINK)) {
      const start = (match.index ?? 0) + (match[1] as string).length;
      const web = match[2];
      const email = match[3];
      const label = web === undefined ? (email as string).replace(/\.+$/, '') : trimAutolink(web);
      if (email !== undefined && /[-_]$/.test(label)) continue;
      const target = web === undefined ? `mailto:${label}` : label.startsWith('www.') ? `http://${label}` : label;
      const href = resolveLinkTarget(target, this.context.source);
      if (href === null || (web !== undefined && !/\.[^.]/.test(label.replace(/^[a-z]+:\/\//i, '')))) continue;
      nodes.text(text.slice(last, start));
      nodes.node({ type: 'link', href, children: [{ type: 'text', value: label }] });
      last = start + label.length;
    }
    nodes.text(text.slice(last));
  }

  private mark(nodes: Nodes, type: 'emphasis' | 'strong' | 'delete', close: string): void {
    const children = this.read(close);
    if (children.length > 0) nodes.node({ type, children });
  }

  private link(nodes: Nodes, token: Token): void {
    const outer = this.inLink;
    this.inLink = true;
    const children = this.read('link_close');
    this.inLink = outer;
    const href = resolveLinkTarget(attr(token, 'href') ?? '', this.context.source);
    if (href === null) {
      nodes.all(children);
      return;
    }
    const title = cleanInlineText(attr(token, 'title') ?? '');
    nodes.node({ type: 'link', href, ...(title === '' ? {} : { title }), children });
  }

  private image(nodes: Nodes, token: Token): void {
    const alt = collapseWhitespace(plainText(new InlineReader(token.children ?? [], this.context).read(null)));
    const src = resolveImageSource(attr(token, 'src') ?? '', this.context.source);
    if (src === null) {
      nodes.text(alt);
      return;
    }
    const title = cleanInlineText(attr(token, 'title') ?? '');
    nodes.node({ type: 'image', src, alt, ...(title === '' ? {} : { title }) });
  }
}

/** Trims the whitespace at both ends of an inline tree's outermost text nodes. */
function trimEnds(nodes: InlineNode[]): InlineNode[] {
  const first = nodes[0];
  if (first?.type === 'text') {
    const value = first.value.trimStart();
    if (value === '') nodes.shift();
    else nodes[0] = { type: 'text', value };
  }
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text') {
    const value = last.value.trimEnd();
    if (value === '') nodes.pop();
    else nodes[nodes.length - 1] = { type: 'text', value };
  }
  // A hard break at the very end of a block shows nothing (CommonMark drops it too).
  while (nodes[nodes.length - 1]?.type === 'break') nodes.pop();
  return nodes;
}

/**
 * The Inline of one block from its inline token's children: plain text plus, when there is more than text, the
 * tree.
 */
export function readInline(children: readonly Token[], context: InlineContext): Inline {
  const nodes = trimEnds(new InlineReader(children, context).read(null));
  const text = collapseWhitespace(plainText(nodes));
  const only = nodes[0];
  if (nodes.length === 0 || (nodes.length === 1 && only?.type === 'text' && only.value === text)) return { text };
  return { text, content: nodes };
}
