import type { Article, Inline } from '../article.ts';
import { escapeHtml } from '../text.ts';

/** What a format reader extracts from a source; `normalizeArticle` adds identity, hash, source and format. */
export type ArticleDraft = Omit<Article, 'id' | 'contentHash' | 'source' | 'format'> & {
  /** Front matter `id`, already validated; null to derive it from the file name. */
  readonly id: string | null;
};

/** Inline content for plain text: the HTML is the escaped text, nothing more. */
export function plainInline(text: string): Inline {
  return { text, html: escapeHtml(text) };
}
