import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { serveDirectory } from '../../functions/adapters/http-server.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import { StoreError } from '../../functions/core/errors.ts';
import { IMAGE_CACHE_CONTROL } from '../../functions/core/media-types.ts';
import { ASSET_PREFIX } from '../../functions/core/state-keys.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { FaultyStore, type WriteCounter } from '../helpers/faulty-store.ts';
import { pngImage } from '../helpers/images.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import {
  ManualClock,
  markdownArticle,
  RecordingQueue,
  TEST_SITE,
  Workspace,
  webhookJobs,
} from '../helpers/workspace.ts';

const mediaFiles = (files: Record<string, string>) => Object.keys(files).filter((path) => path.startsWith('media/'));
const imgTags = (html: string | undefined) => html?.match(/<img [^>]*>/g) ?? [];

async function stateKeys(ws: Workspace, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of new FsStore(ws.stateDir).list(prefix)) keys.push(info.key);
  return keys;
}

describe('images beside articles, over directories', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create();
  });
  afterEach(async () => {
    await ws.dispose();
  });

  it('publishes a referenced image by its content hash, with its size in the page and its length in the feeds', async () => {
    await mkdir(join(ws.contentDir, 'articles', 'img'), { recursive: true });
    await writeFile(join(ws.contentDir, 'articles', 'img', 'boat.png'), pngImage(30, 20));
    await ws.write('unused.png', pngImage(5, 5));
    await ws.write(
      'harbour.md',
      markdownArticle('Harbour', 'The boat: ![A boat](img/boat.png "At dawn")', { date: '2025-03-01' }),
    );
    const result = await ws.publish();
    expect(result.rejected).toEqual([]);
    expect(result.warnings).toEqual([]);
    const files = await ws.outputFiles();
    const media = mediaFiles(files);
    expect(media).toHaveLength(1); // the unreferenced image is not published
    expect(media[0]).toMatch(/^media\/[0-9a-f]{16}\/boat\.png$/);
    const url = `${TEST_SITE.siteUrl}/${media[0]}`;
    expect(Buffer.from(files[media[0] as string] as string, 'latin1').length).toBeGreaterThan(0);
    expect(imgTags(files['articles/harbour.html'])).toEqual([
      `<img src="${url}" alt="A boat" title="At dawn" width="30" height="20" loading="lazy">`,
    ]);
    const length = pngImage(30, 20).length;
    expect(files['feed.xml']).toContain(`<enclosure url="${url}" length="${length}" type="image/png"/>`);
    expect(files['atom.xml']).toContain(`rel="enclosure"`);
    const json = JSON.parse(files['feed.json'] as string) as { items: { image?: string; attachments?: object[] }[] };
    expect(json.items[0]?.image).toBe(url);
    expect(json.items[0]?.attachments).toEqual([
      { url, mime_type: 'image/png', size_in_bytes: length, title: 'At dawn' },
    ]);
    // An unchanged rebuild writes nothing, images included.
    const again = await ws.publish();
    expect(again.written).toEqual([]);
    expect(again.deleted).toEqual([]);
  });

  it('puts the images back, with the pages, into an output root wiped by hand', async () => {
    const png = pngImage(12, 9);
    await ws.write('boat.png', png);
    await ws.write('harbour.md', markdownArticle('Harbour', '![A boat](boat.png)', { date: '2025-03-01' }));
    await ws.publish();
    const before = await ws.outputFiles();
    const [image] = mediaFiles(before);
    await rm(ws.outDir, { recursive: true, force: true });
    const rebuilt = await ws.publish();
    expect(rebuilt.written).toContain(image);
    expect(rebuilt.events).toEqual([]);
    expect(await ws.outputFiles()).toEqual(before);
    // The image is put back only where the output lost it: the next build writes nothing.
    expect((await ws.publish()).written).toEqual([]);
  });

  it('is served by the dev server with its Content-Type and its bytes', async () => {
    const png = pngImage(7, 7);
    await ws.write('dot.png', png);
    await ws.write('a.md', markdownArticle('A', '![Dot](dot.png)', { date: '2025-03-01' }));
    const result = await ws.publish();
    const path = result.written.find((p) => p.startsWith('media/')) as string;
    const server = await serveDirectory(ws.outDir, { port: 0, cacheControl: 'no-cache' });
    try {
      const res = await fetch(`${server.url}/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('gives a replaced image a new URL, announces the article as updated, and deletes the old bytes', async () => {
    await ws.write('boat.png', pngImage(30, 20));
    await ws.write('harbour.md', markdownArticle('Harbour', '![A boat](boat.png)', { date: '2025-03-01' }));
    await ws.publish();
    const before = mediaFiles(await ws.outputFiles());
    ws.clock.advance(60_000);
    await ws.write('boat.png', pngImage(40, 10, [0, 90, 200]));
    const result = await publish(ws.stores(), { changed: ['articles/boat.png'] });
    const after = mediaFiles(await ws.outputFiles());
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(result.deleted).toContain(before[0]);
    const files = await ws.outputFiles();
    expect(imgTags(files['articles/harbour.html'])[0]).toContain(`src="${TEST_SITE.siteUrl}/${after[0]}"`);
    expect(imgTags(files['articles/harbour.html'])[0]).toContain('width="40" height="10"');
    const updated = result.events.find((event) => event.type === 'article.updated');
    expect(updated?.data).toMatchObject({ id: 'harbour', changes: ['image'] });
  });

  it('keeps an image while another article shows it, and deletes it with the last one', async () => {
    await ws.write('boat.png', pngImage(8, 8));
    await ws.write('a.md', markdownArticle('A', '![Boat](boat.png)', { date: '2025-03-01' }));
    await ws.write('b.md', markdownArticle('B', '![Boat again](boat.png)', { date: '2025-03-02' }));
    await ws.publish();
    expect(mediaFiles(await ws.outputFiles())).toHaveLength(1);
    await ws.remove('a.md');
    await ws.publish();
    expect(mediaFiles(await ws.outputFiles())).toHaveLength(1);
    expect(await stateKeys(ws, ASSET_PREFIX)).toHaveLength(1);
    await ws.remove('b.md');
    const result = await ws.publish();
    expect(mediaFiles(await ws.outputFiles())).toEqual([]);
    expect(result.deleted.filter((path) => path.startsWith('media/'))).toHaveLength(1);
    expect(await stateKeys(ws, ASSET_PREFIX)).toEqual([]);
  });

  it('warns in one line about a missing image, publishes the article with the URL as written, and picks the image up when it arrives', async () => {
    await ws.write('harbour.md', markdownArticle('Harbour', '![Later](later.png)', { date: '2025-03-01' }));
    const result = await ws.publish();
    expect(result.rejected).toEqual([]);
    expect(result.articles).toBe(1);
    expect(result.warnings).toEqual([{ file: 'articles/harbour.md', reason: 'image articles/later.png: missing' }]);
    expect(imgTags((await ws.outputFiles())['articles/harbour.html'])).toEqual([
      `<img src="${TEST_SITE.siteUrl}/articles/later.png" alt="Later" loading="lazy">`,
    ]);
    ws.clock.advance(60_000);
    await ws.write('later.png', pngImage(12, 6));
    const arrived = await publish(ws.stores(), { changed: ['articles/later.png'] });
    expect(arrived.warnings).toEqual([]);
    const files = await ws.outputFiles();
    expect(mediaFiles(files)).toHaveLength(1);
    expect(imgTags(files['articles/harbour.html'])[0]).toContain('width="12" height="6"');
  });

  it('refuses an SVG, a file that is not what its name says, and an image over 20 MiB, each with a warning', async () => {
    await ws.write('logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await ws.write('fake.png', 'not a png at all');
    await ws.write('huge.png', Buffer.concat([pngImage(1, 1), Buffer.alloc(20 * 1024 * 1024)]));
    await ws.write('a.md', markdownArticle('A', '![Logo](logo.svg) ![Fake](fake.png) ![Huge](huge.png)'));
    const result = await ws.publish();
    expect(result.articles).toBe(1);
    expect(result.warnings.map((w) => w.reason)).toEqual([
      expect.stringMatching(/^image articles\/fake\.png: not a readable png image$/),
      expect.stringMatching(/^image articles\/huge\.png: image is \d+ bytes, over the 20 MiB limit$/),
      expect.stringMatching(/^image articles\/logo\.svg: SVG is not published/),
    ]);
    expect(mediaFiles(await ws.outputFiles())).toEqual([]);
  });
});

describe('images over S3 (s3rver over HTTP, real SDK): content, output and state buckets', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server(['content', 'site', 'state']);
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('publishes an uploaded image with its Content-Type and Cache-Control, and removes it with its article', async () => {
    const content = new S3Store({ client: s3.client, bucket: 'content' });
    const output = new S3Store({ client: s3.client, bucket: 'site', prefix: 'www' });
    const state = new S3Store({ client: s3.client, bucket: 'state', prefix: 'wf' });
    const ports = { content, output, state, queue: new RecordingQueue(), clock: new ManualClock() };
    await content.put('site.json', JSON.stringify(TEST_SITE), { contentType: 'application/json' });
    await content.put('articles/photos/pier.jpg', jpegOf(), { contentType: 'application/octet-stream' });
    await content.put('articles/pier.md', markdownArticle('Pier', '![Pier](photos/pier.jpg)', { date: '2025-04-01' }), {
      contentType: 'text/markdown',
    });
    // The named-key path, as S3 events give it.
    const first = await publish(ports, { changed: ['site.json', 'articles/photos/pier.jpg', 'articles/pier.md'] });
    expect(first.warnings).toEqual([]);
    const path = first.written.find((p) => p.startsWith('media/')) as string;
    expect(path).toMatch(/^media\/[0-9a-f]{16}\/pier\.jpg$/);
    const object = await output.get(path);
    expect(object?.contentType).toBe('image/jpeg');
    expect(object?.cacheControl).toBe(IMAGE_CACHE_CONTROL);
    expect(Buffer.from(object?.body ?? []).equals(jpegOf())).toBe(true);
    const page = Buffer.from((await output.get('articles/pier.html'))?.body ?? []).toString('utf8');
    expect(page).toContain(`src="${TEST_SITE.siteUrl}/${path}" alt="Pier" width="3" height="2"`);

    // A full reconcile after that finds nothing to do.
    const reconcile = await publish(ports);
    expect(reconcile.written).toEqual([]);

    await content.delete('articles/pier.md');
    const gone = await publish(ports, { changed: ['articles/pier.md'] });
    expect(gone.deleted).toContain(path);
    expect(await output.head(path)).toBeNull();
    const left: string[] = [];
    for await (const info of state.list(ASSET_PREFIX)) left.push(info.key);
    expect(left).toEqual([]);
  });
});

/** A 3 × 2 baseline JPEG (SOI, a SOF0 frame header, EOI: enough for any size reader). */
function jpegOf(): Buffer {
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03, 0x03, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
  return Buffer.from([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x10,
    0x4a,
    0x46,
    0x49,
    0x46,
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    ...sof,
    0xff,
    0xd9,
  ]);
}

describe('image publishing survives a failure at any write', () => {
  /** v1: two articles sharing an image and one with its own; v2: the shared image replaced, one article deleted. */
  async function prepared(): Promise<Workspace> {
    const ws = await Workspace.create();
    await new SubscriberRepository(new FsStore(ws.stateDir)).add('http://127.0.0.1:9/hook', {
      allowPrivateTargets: true,
      now: ws.clock.now(),
    });
    await ws.write('shared.png', pngImage(4, 4));
    await ws.write('own.png', pngImage(6, 3));
    await ws.write('a.md', markdownArticle('A', '![S](shared.png)', { date: '2025-05-01' }));
    await ws.write('b.md', markdownArticle('B', '![S](shared.png) ![O](own.png)', { date: '2025-05-02' }));
    await ws.write('c.md', markdownArticle('C', '![O](own.png)', { date: '2025-05-03' }));
    await run(ws);
    const outbox = new OutboxQueue(new FsStore(ws.stateDir));
    for (const job of await outbox.pending()) await outbox.complete(job);
    await ws.write('shared.png', pngImage(9, 9, [10, 200, 10]));
    await ws.remove('c.md');
    ws.clock.advance(60_000);
    return ws;
  }

  function run(ws: Workspace, counter?: WriteCounter, failOnWrite = 0) {
    const wrap = (dir: string) =>
      counter === undefined ? new FsStore(dir) : new FaultyStore(new FsStore(dir), { failOnWrite, counter });
    const state = wrap(ws.stateDir);
    return publish({ ...ws.stores(), output: wrap(ws.outDir), state, queue: new OutboxQueue(state) });
  }

  async function outcome(ws: Workspace) {
    const jobs = await new OutboxQueue(new FsStore(ws.stateDir)).pending();
    return {
      files: await ws.outputFiles(),
      events: [...new Set(webhookJobs(jobs).map((job) => job.event.id))].sort(),
      assets: await stateKeys(ws, ASSET_PREFIX),
    };
  }

  it('converges to the fault-free images, pages and events after a failed write N, for every N', async () => {
    const reference = await prepared();
    const counter: WriteCounter = { writes: 0 };
    await run(reference, counter, Number.POSITIVE_INFINITY);
    const expected = await outcome(reference);
    expect(mediaFiles(expected.files)).toHaveLength(2); // the new shared bytes and own.png (b still shows it)
    await reference.dispose();
    for (let n = 1; n <= counter.writes; n++) {
      const ws = await prepared();
      try {
        await expect(run(ws, { writes: 0 }, n)).rejects.toBeInstanceOf(StoreError);
        await run(ws);
        expect(await outcome(ws), `after a fault on write ${n}`).toEqual(expected);
      } finally {
        await ws.dispose();
      }
    }
  }, 120_000);
});
