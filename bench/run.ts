/**
 * `npm run bench` — the benchmark suite (issue 7). Every verdict is a ratio measured in this run or a
 * count; absolute times are reported beside them for context, as medians of interleaved runs.
 *
 *   npm run bench                 full run (10,000 articles, peers), writes bench/results.json
 *   npm run bench -- --quick      CI smoke (500 articles, fewer rounds, no peers), writes bench/.work/results-quick.json
 *   npm run bench -- --only 4,5   just these cases
 *   npm run bench -- --markdown   print bench/results.json as a Markdown table (for the README) and exit
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBuildCases } from './cases/build.ts';
import { runBundleCase } from './cases/bundles.ts';
import { type BenchContext, type CaseResult, PROJECT_ROOT } from './cases/common.ts';
import { runFeedRenderCase } from './cases/feed-render.ts';
import { runNormalizeCase } from './cases/normalize-worst.ts';
import { runS3CostCase } from './cases/s3-cost.ts';
import { runScaleCase } from './cases/scale.ts';
import { runTopicsCase } from './cases/topics.ts';
import { runWatchCase } from './cases/watch.ts';
import { runWebhookCase } from './cases/webhooks.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchResults {
  readonly mode: 'quick' | 'full';
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly platform: string;
    /** 1-minute load average when the run started and ended: other processes share these cores. */
    readonly loadAtStart: number;
    readonly loadAtEnd: number;
  };
  /** The code measured: HEAD and the tracked files that differed from it when the run started. */
  readonly source: { readonly commit: string; readonly modified: string[] };
  readonly articles: number;
  readonly seconds: number;
  readonly cases: CaseResult[];
}

const RESULTS_PATH = join(PROJECT_ROOT, 'bench', 'results.json');
const WORK_ROOT = join(PROJECT_ROOT, 'bench', '.work');

function format(value: number | string | null, unit: string): string {
  if (value === null) return 'n/a';
  if (typeof value === 'string') return value;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return unit === '' ? text : unit === '×' ? `${text}×` : `${text} ${unit}`;
}

function verdict(met: boolean | null): string {
  return met === null ? '–' : met ? 'yes' : 'NO';
}

interface Row {
  readonly caseId: string;
  readonly measure: string;
  readonly value: string;
  readonly goal: string;
  readonly met: string;
}

function rowsOf(results: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const c of results.cases) {
    for (const k of c.checks) {
      rows.push({ caseId: c.id, measure: k.label, value: format(k.value, k.unit), goal: k.goal, met: verdict(k.met) });
    }
    for (const f of c.figures) {
      rows.push({ caseId: c.id, measure: f.label, value: format(f.value, f.unit), goal: '', met: '' });
    }
  }
  return rows;
}

function header(results: BenchResults): string {
  const m = results.machine;
  return (
    `${results.mode} run, ${results.date.slice(0, 10)}, ${results.articles.toLocaleString('en-US')} articles; ` +
    `${m.cpu}, ${m.cores} cores, Node ${m.node}; load ${m.loadAtStart} → ${m.loadAtEnd}`
  );
}

/** The results as a plain-text table for the terminal. */
export function formatTable(results: BenchResults): string {
  const rows = rowsOf(results);
  const widths = {
    caseId: Math.max(4, ...rows.map((r) => r.caseId.length)),
    measure: Math.max(7, ...rows.map((r) => r.measure.length)),
    value: Math.max(5, ...rows.map((r) => r.value.length)),
    goal: Math.max(4, ...rows.map((r) => r.goal.length)),
  };
  const line = (r: Row) =>
    `${r.caseId.padEnd(widths.caseId)}  ${r.measure.padEnd(widths.measure)}  ${r.value.padStart(widths.value)}  ${r.goal.padEnd(widths.goal)}  ${r.met}`;
  const out = [
    header(results),
    '',
    line({ caseId: 'case', measure: 'measure', value: 'value', goal: 'goal', met: 'met' }),
  ];
  let previous = '';
  for (const row of rows) {
    if (row.caseId !== previous) {
      const c = results.cases.find((x) => x.id === row.caseId);
      out.push('', `${row.caseId}. ${c?.title ?? ''}${c?.seconds === undefined ? '' : ` (${c.seconds} s)`}`);
      previous = row.caseId;
    }
    out.push(line(row));
  }
  const notes = results.cases.flatMap((c) => c.notes.map((n) => `  [${c.id}] ${n}`));
  return `${out.join('\n')}\n\nNotes:\n${notes.join('\n')}\n`;
}

