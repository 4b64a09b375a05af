/**
 * Topic and archive documents read by newsboat (as a reader would subscribe to them) over a real local server:
 * a tag's current feed shows its newest items, its archive document the rest, in RSS and Atom.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningServer, serveDirectory } from '../../functions/adapters/http-server.ts';
import { Workspace } from '../helpers/workspace.ts';
import { checkWithNewsboat } from './check-feeds.ts';

const TITLES = Array.from({ length: 8 }, (_, i) => `Markets note ${i}`);
let ws: Workspace;
let server: RunningServer;

beforeAll(async () => {
  ws = await Workspace.create();
  await mkdir(ws.outDir, { recursive: true });
  server = await serveDirectory(ws.outDir, { port: 0 });
  const site = {
    title: 'Topic Wire',
    siteUrl: server.url,
    language: 'en',
    author: { name: 'Desk' },
    topics: { tags: { itemLimit: 3 } },
  };
  await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify(site));
  for (const [i, title] of TITLES.entries()) {
    const date = new Date(Date.UTC(2025, 11, 1 + i)).toISOString();
    await ws.write(`n${i}.md`, `---\ntitle: "${title}"\ndate: "${date}"\ntags: ["Markets"]\n---\n\nNote ${i}.\n`);
  }
  await ws.publish();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await ws?.dispose();
});

describe('topic and archive documents in newsboat', () => {
  it('show the newest items in the current feed and the rest in the archive document', async () => {
    await checkWithNewsboat(`${server.url}/tags/markets`, TITLES.slice(-3));
    await checkWithNewsboat(`${server.url}/tags/markets/archive/1`, TITLES.slice(0, -3));
  });
});
