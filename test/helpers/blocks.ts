/** Builders and views of body blocks for tests: plain-text blocks, their text, and their HTML as published. */
import type { Block, InlineNode } from '../../functions/core/article.ts';
import { renderBlocksHtml } from '../../functions/core/render/blocks.ts';

export const TEST_SITE_URL = 'https://news.example.com';

/** A paragraph of plain text, or of rich content when `content` is given. */
export const p = (text: string, content?: InlineNode[]): Block =>
  content === undefined ? { type: 'paragraph', text } : { type: 'paragraph', text, content };

export const h = (text: string, level: 2 | 3 | 4 | 5 | 6 = 2): Block => ({ type: 'heading', level, text });

/** A tight list of plain-text items. */
export const list = (ordered: boolean, items: readonly string[]): Block => ({
  type: 'list',
  ordered,
  items: items.map((text) => ({ blocks: [p(text)] })),
});

/** The plain text of a block: its text, or its children's texts joined by newlines. */
export function textOf(block: Block): string {
  switch (block.type) {
    case 'paragraph':
    case 'heading':
    case 'code':
      return block.text;
    case 'quote':
      return block.blocks.map(textOf).join('\n');
    case 'list':
      return block.items.map((item) => item.blocks.map(textOf).join('\n')).join('\n');
    case 'table':
      return [block.head, ...block.rows].map((row) => row.map((cell) => cell.text).join('\t')).join('\n');
    case 'footnotes':
      return block.items.map((item) => item.blocks.map(textOf).join('\n')).join('\n');
    case 'rule':
      return '';
  }
}

/** The HTML the feeds publish for these blocks (no lazy loading, footnote ids prefixed `t`). */
export function htmlOf(blocks: Block | readonly Block[], siteUrl = TEST_SITE_URL): string {
  return renderBlocksHtml(Array.isArray(blocks) ? blocks : [blocks as Block], {
    site: { siteUrl },
    lazyImages: false,
    idPrefix: 't',
  });
}
