/**
 * A small static file server for local mode (plus the few routes the dev server answers itself, such as the WebSub
 * hub's `POST /hub`): serves an output root with the Content-Type the published files get
 * on S3, a strong content-hash ETag, Last-Modified, and 304 answers. Each request reads the file afresh, so a
 * rebuild is visible to the next request without a restart; the dev server asks for `Cache-Control: no-cache` so the
 * browser revalidates (a cheap 304) instead of showing a page from before the last edit.
 */
import { createHash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import { cacheControlFor, contentTypeFor } from '../core/render/content-types.ts';
import { NOT_FOUND_PAGE } from '../core/state-keys.ts';

export interface ServeOptions {
  /** 0 picks a free port; the real one is returned. */
  readonly port: number;
  /** Defaults to 127.0.0.1: local mode never listens on other interfaces unless asked. */
  readonly host?: string;
  /**
   * `published` (default): the Cache-Control each file gets on S3 and CloudFront. `no-cache`: every response must
   * be revalidated, for development, where files change under the browser.
   */
  readonly cacheControl?: 'published' | 'no-cache';
  /**
   * Requests answered by a handler instead of a file, by `METHOD /path` (e.g. `POST /hub`, the built-in WebSub hub);
   * every other request is served from the root as usual.
   */
  readonly routes?: Readonly<Record<string, Route>>;
}

/** A request a route handler answers: its body read whole, up to the route's limit. */
export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Uint8Array;
}

export interface RouteResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Route {
  /** Bytes of body read; a longer body is answered 413 without calling the handler. */
  readonly maxBodyBytes: number;
  readonly handle: (request: RouteRequest) => Promise<RouteResponse>;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** Maps a request target to a key under the root, refusing anything that could leave it. */
function keyFromTarget(target: string): string {
  const rawPath = target.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) throw new RequestRefused(400, 'request target must be an absolute path');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new RequestRefused(400, 'malformed percent-encoding');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw new RequestRefused(400, 'forbidden character in path');
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) throw new RequestRefused(400, 'dot segments are not allowed');
  const key = segments.join('/');
  return key === '' || key.endsWith('/') ? `${key}index.html` : key;
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

function matchesIfNoneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  // If-None-Match uses weak comparison: W/"x" matches "x".
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function notModifiedSince(header: string, mtime: Date): boolean {
  const since = Date.parse(header);
  // HTTP dates have one-second resolution; the file's sub-second part must not make it look newer.
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

async function readInsideRoot(rootReal: string, key: string) {
  const candidate = resolve(rootReal, key);
  if (candidate !== rootReal && !candidate.startsWith(rootReal + sep)) throw new RequestRefused(400, 'outside root');
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new RequestRefused(404, 'not found');
  }
  // A symlink inside the root must not lead out of it.
  if (!real.startsWith(rootReal + sep)) throw new RequestRefused(404, 'not found');
  const handle = await open(real, 'r').catch(() => {
    throw new RequestRefused(404, 'not found');
  });
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return null;
    if (!stats.isFile()) throw new RequestRefused(404, 'not found');
    return { body: await handle.readFile(), mtime: stats.mtime };
  } finally {
    await handle.close();
  }
}

/** Reads a request body up to `limit` bytes; null when it is longer (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolveBody(null);
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function answerRoute(route: Route, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, route.maxBodyBytes);
  if (body === null) {
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`the request body is over ${route.maxBodyBytes} bytes\n`);
    return;
  }
  const answer = await route.handle({ method: req.method ?? '', path, headers: req.headers, body });
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
  res.end(answer.body);
}

async function handle(
  rootReal: string,
  options: ServeOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  const route = options.routes?.[`${req.method} ${path}`];
  if (route !== undefined) return answerRoute(route, path, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return;
  }
  let key = keyFromTarget(req.url ?? '/');
  let file = await readInsideRoot(rootReal, key).catch(async (error: unknown) => {
    if (error instanceof RequestRefused && error.status === 404) return undefined;
    throw error;
  });
  if (file === null) {
    key = `${key}/index.html`;
    file = await readInsideRoot(rootReal, key).catch(() => undefined);
  }
  if (file === null || file === undefined) {
    await notFound(rootReal, req, res);
    return;
  }
  const etag = etagOf(file.body);
  const headers = {
    'content-type': contentTypeFor(key),
    'cache-control': options.cacheControl === 'no-cache' ? 'no-cache' : cacheControlFor(key),
    etag,
    'last-modified': file.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
  };
  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  const notModified =
    ifNoneMatch !== undefined
      ? matchesIfNoneMatch(ifNoneMatch, etag)
      : ifModifiedSince !== undefined && notModifiedSince(ifModifiedSince, file.mtime);
  if (notModified) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** Answers 404 with the site's not-found page when it has one (as CloudFront does), else a line of text. */
async function notFound(rootReal: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const page = await readInsideRoot(rootReal, NOT_FOUND_PAGE).catch(() => null);
  if (page === null) throw new RequestRefused(404, 'not found');
  res.writeHead(404, {
    'content-type': contentTypeFor(NOT_FOUND_PAGE),
    'cache-control': 'no-cache',
    'content-length': String(page.body.length),
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : page.body);
}

/** Serves the files under `root` over HTTP until `close()` is called. */
export async function serveDirectory(root: string, options: ServeOptions): Promise<RunningServer> {
  const rootReal = await realpath(resolve(root));
  const server = createServer((req, res) => {
    handle(rootReal, options, req, res).catch((error: unknown) => {
      const status = error instanceof RequestRefused ? error.status : 500;
      const message = error instanceof RequestRefused ? error.message : 'internal error';
      if (status === 500) console.error('wirefeed serve:', error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((error) => (error ? reject(error) : resolveClose()));
        server.closeAllConnections();
      }),
  };
}
