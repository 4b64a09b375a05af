/**
 * A deterministic, seeded corpus of articles shaped like the seed (`content/articles/*.txt`): a lead line that
 * repeats, "•" key points, a short headline, 6–15 paragraphs with subheadings, sometimes a promo line, a closing
 * byline and a category — about 4 KiB each. Article i depends only on i (its own seed), so article 7 is the same
 * in a corpus of 10 and of 10,000. The Markdown variant carries the same text with YAML front matter.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../test/helpers/seeded-random.ts';

export type CorpusFormat = 'txt' | 'md';

export interface CorpusArticle {
  /** File name under `articles/`, e.g. `story-00042.txt`. */
  readonly name: string;
  readonly text: string;
}

const WORDS = (
  'market policy government analyst official report minister economy growth trade tariff energy pipeline ' +
  'investment agreement summit leader council election campaign budget deficit inflation currency bank ' +
  'interest rate export import factory supply chain shipping port border security defense alliance treaty ' +
  'negotiation sanction pressure dialogue partnership region capital industry technology battery vehicle ' +
  'semiconductor research university hospital climate emissions drought harvest farmer worker union wage ' +
  'price consumer retail demand forecast quarter revenue profit loss share investor fund bond yield debt ' +
  'court ruling lawmaker committee hearing proposal reform strategy plan project contract infrastructure ' +
  'railway airport highway housing mortgage property city province village community family student ' +
  'teacher doctor nurse patient vaccine study survey data signal estimate decline increase recovery surge ' +
  'slowdown outlook risk challenge opportunity crisis resilience cooperation competition relationship'
).split(' ');

const VERBS = (
  'said stated argued warned noted suggested announced confirmed expected reported estimated revealed ' +
  'signalled predicted acknowledged insisted explained added'
).split(' ');

const FIRST_NAMES = 'Sumathi Anna Kenji Lucia Omar Priya Tomás Ingrid Chen Amara Felix Noor Dmitri Grace Rafael'.split(
  ' ',
);
const LAST_NAMES =
  'Bala Novak Tanaka Ferreira Haddad Iyer Álvarez Larsen Wei Okafor Braun Rahman Petrov Kim Costa'.split(' ');
const CATEGORIES = ['Politics', 'Economy', 'Markets', 'Technology', 'Energy', 'Health', 'World', 'Climate'];
const HEADINGS = ['Mounting pressure', 'What comes next', 'A shifting balance', 'Market reaction', 'The long view'];
const PROMOS = [
  "Watch CNBC's full interview with the minister",
  'Read more: how the talks unfolded',
  'Related: the numbers behind the deal',
  'Sign up for our daily briefing',
];

