/**
 * Case 9: scale — the cost of a change follows the change, not the corpus (docs/ARCHITECTURE.md).
 *
 * On the Markdown corpus (dated articles, so the newest-first order and the archive pages are real, and the
 * output does not depend on the clock):
 * - a one-article edit at a small and a large corpus in the same run, interleaved: through the one-shot CLI
 *   (`wirefeed build`, a full reconcile that finds the edit) and through a named-key publish (what the watcher and
 *   the S3 events do); the verdicts are the large/small ratios;
 * - the state, content and output requests of a named-key edit at both sizes, through the counting store;
 * - full-build peak RSS (GNU time) at the large and the huge size, and the largest output file at the large size;
 * - an import of the huge corpus under a per-call time budget, continued call after call as PublishFunction
 *   invocations are, and whether it converged to exactly the files and article events of one uninterrupted build.
 *
 * Full sizes: 1,000 / 40,000 / 100,000 articles, a 60 s budget. `--quick` scales everything down to seconds.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { type PublishPorts, publish } from '../../functions/pipeline/publish.ts';
import { CountingStore } from '../../test/helpers/counting-store.ts';
import { articleName, writeCorpus } from '../corpus.ts';
import { editArticle } from './build.ts';
import {
  assertOk,
  type BenchContext,
  type CaseResult,
  type Check,
  type ChildRun,
  CLI,
  check,
  type Figure,
  figure,
  interleave,
  median,
  nodeEnv,
  pairedRatio,
  runTimed,
  snapshotTree,
} from './common.ts';

interface Sizes {
  readonly small: number;
  readonly large: number;
  readonly huge: number;
  readonly budgetMs: number;
  readonly rounds: number;
}

const FULL: Sizes = { small: 1_000, large: 40_000, huge: 100_000, budgetMs: 60_000, rounds: 5 };
/** About the same articles per budget as the full run (100,000 per 60 s is 1,667 per second) at CI scale. */
const QUICK: Sizes = { small: 100, large: 1_000, huge: 2_000, budgetMs: 1_200, rounds: 3 };

interface Corpus {
  readonly n: number;
  readonly content: string;
  readonly out: string;
  readonly state: string;
}

interface Built {
  readonly run: ChildRun;
  readonly events: readonly { type: string; id: string }[];
}

async function cliBuild(corpus: Corpus, measureRss: boolean): Promise<Built> {
  const run = await runTimed(
    process.execPath,
    [CLI, 'build', '--content', corpus.content, '--out', corpus.out, '--state', corpus.state, '--json'],
    { env: nodeEnv(), measureRss, timeoutMs: 3_600_000 },
  );
  assertOk(run, `wirefeed build (${corpus.n} articles)`);
  const summary = JSON.parse(run.stdout) as {
    articles: number;
    rejected: unknown[];
    events: { type: string; id: string }[];
  };
  if (summary.articles !== corpus.n || summary.rejected.length > 0) {
    throw new Error(`build published ${summary.articles}/${corpus.n} articles, rejected ${summary.rejected.length}`);
  }
  return { run, events: summary.events };
}

/** Writes the corpus and builds it once from scratch with the CLI (peak RSS measured). */
async function prepare(ctx: BenchContext, name: string, n: number): Promise<{ corpus: Corpus; build: Built }> {
  const root = join(ctx.workDir, name);
  const corpus = { n, content: join(root, 'content'), out: join(root, 'out'), state: join(root, 'state') };
  await rm(root, { recursive: true, force: true });
  ctx.log(`case 9: writing ${n} Markdown articles`);
  await writeCorpus(corpus.content, n, 'md');
  ctx.log(`case 9: full build of ${n} articles`);
  const build = await cliBuild(corpus, true);
  ctx.log(
    `case 9: full build of ${n}: ${(build.run.wallMs / 1000).toFixed(1)} s, peak RSS ${build.run.peakRssMb?.toFixed(0) ?? 'n/a'} MB`,
  );
  return { corpus, build };
}

function ports(corpus: Corpus): PublishPorts {
  const state = new FsStore(corpus.state);
  return {
    content: new FsStore(corpus.content),
    output: new FsStore(corpus.out),
    state,
    queue: new OutboxQueue(state),
    clock: systemClock,
  };
}

/** The newest article: in the feed window and on the open archive page, so an edit rewrites the most. */
function newest(corpus: Corpus): { path: string; key: string } {
  const name = articleName(corpus.n - 1, 'md');
  return { path: join(corpus.content, 'articles', name), key: `articles/${name}` };
}

function isUpdate(events: readonly { type: string }[]): boolean {
  return events.some((event) => event.type === 'article.updated');
}

interface EditCost {
  readonly total: number;
  readonly byStore: string;
}

