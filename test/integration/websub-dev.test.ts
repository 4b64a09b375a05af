/**
 * The built-in hub as `npm start` serves it: `POST /hub` on the dev server, verification sent as soon as the request
 * is accepted, a distribution after the rebuild an edit causes, and `wirefeed hub subscriptions` reading the same
 * state. Real clock and real watcher; waits are bounded but generous, and nothing asserts how fast anything is.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevServer, startDev } from '../../functions/cli/dev-command.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { startSubscriber, type WebSubSubscriber } from '../helpers/websub-subscriber.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';

const WAIT_MS = 20_000;

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let ws: Workspace;
let dev: DevServer | undefined;
let subscriber: WebSubSubscriber;
const log: string[] = [];

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: {}, cwd: ws.root };
}

beforeEach(async () => {
  ws = await Workspace.create({ ...TEST_SITE, siteUrl: 'http://127.0.0.1:8787', hub: { enabled: true } });
  await ws.write('first.md', markdownArticle('First', 'The first report.'));
  subscriber = await startSubscriber();
  log.length = 0;
  dev = await startDev(['--port', '0', '--allow-private-targets'], {
    stdout: (text) => void log.push(text),
    stderr: (text) => void log.push(text),
    env: {},
    cwd: ws.root,
  });
});

afterEach(async () => {
  await dev?.close();
  dev = undefined;
  await subscriber.close();
  await ws.dispose();
});

describe('npm start serves the built-in hub at /hub', () => {
  it('verifies a subscription at once and distributes the feed after an edit, then lists it', async () => {
    const server = dev as DevServer;
    expect(log.join('')).toContain(`wirefeed: WebSub hub at ${server.url}hub`);
    const feed = await (await fetch(`${server.url}atom.xml`)).text();
    expect(feed).toContain(`<link rel="hub" href="${server.url}hub"/>`);

    const topic = `${server.url}feed.xml`;
    const answer = await fetch(`${server.url}hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url }),
    });
    expect(answer.status).toBe(202);
    const [verification] = await until('the verification GET', () =>
      subscriber.gets('subscribe').length > 0 ? subscriber.gets('subscribe') : undefined,
    );
    expect(verification?.params.get('hub.topic')).toBe(topic);
    // GET /hub is not the hub: everything but POST /hub stays static.
    expect((await fetch(`${server.url}hub`)).status).toBe(404);

    const listed = await until('the verified subscription', async () => {
      const cli = io();
      await main(['hub', 'subscriptions', '--json'], cli);
      const rows = JSON.parse(cli.out.join('')) as { topic: string }[];
      return rows.length === 1 ? rows : undefined;
    });
    expect(listed[0]).toMatchObject({ topic, callbackHost: new URL(subscriber.url).host, live: true, signed: false });

    const rebuilt = server.rebuilt((request) => request.keys.includes('articles/second.md'));
    await ws.write('second.md', markdownArticle('Second', 'Another report.'));
    await rebuilt;
    const [delivery] = await until('the distribution', () =>
      subscriber.posts().length > 0 ? subscriber.posts() : undefined,
    );
    const served = Buffer.from(await (await fetch(topic)).arrayBuffer());
    expect(delivery?.body.equals(served)).toBe(true);
    expect(delivery?.headers.link).toBe(`<${server.url}hub>; rel="hub", <${topic}>; rel="self"`);

    const cli = await until('the recorded delivery', async () => {
      const run = io();
      await main(['hub', 'subscriptions'], run);
      return run.out.join('').includes('last=delivered') ? run : undefined;
    });
    expect(cli.out.join('')).toMatch(
      new RegExp(
        `^ws_[0-9a-f]{32}  ${topic.replace(/[.]/g, '\\.')}  callback=127\\.0\\.0\\.1:\\d+  expires=\\S+Z  last=delivered 204 at \\S+Z\\n$`,
      ),
    );
    expect(cli.out.join('')).not.toContain('/websub/cb');
  });
});

describe('wirefeed hub subscriptions', () => {
  it('lists the readable subscriptions and names a damaged record in one line, exit code 1', async () => {
    const server = dev as DevServer;
    await fetch(`${server.url}hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.topic': `${server.url}feed.json`,
        'hub.callback': subscriber.url,
        'hub.secret': 'never shown',
      }),
    });
    await until('the verified subscription', async () => {
      const cli = io();
      await main(['hub', 'subscriptions'], cli);
      return cli.out.join('').includes('feed.json') ? true : undefined;
    });
    const damaged = join(ws.stateDir, 'websub', 'subscriptions', `ws_${'0'.repeat(32)}.json`);
    await writeFile(damaged, '{"id": "ws_0", ');
    const cli = io();
    expect(await main(['hub', 'subscriptions'], cli)).toBe(1);
    expect(cli.out.join('')).toMatch(
      /feed\.json {2}callback=127\.0\.0\.1:\d+ {2}expires=\S+ {2}signed {2}last=none\n$/,
    );
    expect(cli.out.join('')).not.toContain('never shown');
    expect(cli.err).toEqual([
      expect.stringMatching(new RegExp(`^wirefeed: get ${damaged}: hub subscription is not valid JSON: .+\\n$`)),
    ]);
    expect(cli.err.join('').split('\n')).toHaveLength(2);
  });
});
