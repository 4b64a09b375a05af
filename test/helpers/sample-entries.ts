/** Hand-built sites and entries with pinned dates, independent of normalization. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Article, AssetCatalog, Block, FeedEntry, InlineNode, Site } from '../../functions/core/article.ts';
import { normalizeArticle } from '../../functions/core/normalize.ts';
import { renderArchivePage, renderArticlePage, renderFeeds } from '../../functions/core/render/index.ts';

export const sampleSite: Site = Object.freeze({
  title: 'Wirefeed Sample News',
  siteUrl: 'https://news.example.com',
  description: 'Analysis & reporting, sampled.',
  language: 'en',
  author: Object.freeze({ name: 'Sample Desk', email: 'desk@news.example.com', url: 'https://news.example.com/about' }),
  itemLimit: 50,
  hubs: Object.freeze(['https://hub.example.com/', 'https://websub.example.org/hub?x=1&y=2']),
});

const paragraph = (text: string, content?: InlineNode[]): Block =>
  content === undefined ? { type: 'paragraph', text } : { type: 'paragraph', text, content };
const t = (value: string): InlineNode => ({ type: 'text', value });

/** Builds an Article with defaults for the fields a test does not care about. */
export function makeArticle(fields: Partial<Article> & Pick<Article, 'id' | 'title'>): Article {
  return {
    summary: `Summary of ${fields.title}.`,
    keyPoints: [],
    authors: [],
    category: null,
    tags: [],
    published: null,
    updated: null,
    body: [paragraph(`Body of ${fields.title}.`)],
    dropped: [],
    contentHash: `hash-${fields.id}`,
    source: `articles/${fields.id}.txt`,
    format: 'txt',
    draft: false,
    image: null,
    assets: [],
    canonicalUrl: null,
    lang: null,
    ...fields,
  };
}

export function makeEntry(article: Article, published: string, updated = published): FeedEntry {
  return { article, published, updated };
}

/**
 * Four entries, deliberately not in date order; two share a publication instant (tie broken by id).
 * Newest first by published: putin-china (03-14), rates-qa and zz-tied (both 03-10, by id), cjk-report (03-01).
 */
export function sampleEntries(): FeedEntry[] {
  return [
    makeEntry(
      makeArticle({
        id: 'cjk-report',
        title: 'Пекин и Москва: 北京与莫斯科 🌏',
        summary: 'A report in three scripts, with an emoji.',
        body: [paragraph('Текст на русском. 中文文本。 نص عربي من اليمين إلى اليسار.')],
        tags: ['asia', 'europe'],
      }),
      '2024-03-01T08:00:00Z',
    ),
    makeEntry(
      makeArticle({
        id: 'putin-china',
        title: 'Putin wants three things from China, analyst says',
        summary: 'An analyst says that Putin seeks three things from Xi.',
        keyPoints: ['Energy deals', 'Technology', 'Political cover'],
        authors: ['Sumathi Bala'],
        category: 'Politics',
        tags: ['russia', 'china'],
        body: [
          paragraph('Russian President Vladimir Putin arrived in Beijing on Thursday.'),
          { type: 'heading', level: 2, text: 'Mounting pressure' },
          paragraph('The visit comes as the West’s $60 billion package lands.', [
            t('The visit comes as the '),
            { type: 'emphasis', children: [t('West’s')] },
            t(' $60 billion package lands.'),
          ]),
        ],
      }),
      '2024-03-14T06:30:00Z',
      '2024-03-15T09:00:00Z',
    ),
    makeEntry(
      makeArticle({
        id: 'zz-tied',
        title: 'A story published at the same instant',
        authors: ['Ann Lee', 'Bo Chen', 'Cy Diaz'],
        body: [
          { type: 'quote', blocks: [paragraph('Quoted words.')] },
          {
            type: 'list',
            ordered: true,
            items: [
              { blocks: [paragraph('one')] },
              { blocks: [paragraph('two', [{ type: 'strong', children: [t('two')] }])] },
            ],
          },
        ],
      }),
      '2024-03-10T12:00:00Z',
    ),
    makeEntry(
      makeArticle({
        id: 'rates-qa',
        title: 'Q&A: "Rates" won’t fall <yet>',
        summary: 'Fed officials & markets disagree on "when".',
        authors: ['Dana O’Neil'],
        category: 'Markets & Economy',
        tags: ['rates', 'Markets & Economy'],
        body: [
          paragraph('See the chart at example.org.', [
            t('See the '),
            { type: 'link', href: 'https://example.org/chart?a=1&b=2', children: [t('chart')] },
            t(' at example.org.'),
          ]),
        ],
      }),
      '2024-03-10T12:00:00Z',
      '2024-03-10T12:00:00Z',
    ),
  ];
}

