/**
 * The article model → HTML, for pages and for feed item content. This is the only place that writes the HTML of
 * an article's body: every text is escaped here, every URL comes from the model's `Href` (already limited to safe
 * schemes by normalization) and is made absolute here, and the only tags are the ones below. Nothing from the
 * source is ever passed through as markup.
 */
import {
  type AssetCatalog,
  absoluteHref,
  assetUrl,
  type Block,
  type ImageRef,
  type Inline,
  type InlineNode,
  imageContentKey,
  type ListItem,
  type Site,
} from '../article.ts';
import { escapeAttr, escapeHtml } from '../text.ts';

export interface BlockRenderOptions {
  readonly site: Pick<Site, 'siteUrl'>;
  /** Known facts about local images (intrinsic size); an image not in it is shown without width and height. */
  readonly assets?: AssetCatalog | undefined;
  /** Pages defer off-screen images (`loading="lazy"`); feed readers decide that themselves. */
  readonly lazyImages: boolean;
  /** Makes footnote ids unique per article, so articles shown together (a feed reader's list) never collide. */
  readonly idPrefix: string;
}

const MARKS = { emphasis: 'em', strong: 'strong', delete: 'del' } as const;

export function imageHtml(image: ImageRef, options: BlockRenderOptions): string {
  const key = imageContentKey(image.src);
  const info = key === null ? undefined : options.assets?.get(key);
  const size =
    info?.width !== undefined && info.height !== undefined ? ` width="${info.width}" height="${info.height}"` : '';
  const title = image.title === undefined ? '' : ` title="${escapeAttr(image.title)}"`;
  const lazy = options.lazyImages ? ' loading="lazy"' : '';
  const src = info?.path === undefined ? absoluteHref(options.site, image.src) : assetUrl(options.site, info.path);
  return `<img src="${escapeAttr(src)}" alt="${escapeAttr(image.alt)}"${title}${size}${lazy}>`;
}

function footnoteId(options: BlockRenderOptions, kind: 'fn' | 'fnref', number: number): string {
  return `${kind}-${options.idPrefix}-${number}`;
}

function renderNodes(nodes: readonly InlineNode[], options: BlockRenderOptions): string {
  let html = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        html += escapeHtml(node.value);
        break;
      case 'code':
        html += `<code>${escapeHtml(node.value)}</code>`;
        break;
      case 'break':
        html += '<br>\n';
        break;
      case 'emphasis':
      case 'strong':
      case 'delete': {
        const tag = MARKS[node.type];
        html += `<${tag}>${renderNodes(node.children, options)}</${tag}>`;
        break;
      }
      case 'link': {
        const title = node.title === undefined ? '' : ` title="${escapeAttr(node.title)}"`;
        html += `<a href="${escapeAttr(absoluteHref(options.site, node.href))}"${title}>${renderNodes(node.children, options)}</a>`;
        break;
      }
      case 'image':
        html += imageHtml(node, options);
        break;
      case 'footnoteRef': {
        const target = footnoteId(options, 'fn', node.number);
        html += `<sup class="footnote-ref"><a href="#${target}" id="${footnoteId(options, 'fnref', node.number)}">${node.number}</a></sup>`;
        break;
      }
    }
  }
  return html;
}

/** Inline content as HTML: the tree when there is one, else the escaped text. */
export function inlineHtml(inline: Inline, options: BlockRenderOptions): string {
  return inline.content === undefined ? escapeHtml(inline.text) : renderNodes(inline.content, options);
}

function alignAttr(align: 'left' | 'center' | 'right' | null | undefined): string {
  return align === null || align === undefined ? '' : ` style="text-align:${align}"`;
}

function renderItem(item: ListItem, loose: boolean, options: BlockRenderOptions): string {
  const box = item.checked === undefined ? '' : `<input type="checkbox" disabled${item.checked ? ' checked' : ''}> `;
  // Tight lists show their items' paragraphs as bare text (CommonMark); loose ones keep the paragraphs.
  const inner = item.blocks
    .map((block) => (!loose && block.type === 'paragraph' ? inlineHtml(block, options) : renderBlock(block, options)))
    .join('');
  return `<li>${box}${inner}</li>`;
}

function renderFootnotes(items: Extract<Block, { type: 'footnotes' }>['items'], options: BlockRenderOptions): string {
  const notes = items.map(({ number, blocks }) => {
    const back = `<a href="#${footnoteId(options, 'fnref', number)}" class="footnote-backref">↩</a>`;
    const last = blocks[blocks.length - 1];
    const body =
      last?.type === 'paragraph'
        ? `${blocks
            .slice(0, -1)
            .map((b) => renderBlock(b, options))
            .join('')}<p>${inlineHtml(last, options)} ${back}</p>`
        : `${blocks.map((b) => renderBlock(b, options)).join('')}${back}`;
    return `<li id="${footnoteId(options, 'fn', number)}">${body}</li>`;
  });
  return `<section class="footnotes"><hr><ol>${notes.join('')}</ol></section>`;
}

function renderBlock(block: Block, options: BlockRenderOptions): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${inlineHtml(block, options)}</p>`;
    case 'heading':
      return `<h${block.level}>${inlineHtml(block, options)}</h${block.level}>`;
    case 'quote':
      return `<blockquote>${block.blocks.map((b) => renderBlock(b, options)).join('')}</blockquote>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      const start = block.start === undefined ? '' : ` start="${block.start}"`;
      const items = block.items.map((item) => renderItem(item, block.loose === true, options)).join('');
      return `<${tag}${start}>${items}</${tag}>`;
    }
    case 'code': {
      const lang = block.lang === null ? '' : ` class="language-${escapeAttr(block.lang)}"`;
      return `<pre><code${lang}>${escapeHtml(block.text)}</code></pre>`;
    }
    case 'table': {
      const head = block.head.map((cell, i) => `<th${alignAttr(block.align[i])}>${inlineHtml(cell, options)}</th>`);
      const rows = block.rows.map(
        (row) =>
          `<tr>${row.map((cell, i) => `<td${alignAttr(block.align[i])}>${inlineHtml(cell, options)}</td>`).join('')}</tr>`,
      );
      const tbody = rows.length === 0 ? '' : `<tbody>${rows.join('')}</tbody>`;
      return `<table><thead><tr>${head.join('')}</tr></thead>${tbody}</table>`;
    }
    case 'rule':
      return '<hr>';
    case 'footnotes':
      return renderFootnotes(block.items, options);
  }
}

/** Body blocks as HTML, one top-level block per line. */
export function renderBlocksHtml(blocks: readonly Block[], options: BlockRenderOptions): string {
  return blocks.map((block) => renderBlock(block, options)).join('\n');
}
