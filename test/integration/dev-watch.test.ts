/**
 * `wirefeed dev` rebuilding from what the watcher reports, against the real file system and its own HTTP server:
 * every way editors save, repeated on the same article (the dev server once went deaf after the first `sed -i`),
 * deletes, bursts, new folders, and the full rebuild on demand. Waits are bounded but generous; nothing here
 * asserts how fast a rebuild is.
 */
import { spawn } from 'node:child_process';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevServer, startDev } from '../../functions/cli/dev-command.ts';
import type { RebuildRequest } from '../../functions/cli/rebuild-queue.ts';
import { REAL_VIM, SAVE_STYLES, type SaveStyle } from '../helpers/editor-saves.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';

const WAIT_MS = 20_000;
const ROOT = resolve(import.meta.dirname, '../..');

function quietIo(cwd: string) {
  const out: string[] = [];
  return {
    out,
    io: {
      stdout: (text: string) => void out.push(text),
      stderr: (text: string) => void out.push(text),
      env: {},
      cwd,
    },
  };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls the dev server until `path` answers `status` with a body containing `text` (bounded). */
async function served(dev: DevServer, path: string, text: string | null, status = 200): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(`${dev.url}${path}`);
    const body = await response.text();
    if (response.status === status && (text === null || body.includes(text))) return;
    last = `${response.status} ${body.slice(0, 200)}`;
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`${path} did not serve ${status} with "${text}" within ${WAIT_MS} ms; last: ${last}`);
}

let ws: Workspace;
let dev: DevServer | undefined;
let log: string[];

beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await dev?.close();
  dev = undefined;
  await ws.dispose();
});

async function start(...args: string[]): Promise<DevServer> {
  const { io, out } = quietIo(ws.root);
  log = out;
  dev = await startDev(['--port', '0', ...args], io);
  return dev;
}

const isTemporary = (key: string) =>
  [...SAVE_STYLES, ...(REAL_VIM ? [REAL_VIM] : [])].some((style) => style.temporary.test(basename(key)));

/**
 * Runs `act`, waits for the rebuild whose keys name `key`, checks it was handed only that key (besides editors'
 * temporary files and `alsoAllowed`), and returns its request.
 */
async function rebuildFor(key: string, act: () => Promise<void>, alsoAllowed: readonly string[] = []) {
  const server = dev as DevServer;
  const rebuilt = server.rebuilt((request) => request.keys.includes(key));
  await act();
  const request: RebuildRequest = await within(rebuilt, `rebuild for ${key}`);
  expect(request.full).toBe(false);
  expect(request.keys.filter((other) => other !== key && !isTemporary(other) && !alsoAllowed.includes(other))).toEqual(
    [],
  );
  return request;
}

async function saveAndServe(style: SaveStyle, file: string, page: string, k: number): Promise<void> {
  const key = `articles/${file}`;
  await rebuildFor(key, () => style.replace(join(ws.contentDir, key), `rev-${k - 1}`, `rev-${k}`));
  await served(dev as DevServer, page, `rev-${k}`);
}

describe('the dev server rebuilds and serves every save of the same article', () => {
  const styles = [...SAVE_STYLES, ...(REAL_VIM ? [REAL_VIM] : [])];
  for (const style of styles) {
    it(`${style.name}: four saves, each rebuilt and served, then an in-place edit`, async () => {
      await ws.write('alpha.md', markdownArticle('Alpha', 'Body rev-0.'));
      await start();
      await served(dev as DevServer, 'articles/alpha.html', 'rev-0');
      for (let k = 1; k <= 4; k++) await saveAndServe(style, 'alpha.md', 'articles/alpha.html', k);
      await saveAndServe(SAVE_STYLES[0] as SaveStyle, 'alpha.md', 'articles/alpha.html', 5);
      await served(dev as DevServer, 'feed.xml', 'rev-5');
      expect(log.join('')).toMatch(/wirefeed: changed articles\/alpha\.md/);
    });
  }
});