class Writer {
  constructor(readonly random: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  words(count: number): string {
    return Array.from({ length: count }, () => this.pick(WORDS)).join(' ');
  }

  /** One sentence; `quotes` allows a quoted remark (curly quotes, as in the seed), never used for the lead. */
  sentence(quotes = true): string {
    const words = `${this.words(this.int(5, 9))} ${this.pick(VERBS)} ${this.words(this.int(4, 10))}`;
    const text = `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
    const withFigure = this.random() < 0.2 ? `${text} by $${this.int(2, 99)} billion` : text;
    return quotes && this.random() < 0.1
      ? `“${withFigure},” the ${this.pick(WORDS)} ${this.pick(VERBS)}.`
      : `${withFigure}.`;
  }

  paragraph(targetChars: number): string {
    const sentences: string[] = [];
    let length = 0;
    while (length < targetChars) {
      const sentence = this.sentence();
      sentences.push(sentence);
      length += sentence.length + 1;
    }
    return sentences.join(' ');
  }
}

/** The parts of article i, shared by both formats so the two corpora say the same thing. */
function compose(index: number) {
  // A per-article seed (not one stream for the whole corpus) is what makes article i independent of N.
  const w = new Writer(seededRandom(Math.imul(index + 1, 0x9e3779b1) ^ 0x5bd1e995));
  const headline = `${w.words(1).replace(/^./, (c) => c.toUpperCase())} ${w.words(w.int(4, 7))} ${w.pick(VERBS)}, analyst says`;
  const lead = w.sentence(false);
  const keyPoints = Array.from({ length: w.int(2, 4) }, () => w.sentence(false));
  const paragraphCount = w.int(6, 15);
  const targetBytes = w.int(3300, 4100);
  const overhead = 300 + lead.length * 3 + keyPoints.join(' ').length + headline.length;
  const perParagraph = Math.max(60, Math.floor((targetBytes - overhead) / paragraphCount));
  const blocks: { kind: 'p' | 'h' | 'promo'; text: string }[] = [];
  const headingAt = new Set([w.int(2, Math.max(2, paragraphCount - 2)), w.int(3, paragraphCount - 1)]);
  const promoAt = w.random() < 0.4 ? w.int(3, paragraphCount - 1) : -1;
  for (let p = 0; p < paragraphCount; p++) {
    if (headingAt.has(p)) blocks.push({ kind: 'h', text: w.pick(HEADINGS) });
    if (p === promoAt) blocks.push({ kind: 'promo', text: w.pick(PROMOS) });
    blocks.push({ kind: 'p', text: w.paragraph(perParagraph) });
  }
  const author = `${w.pick(FIRST_NAMES)} ${w.pick(LAST_NAMES)}`;
  const category = w.pick(CATEGORIES);
  const tags = [w.pick(WORDS), w.pick(WORDS)];
  // Dates half an hour apart from 2014, so the Markdown corpus has a real newest-first order and even its
  // 100,000-article size ends in the past (a future date would be a scheduled article, held back).
  const date = new Date(Date.UTC(2014, 0, 1) + index * 1_800_000 + w.int(0, 1_799) * 1000).toISOString();
  return { headline, lead, keyPoints, blocks, author, category, tags, date };
}

/** The file name of article i, the same for every corpus size. */
export function articleName(index: number, format: CorpusFormat): string {
  return `story-${String(index).padStart(5, '0')}.${format}`;
}

/** Article i as scraped plain text, laid out like the seed article. */
export function makeTextArticle(index: number): CorpusArticle {
  const a = compose(index);
  const lines = [a.lead, '', a.lead, a.lead, ...a.keyPoints.map((point) => `  • ${point}`), a.headline, ''];
  for (const block of a.blocks) lines.push(block.text, '');
  lines.push(`by ${a.author}`, '', a.category);
  return { name: articleName(index, 'txt'), text: lines.join('\n') };
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** Article i as Markdown with YAML front matter (title, date, author, tags, category, summary). */
export function makeMarkdownArticle(index: number): CorpusArticle {
  const a = compose(index);
  const lines = [
    '---',
    `title: ${yamlString(a.headline)}`,
    `date: ${a.date}`,
    `author: ${yamlString(a.author)}`,
    `category: ${yamlString(a.category)}`,
    `tags: [${a.tags.map(yamlString).join(', ')}]`,
    `summary: ${yamlString(a.lead)}`,
    '---',
    '',
    ...a.keyPoints.map((point) => `- ${point}`),
    '',
  ];
  for (const block of a.blocks) {
    if (block.kind === 'h') lines.push(`## ${block.text}`, '');
    else if (block.kind === 'promo') lines.push(`*${block.text}*`, '');
    else lines.push(block.text, '');
  }
  return { name: articleName(index, 'md'), text: lines.join('\n') };
}

export function makeArticle(index: number, format: CorpusFormat): CorpusArticle {
  return format === 'txt' ? makeTextArticle(index) : makeMarkdownArticle(index);
}

/** The first `count` articles of the corpus. */
export function generateCorpus(count: number, format: CorpusFormat): CorpusArticle[] {
  return Array.from({ length: count }, (_, i) => makeArticle(i, format));
}

export const BENCH_SITE = {
  title: 'wirefeed bench',
  siteUrl: 'https://bench.example.com',
  description: 'Generated articles for the benchmark suite.',
  language: 'en',
  author: { name: 'wirefeed bench desk' },
  itemLimit: 50,
};

/** Writes `site.json` and `articles/<name>` for the first `count` articles into `root`; returns the file count. */
export async function writeCorpus(root: string, count: number, format: CorpusFormat): Promise<number> {
  await mkdir(join(root, 'articles'), { recursive: true });
  await writeFile(join(root, 'site.json'), `${JSON.stringify(BENCH_SITE, null, 2)}\n`);
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const articles = Array.from({ length: Math.min(batch, count - start) }, (_, k) => makeArticle(start + k, format));
    await Promise.all(articles.map((article) => writeFile(join(root, 'articles', article.name), article.text)));
  }
  return count;
}
