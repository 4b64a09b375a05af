/**
 * Case 7: normalize on a 2 MiB adversarial article (long lines, thousands of bullets, repeated lead lines)
 * vs a 2 MiB ordinary one, as `.txt` and as `.md`. Inputs and the interleaved measurement come from
 * `bench/normalize-worst-case.ts`; the verdict is the worse format's ratio.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchContext, type CaseResult, check, figure, PROJECT_ROOT } from './common.ts';

interface FormatFigures {
  readonly adversarialMs: number;
  readonly ordinaryMs: number;
  readonly ratio: number;
}

interface NormalizeRatio extends FormatFigures {
  readonly format: 'txt' | 'md';
  readonly byFormat: Readonly<Record<'txt' | 'md', FormatFigures>>;
}

const MODULE_PATH = join(PROJECT_ROOT, 'bench', 'normalize-worst-case.ts');

export async function runNormalizeCase(ctx: BenchContext): Promise<CaseResult> {
  const base = { id: '7', title: 'Normalize worst case, 2 MiB adversarial vs 2 MiB ordinary' };
  if (!existsSync(MODULE_PATH)) {
    return {
      ...base,
      figures: [],
      checks: [{ ...check('adversarial / ordinary', null, '×', 10), goal: '≤ 10 (inputs not available)' }],
      notes: ['bench/normalize-worst-case.ts is not in the tree, so this case did not run.'],
    };
  }
  const { measureNormalizeRatio } = (await import(pathToFileURL(MODULE_PATH).href)) as {
    measureNormalizeRatio: (runs?: number) => Promise<NormalizeRatio>;
  };
  const runs = ctx.quick ? 2 : 9;
  ctx.log(`case 7: ${runs} interleaved runs per format`);
  const result = await measureNormalizeRatio(runs);
  return {
    ...base,
    figures: (['txt', 'md'] as const).flatMap((format) => [
      figure(`${format}: adversarial (median)`, result.byFormat[format].adversarialMs, 'ms'),
      figure(`${format}: ordinary (median)`, result.byFormat[format].ordinaryMs, 'ms'),
      figure(`${format}: ratio`, result.byFormat[format].ratio, '×'),
    ]),
    checks: [check(`adversarial / ordinary (worse format: ${result.format})`, result.ratio, '×', 10)],
    notes: ['Inputs and measurement from bench/normalize-worst-case.ts (medians of interleaved runs, both formats).'],
  };
}
