import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Article, Block } from '../../functions/core/article.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { h, htmlOf, list, p, textOf } from '../helpers/blocks.ts';

function load(name: string): Article {
  const bytes = readFileSync(new URL(`../fixtures/articles/${name}`, import.meta.url));
  return normalizeArticle(bytes, { path: `articles/${name}` });
}

describe('plain text with CRLF, a BOM, tabs, a top byline "By A, B and C" and a "Key Points" label', () => {
  const article = load('crlf-bom-tabs-top-byline.txt');

  it('reads title, authors and en-dash key points, with tabs collapsed and the label dropped', () => {
    expect(article.id).toBe('crlf-bom-tabs-top-byline');
    expect(article.title).toBe('Central banks weigh a slower path for rate cuts');
    expect(article.authors).toEqual(['Ana Lima', 'Ben Okafor', 'Chen Wei']);
    expect(article.keyPoints).toEqual([
      'Inflation cooled for a third month in a row.',
      'Policymakers say they need "more confidence" before cutting.',
      'Markets now price two cuts this year, down from four.',
    ]);
    expect(article.dropped).toEqual(['Key Points']);
    expect(article.category).toBeNull();
  });

  it('derives the summary from the first paragraph when there is no lead line', () => {
    expect(article.summary).toBe(
      'Officials at three central banks said on Wednesday that they were in no hurry to lower borrowing costs.',
    );
  });

  it('turns both subheadings into heading blocks between the paragraphs', () => {
    expect(article.body).toEqual([
      p('Officials at three central banks said on Wednesday that they were in no hurry to lower borrowing costs.'),
      p('The comments pushed bond yields up by 0.2 percentage points, to 4.6%.'),
      h('What the minutes show'),
      p('The minutes of the March meeting showed a split between members who favoured waiting and those who did not.'),
      p('Most members agreed that the labour market remained tight.'),
      h('What comes next'),
      p('The next decision is due on June 12.'),
    ]);
  });

  it('hashes the same as the LF, BOM-less, tab-free version of the same text', () => {
    const bytes = readFileSync(new URL('../fixtures/articles/crlf-bom-tabs-top-byline.txt', import.meta.url));
    const plain = bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .replaceAll('\r\n', '\n')
      .replaceAll('\t', ' ');
    const other = normalizeArticle(plain, { path: 'articles/crlf-bom-tabs-top-byline.txt' });
    expect(other.contentHash).toBe(article.contentHash);
  });
});

describe('plain text with no lead, a long first paragraph, no byline and no category', () => {
  const article = load('no-lead-long-first-paragraph.txt');

  it('cuts the summary after the last whole sentence within 300 characters', () => {
    expect(article.summary).toBe(
      'The council of the small harbour town voted by nine to four on Monday night to stop cruise ships larger than 200 passengers from docking at the old port from next summer. Residents had complained for years about crowds, fumes and the noise of tenders running between the ships and the quay.',
    );
    expect(article.summary.length).toBeLessThanOrEqual(300);
  });

  it('has no authors, category or key points, and keeps the body bullets as a list', () => {
    expect(article.title).toBe('Harbour town votes to ban cruise ships from its old port');
    expect(article.authors).toEqual([]);
    expect(article.category).toBeNull();
    expect(article.keyPoints).toEqual([]);
    expect(article.dropped).toEqual([]);
    expect(article.body.map((block) => block.type)).toEqual(['paragraph', 'paragraph', 'list', 'paragraph']);
    expect(article.body[2]).toEqual(
      list(false, [
        'Ships above 1,000 passengers are barred from April.',
        'Ships above 200 passengers are barred from the following April.',
        'Smaller expedition vessels may still call.',
      ]),
    );
  });
});

describe('plain text with several promo kinds, subheadings, a bottom byline "By A and B" and a category', () => {
  const article = load('promo-kinds-bottom-byline.txt');

  it('drops Watch:, Read more:, Related:, Sign up for and Subscribe to lines, in source order', () => {
    expect(article.dropped).toEqual([
      'Watch: How the chip shortage changed the car industry',
      'Read more: The companies behind the AI boom',
      'Related: Why memory prices are rising again',
      'Sign up for our weekly technology newsletter',
      'Subscribe to CNBC PRO for exclusive insights and analysis',
    ]);
  });

  it('reads "*" key points, both authors, the category and two subheadings', () => {
    expect(article.title).toBe('Chipmakers rally as demand for AI servers surges');
    expect(article.keyPoints).toEqual([
      'Shares of the three largest chipmakers rose more than 5% on Tuesday.',
      'Orders for data-centre processors doubled from a year earlier.',
    ]);
    expect(article.authors).toEqual(['Maria Rossi', 'John Doe']);
    expect(article.category).toBe('Technology');
    expect(article.body).toEqual([
      p('Shares in chipmakers jumped on Tuesday after two of the largest cloud providers raised their spending plans.'),
      p('Analysts said the orders reflected a race to build capacity for artificial intelligence.'),
      h('Supply is tight'),
      p('Factories are running close to full capacity, and new plants will not open before 2026.'),
      h('Prices are rising'),
      p('Contract prices for high-end memory rose by a fifth in the first quarter.'),
    ]);
  });
});