/** One named-key edit with every store counted. */
async function countedEdit(corpus: Corpus, marker: string): Promise<EditCost> {
  const plain = ports(corpus);
  const stores = {
    content: new CountingStore(plain.content),
    output: new CountingStore(plain.output),
    state: new CountingStore(plain.state),
  };
  const target = newest(corpus);
  await editArticle(target.path, marker);
  const result = await publish(
    { ...plain, ...stores, queue: new OutboxQueue(stores.state) },
    { changed: [target.key] },
  );
  if (!isUpdate(result.events)) throw new Error('the counted edit produced no article.updated');
  const parts = Object.entries(stores).map(
    ([name, store]) =>
      `${name}: ${Object.entries(store.counts)
        .filter(([, count]) => count > 0)
        .map(([op, count]) => `${op} ${count}`)
        .join(' ')}`,
  );
  const total = Object.values(stores).reduce(
    (sum, store) => sum + Object.values(store.counts).reduce((a, b) => a + b, 0),
    0,
  );
  return { total, byStore: parts.join('; ') };
}

async function largestFile(dir: string): Promise<{ path: string; bytes: number }> {
  let largest = { path: '', bytes: 0 };
  for (const [path, stamp] of await snapshotTree(dir)) {
    if (stamp.size > largest.bytes) largest = { path, bytes: stamp.size };
  }
  return largest;
}

/** sha256 of every file under `dir`, by relative path. */
async function digests(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const path of (await snapshotTree(dir)).keys()) {
    result.set(
      path,
      createHash('sha256')
        .update(await readFile(join(dir, path)))
        .digest('hex'),
    );
  }
  return result;
}

function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, digest] of a) if (b.get(path) !== digest) return false;
  return true;
}

const eventKeys = (events: readonly { type: string; id: string }[]) =>
  events.map((event) => `${event.type} ${event.id}`).sort();

interface Import {
  readonly runs: number;
  readonly seconds: number;
  readonly longestCallSeconds: number;
  readonly converged: boolean;
  readonly detail: string;
}

/** The huge corpus imported into a fresh output and state, one budgeted call after another, until complete. */
async function budgetedImport(ctx: BenchContext, huge: Corpus, reference: Built, budgetMs: number): Promise<Import> {
  const target: Corpus = {
    ...huge,
    out: join(ctx.workDir, 'import', 'out'),
    state: join(ctx.workDir, 'import', 'state'),
  };
  await rm(join(ctx.workDir, 'import'), { recursive: true, force: true });
  const events: { type: string; id: string }[] = [];
  const begin = performance.now();
  let runs = 0;
  let longest = 0;
  // Every call makes progress, so this bound is only a guard against a run that never finishes.
  const maxRuns = 1_000;
  for (;;) {
    const callBegin = performance.now();
    const result = await publish(ports(target), { budgetMs });
    longest = Math.max(longest, performance.now() - callBegin);
    runs++;
    for (const event of result.events) {
      if ('id' in event.data && event.type.startsWith('article.')) events.push({ type: event.type, id: event.data.id });
    }
    ctx.log(`case 9: import call ${runs}: ${result.status}, ${result.written.length} written`);
    if (result.status === 'complete') break;
    if (runs >= maxRuns) throw new Error(`the import did not finish in ${maxRuns} calls`);
  }
  const seconds = (performance.now() - begin) / 1000;
  const [imported, uninterrupted] = [await digests(target.out), await digests(huge.out)];
  const files = sameFiles(imported, uninterrupted);
  const announced = JSON.stringify(eventKeys(events)) === JSON.stringify(eventKeys(reference.events));
  await rm(join(ctx.workDir, 'import'), { recursive: true, force: true });
  return {
    runs,
    seconds,
    longestCallSeconds: longest / 1000,
    converged: files && announced,
    detail: `${imported.size} files ${files ? 'byte-identical to' : 'DIFFERENT from'} the uninterrupted build's ${uninterrupted.size}; ${events.length} article events ${announced ? 'the same as' : 'DIFFERENT from'} its ${reference.events.length}`,
  };
}

