/**
 * Case 3: watch mode in-process. `startDev` on port 0 over an already-built corpus; each edit is timed from the
 * source file's mtime to the newest mtime among the files it affects (its page and the three feeds), read from
 * the file system after the rebuild the watcher's keys for that file started, so the measurement adds no polling
 * to the process it measures.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startDev } from '../../functions/cli/dev-command.ts';
import { editArticle } from './build.ts';
import { type BenchContext, type CaseResult, check, figure, median, percentile } from './common.ts';

const AFFECTED = ['feed.xml', 'atom.xml', 'feed.json'];
/**
 * The pause between edits, as between saves by hand: longer than @parcel/watcher's 500 ms burst window (changes
 * within it of the previous batch wait for a 50 ms lull, as a burst would), and than the dev server's debounce, so
 * no rebuild from one edit leaks into the next.
 */
const SETTLE_MS = 700;

export async function runWatchCase(
  ctx: BenchContext,
  dirs: { content: string; out: string; state: string },
): Promise<CaseResult> {
  const edits = ctx.quick ? 8 : 20;
  let lastBuildMs: number | null = null;
  const io = {
    stdout: (text: string) => {
      const match = /\((\d+) ms\)/.exec(text);
      if (match) lastBuildMs = Number(match[1]);
    },
    stderr: (text: string) => ctx.log(`dev: ${text.trim()}`),
    env: { ...process.env, WIREFEED_PORT: undefined },
    cwd: process.cwd(),
  };
  ctx.log(`case 3: dev server over ${ctx.articles} articles, ${edits} edits`);
  const startBegin = performance.now();
  const dev = await startDev(
    ['--content', dirs.content, '--out', dirs.out, '--state', dirs.state, '--port', '0', '--host', '127.0.0.1'],
    io,
  );
  const startMs = performance.now() - startBegin;
  const endToEnd: number[] = [];
  const buildOnly: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (let k = 0; k < edits; k++) {
      const name = `story-${String(k % 20).padStart(5, '0')}`;
      const source = join(dirs.content, 'articles', `${name}.txt`);
      const marker = `watch-${k}`;
      lastBuildMs = null;
      const rebuilt = dev.rebuilt((request) => request.keys.includes(`articles/${name}.txt`));
      await editArticle(source, marker);
      const changedAt = (await stat(source)).mtimeMs;
      await Promise.race([
        rebuilt,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no rebuild within 60 s')), 60_000)),
      ]);
      const paths = [`articles/${name}.html`, ...AFFECTED].map((p) => join(dirs.out, p));
      for (const path of paths) {
        if (!(await readFile(path, 'utf8')).includes(`Edition marker ${marker}.`)) {
          throw new Error(`${path} does not hold edit ${marker} after the rebuild`);
        }
      }
      const written = Math.max(...(await Promise.all(paths.map(async (p) => (await stat(p)).mtimeMs))));
      endToEnd.push(written - changedAt);
      if (lastBuildMs !== null) buildOnly.push(lastBuildMs);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  } finally {
    await dev.close();
  }
  const p50 = median(endToEnd);
  return {
    id: '3',
    title: `Watch mode, in-process dev server, ${ctx.articles} articles, ${edits} edits`,
    figures: [
      figure('rebuild only p50 (dev server log)', median(buildOnly), 'ms'),
      figure('rebuild only p95 (dev server log)', percentile(buildOnly, 95), 'ms'),
      figure('dev server start (unchanged build + listen)', startMs, 'ms'),
    ],
    checks: [
      check('change → files written p50', p50, 'ms', 100),
      check('change → files written p95', percentile(endToEnd, 95), 'ms', 200),
    ],
    notes: [
      'Latency is source mtime → newest mtime of the article page and the three feeds (the edits are in the feed window).',
      `Edits are ${SETTLE_MS} ms apart; the latency includes the watcher's batching and the dev server’s debounce (DEBOUNCE_MS in functions/cli/dev-command.ts); "rebuild only" is the build the server timed itself.`,
    ],
  };
}