describe('plain text carrying HTML, script, control and zero-width characters', () => {
  const article = load('hostile-html-text.txt');

  it('keeps markup as literal text and escapes it in the HTML', () => {
    expect(article.title).toBe('Café owners rally & protest <script>alert("x")</script>');
    const [first, second, third] = article.body;
    expect(first).toEqual(
      p('The protest began at 9 a.m. when owners of the café <b>Le Zinc</b> closed their doors & marched.'),
    );
    expect(htmlOf(first as Block)).toBe(
      '<p>The protest began at 9 a.m. when owners of the café &lt;b&gt;Le Zinc&lt;/b&gt; closed their doors &amp; marched.</p>',
    );
    expect(htmlOf(second as Block)).toBe(
      '<p>One sign read &lt;img src=x onerror=alert(1)&gt; in big letters, another "ça suffit" and a third مرحبا.</p>',
    );
    expect(htmlOf(third as Block)).toContain('join]]&gt; next week');
  });

  it('removes control and zero-width characters and composes accents (NFC)', () => {
    const all = article.body.map((block) => textOf(block) + htmlOf(block)).join('');
    expect(all.includes(String.fromCharCode(7))).toBe(false);
    expect(all.includes('\u200b')).toBe(false);
    const third = article.body[2];
    expect(third?.type === 'paragraph' && third.text).toBe(
      'The organisers said 40 cafés took part 🎉 and that more would join]]> next week.',
    );
    expect(third?.type === 'paragraph' && third.text.includes('cafe\u0301s')).toBe(false);
  });
});

describe('plain text with a lead but no bullets, a duplicated lead, a Watch: promo and a bottom byline only', () => {
  const article = load('lead-without-bullets.txt');

  it('takes the lead as summary, drops its duplicate (trailing spaces ignored) and the promo', () => {
    expect(article.title).toBe('Riverside planting drive beats its own record');
    expect(article.summary).toBe('Volunteers planted 12,000 trees along the river in a single weekend.');
    expect(article.dropped).toEqual([
      'Volunteers planted 12,000 trees along the river in a single weekend.',
      'Watch: Drone footage of the planting drive',
    ]);
  });

  it('reads the byline without mistaking it for a category', () => {
    expect(article.authors).toEqual(['Lena Fischer']);
    expect(article.category).toBeNull();
    expect(article.keyPoints).toEqual([]);
    expect(article.body).toEqual([
      p('The drive, now in its fifth year, drew more than 800 volunteers from across the region.'),
      p('Organisers said the saplings, mostly alder and willow, would help stabilise the banks.'),
      p('"We\'ll be back in the autumn," one of them said.'),
    ]);
  });
});

describe('plain text built to trip the heuristics', () => {
  const article = load('false-positives.txt');

  it('accepts a question as the title and glued "•" bullets as key points', () => {
    expect(article.title).toBe('Can the old line survive another winter?');
    expect(article.keyPoints).toEqual([
      'Engineers inspected all 40 bridges on the line.',
      'Repairs are budgeted at €30 million.',
    ]);
  });

  it('keeps "By Tuesday, …", a quoted one-liner and a short sentence as paragraphs, and numbers as a list', () => {
    expect(article.authors).toEqual([]);
    expect(article.category).toBeNull();
    expect(article.body).toEqual([
      p('By Tuesday, the inspectors had finished their report.'),
      p('"It is fine."'),
      p('Short answer.'),
      p('The report lists three priorities:'),
      list(true, [
        'Replace the rails on the northern section.',
        'Reinforce the Elm Creek bridge.',
        'Upgrade the signalling.',
      ]),
      p('Service will continue while the work is done.'),
    ]);
    expect(article.summary).toBe('By Tuesday, the inspectors had finished their report.');
  });
});

