import type { Article, Inline, ListItem } from '../article.ts';

/** What a format reader extracts from a source; `normalizeArticle` adds identity, hash, source, format and assets. */
export type ArticleDraft = Omit<Article, 'id' | 'contentHash' | 'source' | 'format' | 'assets'> & {
  /** Front matter `id` (or the Jekyll-style file name's), already validated; null to derive it from the file name. */
  readonly id: string | null;
};

/** The fields only Markdown front matter can set, at their defaults: what every plain-text article has. */
export const NO_FRONT_MATTER_EXTRAS = {
  draft: false,
  image: null,
  canonicalUrl: null,
  lang: null,
} as const satisfies Pick<ArticleDraft, 'draft' | 'image' | 'canonicalUrl' | 'lang'>;

/** Inline content for plain text: the text itself, nothing more. */
export function plainInline(text: string): Inline {
  return { text };
}

/** A list item of plain text: one paragraph (shown without `<p>`, as lists of plain text are tight). */
export function plainItem(text: string): ListItem {
  return { blocks: [{ type: 'paragraph', text }] };
}
