/**
 * Normalize worst case (issue 7, case 7): a 2 MiB adversarial article against a 2 MiB ordinary one, both formats.
 * A ratio near 1 means normalization is linear whatever the shape of the input; a backtracking regex or a quadratic
 * scan would show up as a ratio in the hundreds. Run directly with `npx tsx bench/normalize-worst-case.ts`.
 */
import { pathToFileURL } from 'node:url';
import { MAX_ARTICLE_BYTES, normalizeArticle } from '../functions/core/normalize.ts';
import { seededRandom } from '../test/helpers/seeded-random.ts';

const WORDS = [
  'the',
  'analyst',
  'said',
  'Beijing',
  'pressure',
  'trade',
  'relationship',
  'between',
  'countries',
  'support',
  'markets',
  'pipeline',
  'currency',
  'interview',
  '“no limits”',
  '$18 billion',
  'it’s',
  'growing',
  'tariffs',
  'November',
];

/** Appends lines until the UTF-8 size would exceed `bytes`; the result is at most `bytes` long. */
class SizedText {
  private readonly parts: string[] = [];
  private size = 0;
  constructor(private readonly bytes: number) {}
  add(line: string): boolean {
    const cost = Buffer.byteLength(line, 'utf8') + 1;
    if (this.size + cost > this.bytes) return false;
    this.parts.push(line);
    this.size += cost;
    return true;
  }
  get full(): boolean {
    return this.size >= this.bytes - 64;
  }
  toString(): string {
    return `${this.parts.join('\n')}\n`;
  }
}

function sentence(random: () => number): string {
  const count = 8 + Math.floor(random() * 20);
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** A seed-shaped article (lead, bullets, headline, paragraphs, subheadings, promo, byline, category) of ~`bytes`. */
export function makeOrdinaryArticle(bytes: number): string {
  const random = seededRandom(7);
  const out = new SizedText(bytes - 64);
  const lead = 'An analyst says that Putin seeks to deepen Russia-China ties by requesting three things from Xi.';
  out.add(lead);
  out.add('');
  out.add(lead);
  for (let i = 0; i < 3; i++) out.add(`  • ${sentence(random)}`);
  out.add('Putin wants three things from China, analyst says');
  out.add('');
  for (let paragraph = 0; !out.full; paragraph++) {
    if (paragraph % 8 === 7 && !out.add(`Subheading number ${paragraph}`)) break;
    if (paragraph % 23 === 11 && !out.add('Watch CNBC’s full interview with the ambassador')) break;
    const sentences = [sentence(random), sentence(random), sentence(random)].join(' ');
    if (!out.add(sentences) || !out.add('')) break;
  }
  return `${out.toString()}\nby Sumathi Bala\n\nPolitics\n`;
}

/**
 * An article built to hurt a naive parser: thousands of repeated lead lines, thousands of bullets of every kind,
 * near-limit bylines and promo-like lines, very long lines without spaces, whitespace runs, and long runs of
 * Markdown delimiters that never close (`*`, `_`, `[`, `](`, backticks of growing length, `![`, `>`).
 */
export function makeAdversarialArticle(bytes: number): string {
  const out = new SizedText(bytes - 64);
  const budget = Math.floor(bytes / 12);
  const lead = 'An analyst says that Putin seeks to deepen Russia-China ties by requesting three things from Xi.';
  const section = (make: (i: number) => string) => {
    let used = 0;
    for (let i = 0; used < budget && !out.full; i++) {
      const line = make(i);
      if (!out.add(line)) return;
      used += line.length + 1;
    }
  };
  out.add('Putin wants three things from China, analyst says');
  section(() => lead);
  section((i) => `${'    '.repeat(i % 3)}${['•', '-', '*', '–', '1.'][i % 5]} bullet ${i}`);
  section((i) => `By ${'Ana Lima, '.repeat(13)}and Name${i}`);
  section((i) => `Watch ${'x '.repeat(70)}${i}`);
  section((i) => `Short Heading ${i}`);
  section(() => `${'word \t \u00a0 '.repeat(400)}`);
  section(() => 'a'.repeat(64 * 1024));
  section(() => `${'*a _b **c __d '.repeat(2000)}`);
  section(() => `${'[a]('.repeat(8000)}`);
  section(() => `${'[['.repeat(4000)}${'](x'.repeat(4000)}`);
  section((i) => `${Array.from({ length: 200 }, (_, k) => '`'.repeat(1 + ((k + i) % 40))).join('x')}`);
  section(() => `${'![a'.repeat(5000)} ${'>'.repeat(5000)} ${'\\*'.repeat(5000)}`);
  section((i) => `continued lowercase line ${i} without an end`);
  return out.toString();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function timeOnce(text: string, path: string): number {
  const start = performance.now();
  try {
    normalizeArticle(text, { path });
  } catch {
    // A rejection still had to read the whole input; its time counts the same.
  }
  return performance.now() - start;
}

export interface NormalizeRatio {
  readonly adversarialMs: number;
  readonly ordinaryMs: number;
  /** adversarialMs / ordinaryMs for the worse of the two formats. */
  readonly ratio: number;
  /** The format the figures above come from. */
  readonly format: 'txt' | 'md';
  readonly byFormat: Readonly<Record<'txt' | 'md', { adversarialMs: number; ordinaryMs: number; ratio: number }>>;
}

/**
 * Medians of interleaved runs (adversarial, ordinary, adversarial, …) on 2 MiB inputs, as `.txt` and as `.md`;
 * reports the format with the worse ratio.
 */
export async function measureNormalizeRatio(runs = 7): Promise<NormalizeRatio> {
  // Markdown needs a title from front matter; the same small front matter goes on both inputs.
  const frontMatter = '---\ntitle: Putin wants three things from China\ndate: 2024-05-16\ntags: [politics]\n---\n';
  const size = MAX_ARTICLE_BYTES - frontMatter.length;
  const inputs = {
    txt: { adversarial: makeAdversarialArticle(size), ordinary: makeOrdinaryArticle(size) },
    md: { adversarial: frontMatter + makeAdversarialArticle(size), ordinary: frontMatter + makeOrdinaryArticle(size) },
  };
  const byFormat = {} as Record<'txt' | 'md', { adversarialMs: number; ordinaryMs: number; ratio: number }>;
  for (const format of ['txt', 'md'] as const) {
    const path = `articles/bench.${format}`;
    const { adversarial, ordinary } = inputs[format];
    timeOnce(adversarial, path);
    timeOnce(ordinary, path);
    const adversarialTimes: number[] = [];
    const ordinaryTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      adversarialTimes.push(timeOnce(adversarial, path));
      ordinaryTimes.push(timeOnce(ordinary, path));
      // Yield so a caller's progress output or timers are not starved.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const adversarialMs = median(adversarialTimes);
    const ordinaryMs = median(ordinaryTimes);
    byFormat[format] = { adversarialMs, ordinaryMs, ratio: adversarialMs / ordinaryMs };
  }
  const format = byFormat.md.ratio > byFormat.txt.ratio ? 'md' : 'txt';
  return { ...byFormat[format], format, byFormat };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureNormalizeRatio();
  console.log(JSON.stringify(result, null, 2));
}
