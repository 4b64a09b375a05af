/**
 * Interop checks against real consumers, usable on any output directory (the test's render of the sample set,
 * or a real `wirefeed build` output): Debian's feedparser, the JSON Feed 1.1 schema, and the newsboat reader.
 * Each check throws `InteropError` naming what failed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** Debian's interpreter, where python3-feedparser is installed (the `python3` on PATH may be another one). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const TIMEOUT_MS = 30_000;

export class InteropError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'InteropError';
  }
}

export interface ParsedPerson {
  name: string | null;
  email: string | null;
  href: string | null;
}

export interface ParsedEntry {
  title: string | null;
  title_type: string | null;
  link: string | null;
  id: string | null;
  guidislink: boolean | null;
  published: string | null;
  published_parsed: number[] | null;
  updated: string | null;
  updated_parsed: number[] | null;
  authors: ParsedPerson[];
  tags: string[];
  summary: string | null;
  content: string[];
  enclosures: { href: string | null; type: string | null; length: string | null }[];
  media_content: { url: string | null; type: string | null; medium: string | null }[];
}

export interface ParsedFeed {
  feedparser: string;
  bozo: boolean | number;
  bozo_exception: string | null;
  version: string;
  feed: {
    title: string | null;
    link: string | null;
    id: string | null;
    updated: string | null;
    language: string | null;
    authors: ParsedPerson[];
    links: { rel: string | null; href: string | null; type: string | null }[];
  };
  entries: ParsedEntry[];
}

export interface JsonFeedItem {
  id: string;
  url: string;
  title: string;
  summary: string;
  content_html: string;
  date_published: string;
  date_modified: string;
  authors: { name: string; url?: string }[];
  tags?: string[];
  image?: string;
  attachments?: { url: string; mime_type: string; size_in_bytes?: number; title?: string }[];
}

export interface JsonFeed {
  version: string;
  title: string;
  home_page_url: string;
  feed_url: string;
  language: string;
  authors: { name: string; url?: string }[];
  items: JsonFeedItem[];
  [key: string]: unknown;
}

/** Runs feedparser on one file and returns what it saw. */
export async function parseWithFeedparser(file: string): Promise<ParsedFeed> {
  try {
    const { stdout } = await run(DEBIAN_PYTHON, [join(here, 'parse-feed.py'), file], {
      timeout: TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as ParsedFeed;
  } catch (error) {
    throw new InteropError(`feedparser could not run on ${file}`, { cause: error });
  }
}

/** Parses many feed files in one feedparser process: what `parseWithFeedparser` returns, by file name. */
export async function parseManyWithFeedparser(files: readonly string[]): Promise<Record<string, ParsedFeed>> {
  try {
    const { stdout } = await run(DEBIAN_PYTHON, [join(here, 'parse-feed.py'), '--many', ...files], {
      timeout: TIMEOUT_MS * 4,
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Record<string, ParsedFeed>;
  } catch (error) {
    throw new InteropError(`feedparser could not run on ${files.length} files`, { cause: error });
  }
}

const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** `[y, m, d, h, min, s]` in UTC, the shape of feedparser's `*_parsed`. */
export function utcParts(iso: string): number[] {
  const d = new Date(iso);
  return [
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
}

function expectSame(what: string, actual: unknown, expected: unknown, problems: string[]): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

/**
 * feedparser reads `feed.xml` as `rss20` and `atom.xml` as `atom10`, both with `bozo == 0`, and sees the same
 * titles, links, ids, authors and dates, item for item, as `feed.json` declares (itself checked by
 * `checkJsonFeedSchema`). Returns both parses for further assertions.
 */
export async function checkWithFeedparser(dir: string): Promise<{ rss: ParsedFeed; atom: ParsedFeed }> {
  const json = JSON.parse(await readFile(join(dir, 'feed.json'), 'utf8')) as JsonFeed;
  const rss = await parseWithFeedparser(join(dir, 'feed.xml'));
  const atom = await parseWithFeedparser(join(dir, 'atom.xml'));
  const problems: string[] = [];
  for (const [name, parsed, version] of [
    ['feed.xml', rss, 'rss20'],
    ['atom.xml', atom, 'atom10'],
  ] as const) {
    if (parsed.bozo) problems.push(`${name}: bozo ${parsed.bozo_exception}`);
    expectSame(`${name} version`, parsed.version, version, problems);
    expectSame(`${name} title`, parsed.feed.title, json.title, problems);
    expectSame(`${name} link`, parsed.feed.link, json.home_page_url, problems);
    expectSame(`${name} entry count`, parsed.entries.length, json.items.length, problems);
    parsed.entries.forEach((entry, i) => {
      const item = json.items[i];
      if (item === undefined) return;
      const at = `${name} entry ${i}`;
      // Atom titles are type="html"; a reader un-escapes them once.
      const title = entry.title_type === 'text/html' ? unescapeHtml(entry.title ?? '') : entry.title;
      expectSame(`${at} title`, title, item.title, problems);
      expectSame(`${at} link`, entry.link, item.url, problems);
      expectSame(`${at} id`, entry.id, item.id, problems);
      expectSame(
        `${at} authors`,
        entry.authors.map((a) => a.name),
        item.authors.map((a) => a.name),
        problems,
      );
      expectSame(`${at} published`, entry.published_parsed, utcParts(item.date_published), problems);
      const updated = version === 'rss20' ? item.date_published : item.date_modified;
      expectSame(`${at} updated`, entry.updated_parsed, utcParts(updated), problems);
      expectSame(`${at} tags`, entry.tags, item.tags ?? [], problems);
    });
  }
  if (atom.feed.authors.length === 0 || !atom.feed.authors[0]?.name) problems.push('atom.xml: no feed author');
  if (!atom.feed.id) problems.push('atom.xml: no feed id');
  for (const [name, parsed, url] of [
    ['feed.xml', rss, json.feed_url.replace(/feed\.json$/, 'feed.xml')],
    ['atom.xml', atom, json.feed_url.replace(/feed\.json$/, 'atom.xml')],
  ] as const) {
    const self = parsed.feed.links.find((l) => l.rel === 'self');
    expectSame(`${name} self link`, self?.href, url, problems);
  }
  if (problems.length > 0) throw new InteropError(`feedparser disagrees:\n${problems.join('\n')}`);
  return { rss, atom };
}

const DEPRECATED_TOP = ['author'];
const DEPRECATED_ITEM = ['author'];

/**
 * `feed.json` validates against the JSON Feed 1.1 schema (npm `jsonfeed-schema`, with formats), declares version
 * 1.1 (the schema also admits 1.0) and has none of the fields 1.1 deprecates. Returns the parsed feed.
 */
export async function checkJsonFeedSchema(dir: string): Promise<JsonFeed> {
  const feed = JSON.parse(await readFile(join(dir, 'feed.json'), 'utf8')) as JsonFeed;
  const problems = await jsonFeedProblems(feed);
  if (problems.length > 0) throw new InteropError(`feed.json is not valid JSON Feed 1.1:\n${problems.join('\n')}`);
  return feed;
}

/** What makes a parsed document not JSON Feed 1.1 (the schema, the version, deprecated fields); empty when valid. */
export async function jsonFeedProblems(feed: JsonFeed): Promise<string[]> {
  const schemaPath = fileURLToPath(import.meta.resolve('jsonfeed-schema/schema-v1.1.json'));
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const problems: string[] = [];
  if (!validate(feed)) problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`));
  if (feed.version !== 'https://jsonfeed.org/version/1.1') problems.push(`version is ${feed.version}`);
  for (const key of DEPRECATED_TOP) if (key in feed) problems.push(`top-level deprecated field "${key}"`);
  (feed.items ?? []).forEach((item, i) => {
    for (const key of DEPRECATED_ITEM) if (key in item) problems.push(`item ${i} has deprecated field "${key}"`);
  });
  return problems;
}

export interface NewsboatResult {
  url: string;
  unread: number;
  titles: string[];
}

async function readNewsboatTitles(cache: string): Promise<string[]> {
  const script =
    'import json,sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(json.dumps([r[0] for r in c.execute("select title from rss_item order by id")]))';
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, cache], { timeout: TIMEOUT_MS });
  return JSON.parse(stdout) as string[];
}

/**
 * Subscribes newsboat to `feed.xml` and `atom.xml` under `baseUrl` (each with its own cache and HOME), reloads
 * non-interactively and checks that nothing failed to fetch or parse (newsboat exits 0 even on a 404, so its log is
 * read), that every item is unread, and that its titles are `expectedTitles` (order ignored).
 */
export async function checkWithNewsboat(
  baseUrl: string,
  expectedTitles: readonly string[],
  feeds: readonly string[] = ['feed.xml', 'atom.xml'],
): Promise<NewsboatResult[]> {
  const home = await mkdtemp(join(tmpdir(), 'wirefeed-newsboat-'));
  try {
    const results: NewsboatResult[] = [];
    for (const [index, feed] of feeds.entries()) {
      const url = `${baseUrl.replace(/\/$/, '')}/${feed}`;
      const dir = join(home, String(index));
      const files = { urls: `${dir}-urls`, cache: `${dir}-cache.db`, config: `${dir}-config`, log: `${dir}-log` };
      await writeFile(files.urls, `${url}\n`);
      await writeFile(files.config, '');
      let stdout: string;
      try {
        ({ stdout } = await run(
          'newsboat',
          [
            '-u',
            files.urls,
            '-c',
            files.cache,
            '-C',
            files.config,
            '-l',
            '3',
            '-d',
            files.log,
            '-x',
            'reload',
            'print-unread',
          ],
          { timeout: TIMEOUT_MS, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home } },
        ));
      } catch (error) {
        throw new InteropError(`newsboat failed to run for ${url}`, { cause: error });
      }
      const log = await readFile(files.log, 'utf8').catch(() => '');
      const errors = log.split('\n').filter((line) => /\b(USERERROR|ERROR|CRITICAL)\b/.test(line));
      if (errors.length > 0) throw new InteropError(`newsboat could not load ${url}:\n${errors.join('\n')}`);
      const match = /^(\d+) unread articles?$/m.exec(stdout);
      if (match?.[1] === undefined) throw new InteropError(`newsboat printed no unread count for ${url}: ${stdout}`);
      const unread = Number(match[1]);
      const titles = await readNewsboatTitles(files.cache);
      if (unread !== expectedTitles.length) {
        throw new InteropError(`newsboat shows ${unread} unread in ${url}, expected ${expectedTitles.length}`);
      }
      const got = [...titles].sort();
      const want = [...expectedTitles].sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new InteropError(
          `newsboat titles for ${url}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
        );
      }
      results.push({ url, unread, titles });
    }
    return results;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
