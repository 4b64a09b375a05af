import type { Block, Inline } from '../article.ts';
import { escapeHtml } from '../text.ts';

/** What a format reader extracts from a source; `normalizeArticle` adds identity, hash, source and format. */
export interface ArticleDraft {
  /** Front matter `id`, already validated; null to derive it from the file name. */
  readonly id: string | null;
  readonly title: string;
  readonly summary: string;
  readonly keyPoints: readonly string[];
  readonly authors: readonly string[];
  readonly category: string | null;
  readonly tags: readonly string[];
  readonly published: string | null;
  readonly updated: string | null;
  readonly body: readonly Block[];
  readonly dropped: readonly string[];
}

/** Inline content for plain text: the HTML is the escaped text, nothing more. */
export function plainInline(text: string): Inline {
  return { text, html: escapeHtml(text) };
}
