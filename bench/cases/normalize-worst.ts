/**
 * Case 7: normalize on a 2 MiB adversarial article (long lines, thousands of bullets, repeated lead lines)
 * vs a 2 MiB ordinary one. The inputs come from `bench/normalize-worst-case.ts`; when that module offers its
 * own measurement it is used as is, otherwise the two inputs are timed here, alternating.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import {
  type BenchContext,
  type CaseResult,
  check,
  figure,
  interleave,
  median,
  PROJECT_ROOT,
  pairedRatio,
} from './common.ts';

interface WorstCaseModule {
  makeAdversarialArticle?: (...args: unknown[]) => unknown;
  makeOrdinaryArticle?: (...args: unknown[]) => unknown;
  measureNormalizeRatio?: (...args: unknown[]) => unknown;
}

const MODULE_PATH = join(PROJECT_ROOT, 'bench', 'normalize-worst-case.ts');

function asText(value: unknown): string | Uint8Array {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (typeof value === 'object' && value !== null && 'text' in value) return String((value as { text: unknown }).text);
  throw new TypeError('normalize-worst-case returned an article of an unknown shape');
}

function numberIn(value: unknown, keys: readonly string[]): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'object' || value === null) return null;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number') return v;
  }
  return null;
}

export async function runNormalizeCase(ctx: BenchContext): Promise<CaseResult> {
  const base = { id: '7', title: 'Normalize worst case, 2 MiB adversarial vs 2 MiB ordinary' };
  if (!existsSync(MODULE_PATH)) {
    return {
      ...base,
      figures: [],
      checks: [{ ...check('adversarial / ordinary', null, '×', 10), goal: '≤ 10 (inputs not available)' }],
      notes: ['bench/normalize-worst-case.ts is not in the tree yet, so this case did not run.'],
    };
  }
  const worst = (await import(pathToFileURL(MODULE_PATH).href)) as WorstCaseModule;
  if (worst.makeAdversarialArticle && worst.makeOrdinaryArticle) {
    const adversarial = asText(worst.makeAdversarialArticle());
    const ordinary = asText(worst.makeOrdinaryArticle());
    const size = (t: string | Uint8Array) => (typeof t === 'string' ? Buffer.byteLength(t) : t.byteLength);
    const time = (input: string | Uint8Array, path: string) => async () => {
      const begin = performance.now();
      try {
        normalizeArticle(input, { path });
      } catch {
        // A rejection is a valid outcome for adversarial input; its time still counts.
      }
      return performance.now() - begin;
    };
    const rounds = ctx.quick ? 5 : 11;
    ctx.log(`case 7: ${rounds} rounds`);
    const times = await interleave(rounds, {
      adversarial: time(adversarial, 'articles/adversarial.txt'),
      ordinary: time(ordinary, 'articles/ordinary.txt'),
    });
    const ratio = pairedRatio(times.adversarial, times.ordinary);
    const own = worst.measureNormalizeRatio ? numberIn(await worst.measureNormalizeRatio(), ['ratio']) : null;
    return {
      ...base,
      figures: [
        figure('adversarial: normalize (median)', median(times.adversarial), 'ms'),
        figure('ordinary: normalize (median)', median(times.ordinary), 'ms'),
        figure('input sizes', `${size(adversarial)} / ${size(ordinary)} B`, ''),
        ...(own === null ? [] : [figure('ratio from measureNormalizeRatio()', own, '×')]),
      ],
      checks: [check('adversarial / ordinary', ratio, '×', 10)],
      notes: ['Inputs from bench/normalize-worst-case.ts; median of per-round ratios, rounds alternating.'],
    };
  }
  const own = worst.measureNormalizeRatio ? numberIn(await worst.measureNormalizeRatio(), ['ratio']) : null;
  return {
    ...base,
    figures: [],
    checks: [check('adversarial / ordinary', own, '×', 10)],
    notes: ['Ratio as reported by measureNormalizeRatio() in bench/normalize-worst-case.ts.'],
  };
}