/** The results as a Markdown table, ready to paste into the README. */
export function formatMarkdown(results: BenchResults): string {
  const escapeCell = (text: string) => text.replace(/\|/g, '\\|');
  const out = [
    `Benchmarks — ${header(results)}.`,
    '',
    '| case | measure | value | goal | met |',
    '| --- | --- | ---: | --- | --- |',
  ];
  for (const row of rowsOf(results)) {
    out.push(
      `| ${row.caseId} | ${escapeCell(row.measure)} | ${escapeCell(row.value)} | ${escapeCell(row.goal)} | ${row.met} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

function gitState(): { commit: string; modified: string[] } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const modified = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit: git('rev-parse', 'HEAD'), modified };
  } catch {
    return { commit: 'unknown', modified: [] };
  }
}

type CaseRunner = (ctx: BenchContext) => Promise<CaseResult[]>;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      only: { type: 'string' },
      articles: { type: 'string' },
    },
  });
  if (values.markdown) {
    process.stdout.write(formatMarkdown(JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as BenchResults));
    return;
  }
  const quick = values.quick === true;
  const articles = values.articles === undefined ? (quick ? 500 : 10_000) : Number(values.articles);
  const only = values.only === undefined ? null : new Set(values.only.split(',').map((s) => s.trim()));
  const started = performance.now();
  const source = gitState();
  const loadAtStart = Number(loadavg()[0]?.toFixed(2));
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(`${quick ? 'quick' : 'full'} run, ${articles} articles, load ${loadAtStart}`);

  const context = (name: string): BenchContext => ({ quick, articles, workDir: join(WORK_ROOT, name), log });
  const cases: CaseResult[] = [];
  const wants = (...ids: string[]) => only === null || ids.some((id) => only.has(id));
  const timed = async (runner: CaseRunner, ctx: BenchContext) => {
    const begin = performance.now();
    const results = await runner(ctx);
    const seconds = Math.round((performance.now() - begin) / 100) / 10;
    // Cases sharing one runner share its time; it is recorded on the first.
    if (results[0] !== undefined) results[0].seconds = seconds;
    cases.push(...results);
    log(`${results.map((r) => r.id).join('+')} done in ${seconds} s (load ${loadavg()[0]?.toFixed(2)})`);
  };

  await mkdir(WORK_ROOT, { recursive: true });
  // Measure the CLI users run after `npm ci`: the esbuild bundle, rebuilt so it is newer than the sources.
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'bundle-cli.mjs')], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (wants('1', '2', '3')) {
    const ctx = context('build');
    const begin = performance.now();
    const build = await runBuildCases(ctx);
    const seconds = Math.round((performance.now() - begin) / 100) / 10;
    (build.cases[0] as CaseResult).seconds = seconds;
    cases.push(...build.cases);
    log(`1+2 done in ${seconds} s (load ${loadavg()[0]?.toFixed(2)})`);
    if (wants('3')) await timed(() => runWatchCase(ctx, build.dirs).then((r) => [r]), ctx);
  }
  if (wants('4')) await timed((ctx) => runFeedRenderCase(ctx).then((r) => [r]), context('feed-render'));
  if (wants('5')) await timed((ctx) => runWebhookCase(ctx).then((r) => [r]), context('webhooks'));
  if (wants('6')) await timed((ctx) => runBundleCase(ctx).then((r) => [r]), context('bundles'));
  if (wants('7')) await timed((ctx) => runNormalizeCase(ctx).then((r) => [r]), context('normalize'));
  if (wants('8')) await timed((ctx) => runS3CostCase(ctx).then((r) => [r]), context('s3-cost'));
  if (wants('9')) await timed((ctx) => runScaleCase(ctx).then((r) => [r]), context('scale'));
  if (wants('10')) await timed((ctx) => runTopicsCase(ctx).then((r) => [r]), context('topics'));

  const results: BenchResults = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      loadAtStart,
      loadAtEnd: Number(loadavg()[0]?.toFixed(2)),
    },
    source,
    articles,
    seconds: Math.round((performance.now() - started) / 1000),
    cases,
  };
  const path =
    quick || only !== null || values.articles !== undefined ? join(WORK_ROOT, 'results-quick.json') : RESULTS_PATH;
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatTable(results));
  log(`results written to ${path} (${results.seconds} s)`);
  // Keep-alive sockets and child-process pipes of the cases can hold the loop open for a while after the
  // last case; the results are written, so do not wait for their idle timeouts.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
}

await main();
