/**
 * Case 10: the cost of topic collections for an edit. Two copies of the Markdown corpus (each article has a
 * category, two tags and an author), one with every topic kind on, one with them off (`site.json` `topics`), are
 * built once; then the same one-article edit (the body of an article of the newest page, a new text each round) is
 * published by named key in both, interleaved. The verdict is the median of the per-round ratios on / off: an edit
 * touches only the collections its article belongs to, so topics must not make it cost much more (goal ≤ 1.2).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import type { DeliveryJob, DeliveryQueue } from '../../functions/core/delivery.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { articleName, BENCH_SITE, writeCorpus } from '../corpus.ts';
import { type BenchContext, type CaseResult, check, figure, interleave, median, pairedRatio } from './common.ts';

class DropQueue implements DeliveryQueue {
  async enqueue(_jobs: readonly DeliveryJob[]): Promise<void> {}
}

interface Copy {
  readonly root: string;
  readonly ports: Parameters<typeof publish>[0];
}

async function prepare(root: string, articles: number, topics: boolean): Promise<Copy> {
  await rm(root, { recursive: true, force: true });
  const content = join(root, 'content');
  await writeCorpus(content, articles, 'md');
  const site = topics ? BENCH_SITE : { ...BENCH_SITE, topics: { categories: false, tags: false, authors: false } };
  await writeFile(join(content, 'site.json'), `${JSON.stringify(site, null, 2)}\n`);
  const ports = {
    content: new FsStore(content),
    output: new FsStore(join(root, 'public')),
    state: new FsStore(join(root, '.wirefeed')),
    queue: new DropQueue(),
    clock: systemClock,
  };
  const result = await publish(ports);
  if (result.rejected.length > 0) throw new Error(`case 10: ${result.rejected.length} articles rejected`);
  return { root, ports };
}

export async function runTopicsCase(ctx: BenchContext): Promise<CaseResult> {
  const articles = ctx.articles;
  const rounds = ctx.quick ? 5 : 15;
  const begin = performance.now();
  const on = await prepare(join(ctx.workDir, 'on'), articles, true);
  const off = await prepare(join(ctx.workDir, 'off'), articles, false);
  ctx.log(`case 10: both copies of ${articles} articles built in ${((performance.now() - begin) / 1000).toFixed(1)} s`);
  const key = `articles/${articleName(articles - 3, 'md')}`;
  const original = await readFile(join(on.root, 'content', key), 'utf8');
  const written = { on: [] as number[], off: [] as number[] };
  let round = 0;
  const edit = (copy: Copy, name: 'on' | 'off') => async () => {
    await writeFile(join(copy.root, 'content', key), `${original}\nCorrection ${Math.floor(round++ / 2)}.\n`);
    const started = performance.now();
    const result = await publish(copy.ports, { changed: [key] });
    const ms = performance.now() - started;
    written[name].push(result.written.length);
    return ms;
  };
  const times = await interleave(rounds, { on: edit(on, 'on'), off: edit(off, 'off') });
  const ratio = pairedRatio(times.on, times.off);
  await rm(ctx.workDir, { recursive: true, force: true });
  return {
    id: '10',
    title: `One-article edit with topic feeds on vs off (${articles} articles, named key)`,
    figures: [
      figure('edit, topics on (median)', median(times.on), 'ms'),
      figure('edit, topics off (median)', median(times.off), 'ms'),
      figure('files written per edit, topics on (median)', median(written.on)),
      figure('files written per edit, topics off (median)', median(written.off)),
    ],
    checks: [check('edit on / off (median of paired rounds)', ratio, '×', 1.2)],
    notes: [
      `${rounds} interleaved rounds; the edited article has a category, two tags and an author, so topics add four collections to the edit.`,
    ],
  };
}