/** An entry carrying every kind of hostile text at once. */
export function hostileEntry(): FeedEntry {
  const nasty =
    'x <script>alert("x")</script> & ]]> ]]> "dq" \'sq\' \u0000\u0001\u0008\u000B\u001F\uFFFE\uFFFF\uD800 🎉 中文 Русский עברית';
  return makeEntry(
    makeArticle({
      id: 'hostile',
      title: `Title ${nasty}`,
      summary: `Summary ${nasty}`,
      keyPoints: [`Point ${nasty}`],
      authors: [`Author ${nasty}`],
      category: `Cat ${nasty}`,
      tags: [`tag ${nasty}`, 'a<b', 'q"uote'],
      body: [paragraph(nasty, [t(`${nasty} ]]> end`)]), { type: 'heading', level: 3, text: 'Heading ]]> \u0007' }],
    }),
    '2024-02-01T00:00:00Z',
    '2024-02-02T00:00:00Z',
  );
}

/** Local images the media entries use, as the pipeline would describe them (`mediaAssets`). */
export const MEDIA_ASSETS: AssetCatalog = new Map([
  ['articles/img/harbour.jpg', { type: 'image/jpeg', length: 48213, width: 1200, height: 800 }],
]);

/**
 * Three Markdown entries with media and the richer blocks: a front matter lead image under `content/` (known to
 * MEDIA_ASSETS, so an RSS enclosure), a remote body image (length unknown, so `media:content`), and an article
 * with a table, code, a task list and footnotes but no image.
 */
export function mediaEntries(): FeedEntry[] {
  const md = (name: string, text: string, published: string) =>
    makeEntry(normalizeArticle(text, { path: `articles/${name}.md` }), published);
  return [
    md(
      'harbour-reopens',
      '---\ntitle: Harbour reopens\nimage: { src: img/harbour.jpg, alt: The harbour at dawn }\n---\nShips are back.\n',
      '2024-03-12T08:00:00Z',
    ),
    md(
      'crane-arrives',
      '# A new crane arrives\n\n![The crane](https://cdn.example.org/pics/crane.webp "Crane") It is *big*.\n',
      '2024-03-11T08:00:00Z',
    ),
    md(
      'port-figures',
      '# Port figures & plans\n\n| Port | Ships |\n| :-- | --: |\n| North | 12 |\n\n```sh\necho "<done>"\n```\n\n- [x] dredging\n- [ ] cranes\n\nSee the notes.[^1]\n\n[^1]: From the authority.\n',
      '2024-03-11T07:00:00Z',
    ),
  ];
}

/** Renders `entries` as a whole site (feeds, index, pages) into `root`, as a build would publish them. */
export async function writeRenderedSite(
  root: string,
  site: Site,
  entries: readonly FeedEntry[],
  assets?: AssetCatalog,
): Promise<void> {
  const files = [
    ...renderFeeds(site, entries, assets),
    renderArchivePage(site, { number: 1, entries, older: null, newer: null, at: 'index' }),
    ...entries.map((entry) => renderArticlePage(site, entry, assets)),
  ];
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.body);
  }
}