describe('the dev server keeps rebuilding after deletes, bursts and new folders', () => {
  it('an article deleted is unpublished; re-created, it is published again and every edit is served', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body rev-0.'));
    await ws.write('other.md', markdownArticle('Other', 'Body.'));
    await start();
    await served(dev as DevServer, 'articles/alpha.html', 'rev-0');

    await rebuildFor('articles/alpha.md', () => unlink(join(ws.contentDir, 'articles/alpha.md')));
    await served(dev as DevServer, 'articles/alpha.html', null, 404);
    expect(await (await fetch(`${dev?.url}feed.xml`)).text()).not.toContain('Alpha');

    await rebuildFor('articles/alpha.md', () => ws.write('alpha.md', markdownArticle('Alpha', 'Body rev-0.')));
    await served(dev as DevServer, 'articles/alpha.html', 'rev-0');
    for (let k = 1; k <= 3; k++) {
      await saveAndServe(SAVE_STYLES[k % SAVE_STYLES.length] as SaveStyle, 'alpha.md', 'articles/alpha.html', k);
    }
  });

  it('a burst of 20 new articles: all handed to the rebuilds and served, then edits of one', async () => {
    await start();
    const names = Array.from({ length: 20 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    const keys = new Set(names.map((name) => `articles/${name}.md`));
    const handed = new Set<string>();
    const last = (dev as DevServer).rebuilt((request) => {
      for (const key of request.keys) handed.add(key);
      return [...keys].every((key) => handed.has(key));
    });
    for (const name of names) await ws.write(`${name}.md`, markdownArticle(`Burst ${name}`, 'Body rev-0.'));
    await within(last, 'rebuilds for the burst');
    expect([...handed].filter((key) => !keys.has(key))).toEqual([]);
    for (const name of names) await served(dev as DevServer, `articles/${name}.html`, 'rev-0');
    for (let k = 1; k <= 3; k++)
      await saveAndServe(SAVE_STYLES[1] as SaveStyle, 'burst-07.md', 'articles/burst-07.html', k);
  });

  it('an article in a new sub-folder is published, and every edit of it is served', async () => {
    await start();
    await rebuildFor('articles/desk/2026/scoop.md', async () => {
      await mkdir(join(ws.contentDir, 'articles/desk/2026'), { recursive: true });
      await ws.write('desk/2026/scoop.md', markdownArticle('Scoop', 'Body rev-0.'));
    });
    await served(dev as DevServer, 'articles/scoop.html', 'rev-0');
    for (let k = 1; k <= 4; k++) {
      await saveAndServe(
        SAVE_STYLES[k % SAVE_STYLES.length] as SaveStyle,
        'desk/2026/scoop.md',
        'articles/scoop.html',
        k,
      );
    }
  });

  it('a site.json change is handed to the rebuild and re-renders the feeds', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    await start();
    await rebuildFor('site.json', () =>
      writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...TEST_SITE, title: 'Renamed Wire' })),
    );
    await served(dev as DevServer, 'feed.xml', 'Renamed Wire');
  });

  it('swap files and backups beside an article start no rebuild', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body rev-0.'));
    await start();
    const request = await rebuildFor('articles/alpha.md', async () => {
      await ws.write('.alpha.md.swp', 'vim swap');
      await ws.write('alpha.md~', 'backup');
      await ws.write('alpha.md', markdownArticle('Alpha', 'Body rev-1.'));
    });
    expect(request.keys).toEqual(['articles/alpha.md']);
  });
});

describe('the full rebuild: at start and on demand', () => {
  it('reconcile() examines every source, even with --no-watch', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    await start('--no-watch');
    await ws.write('beta.md', markdownArticle('Beta arrives', 'Body.'));
    const request = await within((dev as DevServer).reconcile(), 'reconcile');
    expect(request).toEqual({ keys: [], full: true });
    await served(dev as DevServer, 'articles/beta.html', 'Beta arrives');
  });

  it('`wirefeed dev` without a terminal rebuilds every source on SIGHUP, and stops on SIGTERM', async () => {
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    const child = spawn(process.execPath, [join(ROOT, 'bin/wirefeed.mjs'), 'dev', '--port', '0', '--no-watch'], {
      cwd: ws.root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const waitFor = (pattern: RegExp) =>
      within(
        new Promise<void>((found) => {
          const check = () => {
            if (pattern.test(output)) found();
          };
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
            check();
          });
          check();
        }),
        `output matching ${pattern}`,
      );
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitFor(/wirefeed: serving http:\/\/127\.0\.0\.1:\d+\//);
      await ws.write('beta.md', markdownArticle('Beta arrives', 'Body.'));
      child.kill('SIGHUP');
      await waitFor(/article\.published\s+beta/);
      expect(output).toContain('wirefeed: rebuilding every source\n');
      child.kill('SIGTERM');
      expect(await within(exited, 'exit after SIGTERM')).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('the dev server and scheduled articles', () => {
  it('publishes an article when its date comes, without a change or a keypress', async () => {
    const server = await start('--no-watch');
    // Far enough ahead that the rebuild which finds it ends first on any sane machine; if it did not, that rebuild
    // publishes it itself and there is no wake-up to see.
    const due = new Date(Date.now() + 3_000).toISOString();
    await ws.write('embargo.md', markdownArticle('Embargoed', 'Released on time.', { date: due }));
    const woken = server.rebuilt((request) => request.due === true);
    await within(server.reconcile(), 'reconcile');
    if (Date.now() < Date.parse(due)) {
      expect((await fetch(`${server.url}articles/embargo.html`)).status).toBe(404);
      expect(log.join('')).toContain(`next scheduled     ${due}`);
      const request = await within(woken, 'the rebuild when the article falls due');
      expect(request).toEqual({ keys: [], full: false, due: true });
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(due));
      expect(log.join('')).toContain('wirefeed: a scheduled article falls due');
    }
    await served(server, 'articles/embargo.html', 'Released on time.');
  }, 30_000);
});