describe('Markdown with full front matter, inline formatting, links and raw HTML', () => {
  const article = load('front-matter-inline.md');

  it('takes every field from the front matter', () => {
    expect(article.format).toBe('md');
    expect(article.id).toBe('ports-reopen-2024');
    expect(article.title).toBe('Ports reopen after the storm: what we know');
    expect(article.summary).toBe('Three ports reopened on Thursday after a two-day closure.');
    expect(article.authors).toEqual(['Ana Lima', 'Ben Okafor']);
    expect(article.tags).toEqual(['storms', 'shipping', 'ports']);
    expect(article.category).toBe('World');
    expect(article.keyPoints).toEqual(['Three ports reopened on Thursday.', 'Shipping delays may last a week.']);
  });

  it('converts dates to ISO 8601 UTC (a bare date is midnight UTC)', () => {
    expect(article.published).toBe('2024-05-16T00:00:00.000Z');
    expect(article.updated).toBe('2024-05-17T07:30:00.000Z');
  });

  it('keeps emphasis, strong, code and safe links as inline HTML, and drops a javascript: link to its text', () => {
    expect(article.body[0]).toEqual(h('This heading is not the title'));
    expect(textOf(article.body[1] as Block)).toBe(
      'Ports on the north coast reopened on Thursday, the harbour authority said, after winds dropped below 50 km/h.',
    );
    expect(htmlOf(article.body[1] as Block)).toBe(
      '<p>Ports on the north coast <strong>reopened</strong> on Thursday, the <em>harbour authority</em> said, after <code>winds</code> dropped below 50 km/h.</p>',
    );
    expect(textOf(article.body[2] as Block)).toBe('Read the official notice or click me or mail us.');
    expect(htmlOf(article.body[2] as Block)).toBe(
      '<p>Read the <a href="https://example.com/notice?a=1&amp;b=2">official notice</a> or click me or <a href="mailto:desk@example.com">mail us</a>.</p>',
    );
    expect(JSON.stringify(article)).not.toContain('javascript');
  });

  it('reads headings, lists and quotes, and escapes raw HTML as text', () => {
    const rest = article.body.slice(3);
    expect(rest.map((block) => block.type)).toEqual(['heading', 'list', 'paragraph', 'quote', 'list']);
    expect(rest.map(textOf)).toEqual([
      'Damage',
      'Two cranes were damaged.\nA warehouse roof collapsed.',
      '<script>alert("hi")</script>',
      '"We were lucky," said one dock worker.',
      'Inspect the quays.\nClear the channels.',
    ]);
    expect(htmlOf(rest)).toBe(
      [
        '<h2>Damage</h2>',
        '<ul><li>Two cranes were <em>damaged</em>.</li><li>A warehouse roof collapsed.</li></ul>',
        '<p>&lt;script&gt;alert("hi")&lt;/script&gt;</p>',
        '<blockquote><p>"We were lucky," said one dock worker.</p></blockquote>',
        '<ol><li>Inspect the quays.</li><li>Clear the channels.</li></ol>',
      ].join('\n'),
    );
  });
});

describe('Markdown without front matter: "# " title, byline paragraph, "Key Points" heading, accented file name', () => {
  const article = load('Café Münster Übersicht.md');

  it('slugs the accented file name and takes the first-level heading as the title, as plain text', () => {
    expect(article.id).toBe('cafe-munster-ubersicht');
    expect(article.title).toBe('Münster cafés face a rent squeeze');
    expect(article.published).toBeNull();
    expect(article.tags).toEqual([]);
  });

  it('reads the byline paragraph and the key points list, and keeps the rest as body', () => {
    expect(article.authors).toEqual(['Jürgen Weiß', 'Marie-Claire Dubois']);
    expect(article.keyPoints).toEqual(['Rents rose by 18% in two years.', 'Six cafés closed since January.']);
    expect(article.dropped).toEqual(['Key Points']);
    expect(article.body).toEqual([
      p(
        'Owners say the increases leave them with little choice. Some have cut opening hours, others have moved out of the old town altogether. The city says it is looking at options.',
      ),
      h('What the city says', 3),
      p('A spokesperson said the council would discuss a cap in June.'),
    ]);
    expect(article.summary).toBe((article.body[0] as Block & { text: string }).text);
  });
});

describe('Markdown with key_points, a single author, tags as a string and no summary', () => {
  const article = load('front-matter-key-points.md');

  it('reads the front matter variants', () => {
    expect(article.id).toBe('front-matter-key-points');
    expect(article.title).toBe('Rail strike called off at the last minute');
    expect(article.authors).toEqual(['Sam Carter']);
    expect(article.tags).toEqual(['transport', 'labour']);
    expect(article.published).toBe('2024-03-01T00:00:00.000Z');
    expect(article.updated).toBeNull();
    expect(article.keyPoints).toEqual(['The union accepted a 6% pay offer.', 'Trains will run normally on Monday.']);
  });

  it('derives a summary of at most 300 characters ending at a sentence', () => {
    expect(article.summary).toBe(
      'The union representing train drivers called off a three-day strike late on Sunday, hours before it was due to begin, after members accepted a revised pay offer worth 6% over two years.',
    );
  });

  it('keeps the image and the site-relative link, drops the data: link to its text, and leads with the image', () => {
    expect(textOf(article.body[1] as Block)).toBe('A train at a platform See the timetable and data.');
    expect(htmlOf(article.body[1] as Block)).toBe(
      '<p><img src="https://example.com/train.jpg" alt="A train at a platform"> See the <a href="https://news.example.com/timetable">timetable</a> and data.</p>',
    );
    expect(article.image).toEqual({ src: 'https://example.com/train.jpg', alt: 'A train at a platform' });
    expect(article.assets).toEqual([]);
  });
});
