import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../functions/adapters/s3-store.ts';

export type S3RequestKind =
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'other';

export interface S3Request {
  readonly method: string;
  /** Path and query as received, e.g. `/bucket/site/feed.xml?x-id=PutObject` or `/bucket/?list-type=2&...`. */
  readonly path: string;
  readonly kind: S3RequestKind;
}

export interface S3TestServer {
  readonly endpoint: string;
  /** Standard AWS variables pointing at this server, for `createS3Client` / `openStore`. */
  readonly env: Record<string, string>;
  readonly client: S3Client;
  /** Every HTTP request the server received since start or the last `resetCounts()`, in arrival order. */
  readonly requests: S3Request[];
  /** How many requests of one kind the server received. */
  count(kind: S3RequestKind): number;
  resetCounts(): void;
  stop(): Promise<void>;
}

/**
 * Runs in a child node process. Two fixes make s3rver 3.7.1 behave like S3 on today's Node:
 * - it encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 only has in
 *   its legacy provider, so the child runs with `--openssl-legacy-provider` (without it every
 *   truncated listing is a 500);
 * - it lists in directory-walk order, where a directory `a` sorts before the object `a.txt`;
 *   S3 lists in UTF-8 binary key order (`a.txt` < `a/1.html`), so the walk is re-sorted by key.
 */
const CHILD_SCRIPT = `
const [libDir, directory, bucketsJson] = process.argv.slice(1);
const fs = require('fs');
const path = require('path');
const utils = require(path.join(libDir, 'utils.js'));
const SUFFIX = /\\._S3rver_.*$/;
function sortKey(dir, name) {
  return fs.statSync(path.join(dir, name)).isDirectory() ? name + '/' : name.replace(SUFFIX, '');
}
utils.walk = function* walk(dir, recurseFilter) {
  const names = fs.readdirSync(dir).map((name) => [sortKey(dir, name), name]);
  names.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  for (const [, name] of names) {
    const filePath = path.posix.join(dir, name);
    if (!fs.statSync(filePath).isDirectory()) yield filePath;
    else if (!recurseFilter || recurseFilter(filePath)) yield* walk(filePath, recurseFilter);
  }
};
const S3rver = require(path.join(libDir, 's3rver.js'));
const server = new S3rver({
  silent: true,
  directory,
  address: '127.0.0.1',
  port: 0,
  configureBuckets: JSON.parse(bucketsJson).map((name) => ({ name })),
});
server.run().then(
  (address) => process.send({ port: address.port }),
  (error) => { console.error(error); process.exit(1); },
);
process.on('disconnect', () => process.exit(0));
`;

/** Path-style S3 request → API operation, from method, path depth and query. */
function classify(method: string, url: string): S3RequestKind {
  const parsed = new URL(url, 'http://127.0.0.1');
  const segments = parsed.pathname.split('/').filter(Boolean);
  const onObject = segments.length > 1;
  switch (method) {
    case 'GET':
      if (onObject) return 'GetObject';
      if (segments.length === 1) return parsed.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      return 'other';
    case 'HEAD':
      return onObject ? 'HeadObject' : 'other';
    case 'PUT':
      return onObject ? 'PutObject' : 'other';
    case 'DELETE':
      return onObject ? 'DeleteObject' : 'other';
    case 'POST':
      return parsed.searchParams.has('delete') ? 'DeleteObjects' : 'other';
    default:
      return 'other';
  }
}

async function startChild(directory: string, buckets: string[]): Promise<{ child: ChildProcess; port: number }> {
  const libDir = dirname(createRequire(import.meta.url).resolve('s3rver'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, libDir, directory, JSON.stringify(buckets)],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 15 s')), 15_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${stderr}`));
    });
  });
  return { child, port };
}

/**
 * Starts s3rver on 127.0.0.1, port 0, in a fresh temp dir; creates the buckets; counts requests by method+kind.
 * The count is taken by a pass-through HTTP proxy on 127.0.0.1 in this process, the endpoint the
 * client talks to, so it sees each request as it arrives, SDK retries included.
 */
export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'wirefeed-s3rver-'));
  const { child, port: upstreamPort } = await startChild(directory, buckets);
  const upstreamAgent = new Agent({ keepAlive: true });
  const requests: S3Request[] = [];
  const proxy: Server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    requests.push({ method, path, kind: classify(method, path) });
    const forward = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, method, path, headers: incoming.headers, agent: upstreamAgent },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
  const client = createS3Client(env);
  let stopped = false;
  return {
    endpoint,
    env,
    client,
    requests,
    count: (kind) => requests.filter((request) => request.kind === kind).length,
    resetCounts: () => {
      requests.length = 0;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      const closing = new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await closing;
      upstreamAgent.destroy();
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.kill();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
