/**
 * Held articles: sources that normalize cleanly but are not published yet — a front matter `draft: true`, or a
 * `date` still to come (core/article.ts `isDue`). A held source claims no id; a scheduled one falls due at its
 * date, and the schedule (publish/schedule.ts) makes the run at or after that instant examine it again.
 */
import { type Article, isDue } from '../../core/article.ts';
import { toUtcIso } from '../../core/render/entries.ts';

/** Why a source is held: a draft (until its front matter changes), or scheduled until `due` (ISO 8601 UTC). */
export type Hold =
  | { readonly reason: 'draft'; readonly due: null }
  | { readonly reason: 'scheduled'; readonly due: string };

/** Why `article` is not published at `now`, or null when it is published. A draft is held whatever its date. */
export function heldReason(article: Pick<Article, 'draft' | 'published'>, now: Date): Hold | null {
  if (article.draft) return { reason: 'draft', due: null };
  if (!isDue(article, now)) return { reason: 'scheduled', due: toUtcIso(article.published as string) };
  return null;
}
