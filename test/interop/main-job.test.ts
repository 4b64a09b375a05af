import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDev } from '../../functions/cli/dev-command.ts';
import { checkJsonFeedSchema, checkWithFeedparser, checkWithNewsboat } from './check-feeds.ts';

// The real main job: `wirefeed dev` (what `npm start` runs) over a copy of the shipped content/.
let dir: string;
let dev: DevServer;
const SEED_TITLE = 'Putin wants three things from China, analyst says';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-main-job-'));
  await cp('content', join(dir, 'content'), { recursive: true });
  const quiet = { stdout: () => {}, stderr: () => {}, env: {}, cwd: dir };
  dev = await startDev(['--port', '0', '--no-watch'], quiet);
});

afterAll(async () => {
  await dev?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the feeds `npm start` serves for the shipped content', () => {
  it('are read by feedparser as RSS 2.0 and Atom 1.0 with the seed article', async () => {
    const { rss, atom } = await checkWithFeedparser(join(dir, 'public'));
    for (const feed of [rss, atom]) {
      expect(feed.bozo).toBeFalsy();
      expect(feed.entries.map((e) => e.title)).toContain(SEED_TITLE);
      expect(feed.entries[0]?.authors.map((a) => a.name)).toEqual(['Sumathi Bala']);
    }
  });

  it('link to the address actually served, whatever port it runs on', async () => {
    const { rss } = await checkWithFeedparser(join(dir, 'public'));
    expect(rss.entries[0]?.link).toBe(`${dev.url}articles/putin-wants-three-things-from-china.html`);
    expect((await fetch(rss.entries[0]?.link ?? '')).status).toBe(200);
  });

  it('validate as JSON Feed 1.1', async () => {
    const json = await checkJsonFeedSchema(join(dir, 'public'));
    expect(json.items.map((i) => i.title)).toEqual([SEED_TITLE]);
  });

  it('can be subscribed to in newsboat over HTTP', async () => {
    await checkWithNewsboat(dev.url, [SEED_TITLE]);
  });

  it('link the three feeds from the index page for autodiscovery', async () => {
    const index = await readFile(join(dir, 'public/index.html'), 'utf8');
    for (const type of ['application/rss+xml', 'application/atom+xml', 'application/feed+json']) {
      expect(index).toMatch(new RegExp(`<link rel="alternate" type="${type.replace('+', '\\+')}"`));
    }
  });
});
