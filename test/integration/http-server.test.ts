import { mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serveDirectory } from '../../functions/adapters/http-server.ts';
import { renderNotFoundPage } from '../../functions/core/render/index.ts';
import { sampleEntries, sampleSite, writeRenderedSite } from '../helpers/sample-entries.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let parent: string;
let root: string;
let server: RunningServer;

/** Sends the path exactly as written (fetch would normalise "..", which is what the server must resist). */
function send(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolveResponse, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveResponse({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error(`timeout on ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'wirefeed-serve-'));
  root = join(parent, 'public');
  await writeRenderedSite(root, sampleSite, sampleEntries());
  await writeFile(join(parent, 'secret.txt'), 'TOP SECRET outside the root');
  await symlink(join(parent, 'secret.txt'), join(root, 'leak.txt'));
  server = await serveDirectory(root, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(parent, { recursive: true, force: true });
});

describe('serveDirectory', () => {
  it('listens on the real port when asked for port 0, on 127.0.0.1', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it.each([
    ['/feed.xml', 'application/rss+xml; charset=utf-8', '<rss version="2.0"'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8', '<feed xmlns="http://www.w3.org/2005/Atom"'],
    ['/feed.json', 'application/feed+json; charset=utf-8', '"version": "https://jsonfeed.org/version/1.1"'],
    ['/', 'text/html; charset=utf-8', '<title>Wirefeed Sample News</title>'],
    ['/index.html?utm=x', 'text/html; charset=utf-8', '<title>Wirefeed Sample News</title>'],
    ['/articles/putin-china.html', 'text/html; charset=utf-8', '<h1>Putin wants three things from China'],
  ])('serves %s as %s', async (path, type, snippet) => {
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toContain(snippet);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
  });

  it('sends short caching for feeds and longer caching for article pages', async () => {
    expect((await send('/feed.xml')).headers['cache-control']).toBe('public, max-age=300');
    expect((await send('/articles/rates-qa.html')).headers['cache-control']).toBe('public, max-age=3600');
  });

  it('sends Cache-Control: no-cache on every file when asked (the dev server), still answering 304s', async () => {
    const dev = await serveDirectory(root, { port: 0, cacheControl: 'no-cache' });
    try {
      const feed = await fetch(`${dev.url}/feed.xml`);
      expect(feed.headers.get('cache-control')).toBe('no-cache');
      expect((await fetch(`${dev.url}/articles/rates-qa.html`)).headers.get('cache-control')).toBe('no-cache');
      const again = await fetch(`${dev.url}/feed.xml`, {
        headers: { 'if-none-match': feed.headers.get('etag') ?? '' },
      });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe('no-cache');
    } finally {
      await dev.close();
    }
  });

  it('answers a matching If-None-Match with 304 and no body, and a stale one with 200', async () => {
    const first = await send('/feed.xml');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const again = await send('/feed.xml', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const listed = await send('/feed.xml', { headers: { 'if-none-match': `"nope", W/${etag}` } });
    expect(listed.status).toBe(304);
    const stale = await send('/feed.xml', { headers: { 'if-none-match': '"something-else"' } });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(first.body);
  });

  it('sends Last-Modified from the file mtime and answers If-Modified-Since with 304 when not newer', async () => {
    const when = new Date('2024-03-15T09:00:00Z');
    await utimes(join(root, 'atom.xml'), when, when);
    const res = await send('/atom.xml');
    expect(res.headers['last-modified']).toBe('Fri, 15 Mar 2024 09:00:00 GMT');
    expect(
      (await send('/atom.xml', { headers: { 'if-modified-since': 'Fri, 15 Mar 2024 09:00:00 GMT' } })).status,
    ).toBe(304);
    expect(
      (await send('/atom.xml', { headers: { 'if-modified-since': 'Sat, 16 Mar 2024 00:00:00 GMT' } })).status,
    ).toBe(304);
    expect(
      (await send('/atom.xml', { headers: { 'if-modified-since': 'Thu, 14 Mar 2024 09:00:00 GMT' } })).status,
    ).toBe(200);
    expect((await send('/atom.xml', { headers: { 'if-modified-since': 'not a date' } })).status).toBe(200);
  });

  it('lets If-None-Match win over If-Modified-Since', async () => {
    const res = await send('/atom.xml', {
      headers: { 'if-none-match': '"different"', 'if-modified-since': 'Sat, 16 Mar 2099 00:00:00 GMT' },
    });
    expect(res.status).toBe(200);
  });

  it('serves a changed file on the next request, with a new ETag and Last-Modified', async () => {
    const path = join(root, 'feed.json');
    const before = await send('/feed.json');
    await writeFile(path, '{"rebuilt":true}\n');
    const later = new Date('2030-01-01T00:00:00Z');
    await utimes(path, later, later);
    const after = await send('/feed.json', { headers: { 'if-none-match': before.headers.etag as string } });
    expect(after.status).toBe(200);
    expect(after.body).toBe('{"rebuilt":true}\n');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.headers['last-modified']).toBe((await stat(path)).mtime.toUTCString());
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await send('/index.html');
    const head = await send('/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('refuses %s with 405 and Allow', async (method) => {
    const res = await send('/feed.xml', { method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('answers 404 for a missing file', async () => {
    expect((await send('/nope.xml')).status).toBe(404);
    expect((await send('/articles/')).status).toBe(404);
  });

  it("answers an unknown path with the site's 404.html and status 404, as CloudFront does", async () => {
    const before = await send('/missing/page.html');
    expect([before.status, before.headers['content-type']]).toEqual([404, 'text/plain; charset=utf-8']);
    const page = renderNotFoundPage(sampleSite);
    await writeFile(join(root, page.path), page.body);
    try {
      const res = await send('/missing/page.html');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('<h1>Page not found</h1>');
      expect((await send('/404.html')).status).toBe(200);
    } finally {
      await rm(join(root, page.path));
    }
  });

  it.each([
    '/../secret.txt',
    '/articles/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/articles/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/index.html%00.xml',
    '/%00',
    '/%zz',
    '//etc/passwd',
    '/leak.txt',
  ])('refuses %s without leaking what lies outside the root', async (path) => {
    const res = await send(path);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain('TOP SECRET');
  });
});
