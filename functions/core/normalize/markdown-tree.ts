/**
 * Markdown body → the model's blocks, through markdown-it (CommonMark 0.31.2) with the GFM parts newsrooms and
 * bloggers use: tables, strikethrough, autolink literals (`www.`, `https://…`, e-mail addresses; inline.ts), task
 * list items and footnotes. Raw HTML is off in the parser, so tags arrive as text and are escaped on output (README, "Markdown").
 * Why markdown-it: README, "Choosing the Markdown parser".
 */
import MarkdownIt, { type MarkdownIt as Parser, type Token } from 'markdown-it';
import footnote from 'markdown-it-footnote';
import type { Block, Inline, ListItem, TableAlign } from '../article.ts';
import { cleanInlineText, type InlineContext, readInline } from './inline.ts';

/**
 * Deepest nesting of blocks and of inline marks the parser builds; deeper markers stay text. It bounds the
 * recursion of this converter and of the renderer, whatever the input.
 */
const MAX_NESTING = 40;

let parser: Parser | null = null;

/** The parser, built on first use: a function cold start that meets no Markdown does not pay for it. */
function markdownParser(): Parser {
  if (parser !== null) return parser;
  // GFM's autolink literals are found in inline.ts, not by markdown-it's linkify (see there why).
  parser = new MarkdownIt('default', { html: false, linkify: false, typographer: false, maxNesting: MAX_NESTING });
  parser.use(footnote);
  // Targets are judged by wirefeed's own policy (references.ts), which keeps a refused link's words.
  parser.validateLink = () => true;
  return parser;
}

const TASK_MARKER = /^\[([ xX])\](?:[ \t]+|$)/;

/** A top-level block and what the article heuristics need to know about its source. */
export interface TopBlock {
  readonly block: Block;
  /** Number of source lines the block spans (a one-line paragraph can be a label or a promo line). */
  readonly lines: number;
  /** True for a level-1 heading (the title when front matter has none). */
  readonly h1: boolean;
}

/** Level 1 is the page's title; body headings are 2 to 6. */
function headingLevel(tag: string): 2 | 3 | 4 | 5 | 6 {
  return Math.min(6, Math.max(2, Number(tag.slice(1)) || 2)) as 2 | 3 | 4 | 5 | 6;
}

function alignOf(token: Token): TableAlign {
  const style = String(token.attrGet('style') ?? '');
  if (style.includes('left')) return 'left';
  if (style.includes('center')) return 'center';
  if (style.includes('right')) return 'right';
  return null;
}

