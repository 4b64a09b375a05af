/**
 * Case 4: the three feeds for 50 items through `renderFeeds` (the sanitizing layer over `feed` plus our own
 * JSON Feed 1.1) vs the `feed` package called directly on the same prepared items (RSS 2.0, Atom 1.0 and its
 * JSON Feed 1.0). Batches of each alternate; the verdict is the median of the per-round ratios.
 */
import { Feed } from 'feed';
import type { FeedEntry } from '../../functions/core/article.ts';
import { articleUrl } from '../../functions/core/article.ts';
import { siteFeedUrls } from '../../functions/core/feeds.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { renderContentHtml } from '../../functions/core/render/entries.ts';
import { renderFeeds } from '../../functions/core/render/index.ts';
import { parseSite } from '../../functions/core/site.ts';
import { BENCH_SITE, makeTextArticle } from '../corpus.ts';
import { type BenchContext, type CaseResult, check, figure, interleave, median, pairedRatio } from './common.ts';

const ITEMS = 50;

export async function runFeedRenderCase(ctx: BenchContext): Promise<CaseResult> {
  const site = parseSite(BENCH_SITE, 'bench site');
  const entries: FeedEntry[] = Array.from({ length: ITEMS }, (_, i) => {
    const { name, text } = makeTextArticle(i);
    const article = normalizeArticle(text, { path: `articles/${name}` });
    const published = new Date(Date.UTC(2024, 0, 1) + (ITEMS - i) * 3_600_000).toISOString();
    return { article, published, updated: published };
  });
  // The direct path gets its item HTML rendered ahead of time: it measures `feed` alone.
  const prepared = entries.map((entry) => ({ entry, html: renderContentHtml(site, entry) }));
  const urls = siteFeedUrls(site);

  const direct = (): number => {
    const feed = new Feed({
      id: urls.home,
      title: site.title,
      description: site.description,
      link: urls.home,
      language: site.language,
      updated: new Date(entries[0]?.updated ?? 0),
      generator: 'wirefeed',
      feedLinks: { rss: urls.rss, atom: urls.atom, json: urls.json },
      author: { name: site.author.name },
      copyright: '',
    });
    for (const { entry, html } of prepared) {
      const { article } = entry;
      const url = articleUrl(site, article.id);
      feed.addItem({
        title: article.title,
        id: url,
        link: url,
        date: new Date(entry.updated),
        published: new Date(entry.published),
        description: article.summary,
        content: html,
        author: article.authors.map((name) => ({ name })),
        category: article.category === null ? [] : [{ name: article.category, term: article.category }],
      });
    }
    return feed.rss2().length + feed.atom1().length + feed.json1().length;
  };
  const ours = (): number => renderFeeds(site, entries).reduce((sum, file) => sum + file.body.length, 0);

  // Batches long enough (~50 ms) that timer resolution and one GC pause do not decide a round.
  const calibrate = (fn: () => number): number => {
    const begin = performance.now();
    let runs = 0;
    while (performance.now() - begin < 50) {
      fn();
      runs++;
    }
    return Math.max(3, runs);
  };
  calibrate(ours);
  calibrate(direct);
  const batch = calibrate(direct);
  const timeBatch = (fn: () => number) => async () => {
    const begin = performance.now();
    for (let i = 0; i < batch; i++) fn();
    return (performance.now() - begin) / batch;
  };
  const rounds = ctx.quick ? 9 : 25;
  ctx.log(`case 4: ${rounds} rounds of ${batch} renders each`);
  const times = await interleave(rounds, { ours: timeBatch(ours), direct: timeBatch(direct) });
  const ratio = pairedRatio(times.ours, times.direct);
  return {
    id: '4',
    title: `Feed rendering, ${ITEMS} items, RSS + Atom + JSON`,
    figures: [
      figure('renderFeeds per call (median)', median(times.ours), 'ms'),
      figure('feed package direct per call (median)', median(times.direct), 'ms'),
      figure('bytes out (ours / direct)', `${ours()} / ${direct()}`, ''),
    ],
    checks: [check('renderFeeds / feed direct', ratio, '×', 1.3)],
    notes: [
      'Ours also renders each item’s HTML (key points + body) per format and cleans every string; the direct path gets that HTML precomputed, so the ratio is an upper bound on the layer’s cost.',
      'Direct `feed` writes JSON Feed 1.0 (all it can); ours writes 1.1.',
    ],
  };
}
