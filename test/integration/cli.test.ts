import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { startDev } from '../../functions/cli/dev-command.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { markdownArticle, Workspace } from '../helpers/workspace.ts';

const run = promisify(execFile);
const SEED = 'content/articles/putin-wants-three-things-from-china.txt';

function capture(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: {},
    cwd,
    out: () => out,
    err: () => err,
  };
}

describe('the wirefeed command (as a user runs it)', () => {
  it('`npx wirefeed normalize` prints the seed article as JSON', async () => {
    const { stdout } = await run(process.execPath, ['bin/wirefeed.mjs', 'normalize', SEED]);
    const article = JSON.parse(stdout);
    expect(article.title).toBe('Putin wants three things from China, analyst says');
    expect(article.authors).toEqual(['Sumathi Bala']);
    expect(article.category).toBe('Politics');
  });

  it('prints `wirefeed: FILE: REASON` and exits 1 on an unusable file; 2 on a usage error', async () => {
    const ws = await Workspace.create();
    try {
      await ws.write('empty.txt', '');
      const file = join(ws.contentDir, 'articles/empty.txt');
      const failure = await run(process.execPath, ['bin/wirefeed.mjs', 'normalize', file]).catch((e) => e);
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(new RegExp(`^wirefeed: ${file}: .+\\n$`));
      const usage = await run(process.execPath, ['bin/wirefeed.mjs', 'build', '--bogus']).catch((e) => e);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^wirefeed: build: /);
    } finally {
      await ws.dispose();
    }
  });
});

describe('wirefeed build', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create();
  });
  afterEach(async () => {
    await ws.dispose();
  });

  it('--json prints one summary object; rejected files are listed and make the exit code 1', async () => {
    await ws.write('good.md', markdownArticle('Good', 'Body.'));
    await ws.write('bad.md', '---\ntitle: [unclosed\n---\nBody\n');
    const io = capture(ws.root);
    const code = await main(['build', '--json'], io);
    expect(code).toBe(1);
    const summary = JSON.parse(io.out());
    expect(summary).toMatchObject({
      articles: 1,
      rejected: [{ file: 'content/articles/bad.md', reason: expect.any(String) }],
      unchanged: 0,
      deleted: [],
      events: [{ type: 'article.published', id: 'good', eventId: expect.stringMatching(/^evt_/) }],
    });
    expect(summary.written.sort()).toEqual([
      '404.html',
      'archive/1.html',
      'archive/1/atom.xml',
      'archive/1/feed.json',
      'archive/1/feed.xml',
      'articles/good.html',
      'atom.xml',
      'feed.json',
      'feed.xml',
      'index.html',
      'webhooks/schema.json',
    ]);

    await ws.remove('bad.md');
    const again = capture(ws.root);
    expect(await main(['build', '--json'], again)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ articles: 1, rejected: [], written: [], events: [] });
  });
});

describe('wirefeed dev (npm start)', () => {
  it('serves the feeds with their content types and 304s, and serves a rebuild after a change', async () => {
    const ws = await Workspace.create();
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    const io = capture(ws.root);
    const dev = await startDev(['--port', '0'], io);
    try {
      const feed = await fetch(`${dev.url}feed.xml`);
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
      // Development: the browser revalidates every time (a cheap 304), so an edit is never hidden by a cache.
      expect(feed.headers.get('cache-control')).toBe('no-cache');
      expect((await fetch(`${dev.url}index.html`)).headers.get('cache-control')).toBe('no-cache');
      const etag = feed.headers.get('etag') ?? '';
      expect(await feed.text()).toContain('Alpha');
      const cached = await fetch(`${dev.url}feed.xml`, { headers: { 'if-none-match': etag } });
      expect(cached.status).toBe(304);
      for (const [path, type] of [
        ['atom.xml', 'application/atom+xml; charset=utf-8'],
        ['feed.json', 'application/feed+json; charset=utf-8'],
        ['', 'text/html; charset=utf-8'],
      ]) {
        expect((await fetch(`${dev.url}${path}`)).headers.get('content-type')).toBe(type);
      }

      const rebuilt = dev.rebuilt();
      await writeFile(join(ws.contentDir, 'articles/beta.md'), markdownArticle('Beta arrives', 'New body.'));
      await rebuilt;
      const after = await fetch(`${dev.url}feed.xml`, { headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      expect(await after.text()).toContain('Beta arrives');
      expect(io.out()).toMatch(/article\.published\s+beta/);
    } finally {
      await dev.close();
      await ws.dispose();
    }
  });

  it('prints why webhooks were dead-lettered, and how to lift the loopback guard when that is why', async () => {
    const ws = await Workspace.create();
    await ws.write('alpha.md', markdownArticle('Alpha', 'Body.'));
    const receiver = await startReceiver();
    try {
      await new SubscriberRepository(new FsStore(ws.stateDir)).add(receiver.url, {
        allowPrivateTargets: true,
        now: new Date(),
      });
      const io = capture(ws.root);
      const dev = await startDev(['--port', '0', '--no-watch'], io);
      await dev.close(); // waits for the delivery that followed the first build
      expect(io.out()).toMatch(/wirefeed: webhooks: 0 delivered, 0 to retry, 2 dead-lettered, 0 dropped\n/);
      expect(io.out()).toMatch(
        /\n {2}dead-lettered {2}sub_\S+ {2}article\.published evt_\S+ {2}private-target: refused webhook target http:\/\/127\.0\.0\.1:\d+\/hooks: scheme http: is not allowed \(only https:\)\n/,
      );
      expect(io.out()).toContain(
        '  private-target: the target is local (loopback/private, http: or a port): for development, run with ' +
          '--allow-private-targets or WIREFEED_ALLOW_PRIVATE_TARGETS=1, then `wirefeed deliveries replay`\n',
      );
      expect(receiver.connections).toBe(0);
    } finally {
      await receiver.close();
      await ws.dispose();
    }
  });

  it('reports a build that fails as one line and keeps serving', async () => {
    const ws = await Workspace.create();
    await writeFile(join(ws.contentDir, 'site.json'), '{"title": "T",}');
    const io = capture(ws.root);
    const dev = await startDev(['--port', '0', '--no-watch'], io);
    try {
      expect(io.err()).toBe(
        `wirefeed: build failed: ${ws.contentDir}/site.json: not valid JSON: line 1, column 14: trailing comma before "}"\n`,
      );
      expect((await fetch(`${dev.url}feed.xml`)).status).toBe(404);
    } finally {
      await dev.close();
      await ws.dispose();
    }
  });

  it('says which port is taken instead of crashing when the address is in use', async () => {
    const ws = await Workspace.create();
    const { createServer } = await import('node:http');
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const io = capture(ws.root);
      expect(await main(['dev', '--port', String(port), '--no-watch'], io)).toBe(1);
      expect(io.err()).toBe(
        `wirefeed: cannot listen on 127.0.0.1:${port} (already in use); choose another with --port N or WIREFEED_PORT\n`,
      );
    } finally {
      blocker.close();
      await ws.dispose();
    }
  });
});