class BlockReader {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly context: InlineContext,
  ) {}

  private next(): Token | undefined {
    return this.tokens[this.index++];
  }

  /** Reads blocks up to (and including) the closing token `until`, or to the end. */
  readTop(until: string | null): TopBlock[] {
    const blocks: TopBlock[] = [];
    for (;;) {
      const token = this.next();
      if (token === undefined || token.type === until) return blocks;
      const block = this.block(token);
      if (block === null) continue;
      const lines = token.map === null ? 1 : token.map[1] - token.map[0];
      blocks.push({ block, lines, h1: token.type === 'heading_open' && token.tag === 'h1' });
    }
  }

  read(until: string): Block[] {
    return this.readTop(until).map((top) => top.block);
  }

  /** The inline content between an opening token and its closing one (`paragraph_open inline paragraph_close`). */
  private inline(close: string): Inline {
    let inline: Inline = { text: '' };
    for (;;) {
      const token = this.next();
      if (token === undefined || token.type === close) return inline;
      if (token.type === 'inline') inline = readInline(token.children ?? [], this.context);
    }
  }

  private block(token: Token): Block | null {
    switch (token.type) {
      case 'paragraph_open': {
        const inline = this.inline('paragraph_close');
        return inline.text === '' && inline.content === undefined ? null : { type: 'paragraph', ...inline };
      }
      case 'heading_open':
        return { type: 'heading', level: headingLevel(token.tag), ...this.inline('heading_close') };
      case 'blockquote_open':
        return { type: 'quote', blocks: this.read('blockquote_close') };
      case 'bullet_list_open':
      case 'ordered_list_open':
        return this.list(token);
      case 'fence':
      case 'code_block': {
        const info = markdownParser().utils.unescapeAll(token.info).trim();
        const lang = info === '' ? null : cleanInlineText(info.split(/\s+/, 1)[0] ?? '') || null;
        return { type: 'code', lang, text: cleanInlineText(token.content) };
      }
      case 'hr':
        return { type: 'rule' };
      case 'table_open':
        return this.table();
      case 'footnote_block_open':
        return this.footnotes();
      default:
        // Closing tokens of blocks read elsewhere never reach here; anything unknown is skipped whole.
        return null;
    }
  }

  /** A list is loose when any paragraph directly in its items is shown as a paragraph (markdown-it hides tight ones). */
  private isLoose(open: Token): boolean {
    const close = open.type === 'bullet_list_open' ? 'bullet_list_close' : 'ordered_list_close';
    for (let i = this.index; i < this.tokens.length; i++) {
      const token = this.tokens[i] as Token;
      if (token.level === open.level && token.type === close) return false;
      if (token.type === 'paragraph_open' && token.level === open.level + 2 && !token.hidden) return true;
    }
    return false;
  }

  private list(open: Token): Block {
    const ordered = open.type === 'ordered_list_open';
    const close = ordered ? 'ordered_list_close' : 'bullet_list_close';
    const loose = this.isLoose(open);
    const start = ordered ? Number(open.attrGet('start') ?? 1) : 1;
    const items: ListItem[] = [];
    for (;;) {
      const token = this.next();
      if (token === undefined || token.type === close) break;
      if (token.type !== 'list_item_open') continue;
      const checked = this.taskMarker();
      const blocks = this.read('list_item_close');
      items.push(checked === null ? { blocks } : { blocks, checked });
    }
    return {
      type: 'list',
      ordered,
      ...(ordered && start !== 1 && Number.isSafeInteger(start) ? { start } : {}),
      ...(loose ? { loose } : {}),
      items,
    };
  }

  /** GFM task item: `[ ]` or `[x]` opening the item's first paragraph. Removes the marker; null when there is none. */
  private taskMarker(): boolean | null {
    const paragraph = this.tokens[this.index];
    const inline = this.tokens[this.index + 1];
    const first = inline?.children?.[0];
    if (paragraph?.type !== 'paragraph_open' || inline?.type !== 'inline' || first?.type !== 'text') return null;
    const match = TASK_MARKER.exec(first.content);
    if (match === null) return null;
    first.content = first.content.slice(match[0].length);
    return match[1] !== ' ';
  }

  private table(): Block {
    const align: TableAlign[] = [];
    const head: Inline[] = [];
    const rows: Inline[][] = [];
    let row: Inline[] | null = null;
    let inBody = false;
    for (;;) {
      const token = this.next();
      if (token === undefined || token.type === 'table_close') break;
      if (token.type === 'tbody_open') inBody = true;
      else if (token.type === 'tr_open' && inBody) {
        row = [];
        rows.push(row);
      } else if (token.type === 'th_open') {
        align.push(alignOf(token));
        head.push(this.inline('th_close'));
      } else if (token.type === 'td_open') {
        row?.push(this.inline('td_close'));
      }
    }
    return { type: 'table', align, head, rows };
  }

  private footnotes(): Block {
    const items: { number: number; blocks: Block[] }[] = [];
    for (;;) {
      const token = this.next();
      if (token === undefined || token.type === 'footnote_block_close') break;
      if (token.type === 'footnote_open') {
        items.push({ number: Number(token.meta?.id) + 1, blocks: this.read('footnote_close') });
      }
    }
    return { type: 'footnotes', items };
  }
}

/**
 * Parses a Markdown body into top-level blocks. `source` is the article's content key: relative link and image
 * targets resolve against its folder.
 */
export function readMarkdownBlocks(body: string, source: string): TopBlock[] {
  const tokens = markdownParser().parse(body, {});
  return new BlockReader(tokens, { source }).readTop(null);
}