export async function runScaleCase(ctx: BenchContext): Promise<CaseResult> {
  const sizes = ctx.quick ? QUICK : FULL;
  await rm(ctx.workDir, { recursive: true, force: true });
  const small = await prepare(ctx, 'small', sizes.small);
  const large = await prepare(ctx, 'large', sizes.large);
  const largest = await largestFile(large.corpus.out);

  ctx.log(`case 9: ${sizes.rounds} rounds of a one-article edit at ${sizes.small} and ${sizes.large}`);
  let marker = 0;
  const cliEdit = (corpus: Corpus) => async () => {
    await editArticle(newest(corpus).path, `cli-${marker++}`);
    const built = await cliBuild(corpus, false);
    if (!isUpdate(built.events)) throw new Error('the CLI edit produced no article.updated');
    return built.run.wallMs;
  };
  const namedEdit = (corpus: Corpus) => async () => {
    const target = newest(corpus);
    await editArticle(target.path, `named-${marker++}`);
    const begin = performance.now();
    const result = await publish(ports(corpus), { changed: [target.key] });
    const ms = performance.now() - begin;
    if (!isUpdate(result.events)) throw new Error('the named-key edit produced no article.updated');
    return ms;
  };
  const times = await interleave(sizes.rounds, {
    cliSmall: cliEdit(small.corpus),
    cliLarge: cliEdit(large.corpus),
    namedSmall: namedEdit(small.corpus),
    namedLarge: namedEdit(large.corpus),
  });
  const costSmall = await countedEdit(small.corpus, 'counted-small');
  const costLarge = await countedEdit(large.corpus, 'counted-large');
  await rm(join(ctx.workDir, 'small'), { recursive: true, force: true });
  await rm(join(ctx.workDir, 'large'), { recursive: true, force: true });

  const huge = await prepare(ctx, 'huge', sizes.huge);
  ctx.log(`case 9: importing ${sizes.huge} articles under a ${sizes.budgetMs} ms budget per call`);
  const imported = await budgetedImport(ctx, huge.corpus, huge.build, sizes.budgetMs);
  await rm(ctx.workDir, { recursive: true, force: true });

  const n = (value: number) => value.toLocaleString('en-US');
  const figures: Figure[] = [
    figure(`CLI edit at ${n(sizes.small)}: wall (median)`, median(times.cliSmall), 'ms'),
    figure(`CLI edit at ${n(sizes.large)}: wall (median)`, median(times.cliLarge), 'ms'),
    figure(`named-key edit at ${n(sizes.small)} (median)`, median(times.namedSmall), 'ms'),
    figure(`named-key edit at ${n(sizes.large)} (median)`, median(times.namedLarge), 'ms'),
    figure(`requests of a named-key edit at ${n(sizes.small)}`, costSmall.byStore),
    figure(`requests of a named-key edit at ${n(sizes.large)}`, costLarge.byStore),
    figure(`full build at ${n(sizes.small)}: wall`, small.build.run.wallMs / 1000, 's'),
    figure(`full build at ${n(sizes.large)}: wall`, large.build.run.wallMs / 1000, 's'),
    figure(`full build at ${n(sizes.huge)}: wall`, huge.build.run.wallMs / 1000, 's'),
    figure(`full build at ${n(sizes.small)}: peak RSS`, small.build.run.peakRssMb, 'MB'),
    figure(`largest output file at ${n(sizes.large)}`, largest.path),
    figure(`import of ${n(sizes.huge)}: calls needed`, imported.runs),
    figure(`import of ${n(sizes.huge)}: total time`, imported.seconds, 's'),
    figure(`import of ${n(sizes.huge)}: longest call`, imported.longestCallSeconds, 's'),
    figure(`import of ${n(sizes.huge)}: converged`, imported.converged ? 'yes' : 'NO'),
  ];
  const checks: Check[] = [
    check(`CLI edit, ${n(sizes.large)} / ${n(sizes.small)}`, pairedRatio(times.cliLarge, times.cliSmall), '×', 2),
    check(
      `named-key edit, ${n(sizes.large)} / ${n(sizes.small)}`,
      pairedRatio(times.namedLarge, times.namedSmall),
      '×',
      2,
    ),
    check(`requests of a named-key edit at ${n(sizes.large)}`, costLarge.total, '', 30),
    check(`requests at ${n(sizes.large)} − at ${n(sizes.small)}`, Math.abs(costLarge.total - costSmall.total), '', 0),
    check(`full build at ${n(sizes.large)}: peak RSS`, large.build.run.peakRssMb, 'MB', 400),
    check(`full build at ${n(sizes.huge)}: peak RSS`, huge.build.run.peakRssMb, 'MB', 400),
    check(`largest output file at ${n(sizes.large)}`, largest.bytes / 1024, 'KiB', 512),
  ];
  const notes = [
    `Markdown corpus (bench/corpus.ts, dated half an hour apart, all in the past); the edited article is the newest one, so each edit rewrites its page, the open archive page, the front page and the three feeds (the costliest single edit).`,
    `CLI edits are whole \`wirefeed build\` processes (start-up included) that reconcile every source against the source index; named-key edits are in-process publish() calls naming the edited key, as the watcher and the PublishFunction do. Ratios are medians of per-round ratios of interleaved runs.`,
    `Requests are every get/head/put/delete/list on the content, output and state stores (CountingStore, test/helpers/counting-store.ts); each maps to one S3 request on the S3 adapter.`,
    `Import: ${imported.detail}. A call stops at the first step boundary past its budget, so a call can overrun the budget by one step.`,
    ...(ctx.quick
      ? [
          `--quick: ${n(sizes.small)} / ${n(sizes.large)} / ${n(sizes.huge)} articles and a ${sizes.budgetMs} ms budget instead of 1,000 / 40,000 / 100,000 and 60 s.`,
        ]
      : []),
  ];
  return {
    id: '9',
    title: `Scale: a one-article edit at ${n(sizes.small)} vs ${n(sizes.large)} articles, full builds to ${n(sizes.huge)}, a budgeted import`,
    figures,
    checks,
    notes,
  };
}
