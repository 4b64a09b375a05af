import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { openStore, parseS3Url } from '../../functions/adapters/open-store.ts';
import { createS3Client, S3Store } from '../../functions/adapters/s3-store.ts';
import { ConfigError, StoreError, UsageError } from '../../functions/core/errors.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';

let s3: S3TestServer;
const extraServers: Server[] = [];

beforeAll(async () => {
  s3 = await startS3Server(['site', 'shared']);
});
afterAll(async () => {
  await s3.stop();
});
afterEach(async () => {
  s3.resetCounts();
  await Promise.all(
    extraServers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

async function keysOf(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

async function failureOf(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

/** An S3 endpoint on 127.0.0.1 that answers with `respond` and counts what it received; `forward` passes to s3rver. */
async function startStubEndpoint(
  respond: (index: number, request: IncomingMessage, response: ServerResponse) => 'forward' | 'answered',
): Promise<{ env: Record<string, string>; received: () => number }> {
  let received = 0;
  const upstream = new URL(s3.endpoint);
  const server = createServer((request, response) => {
    received += 1;
    if (respond(received, request, response) !== 'forward') return;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(forward);
  });
  extraServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint }, received: () => received };
}

/** The SDK's strategy types do not declare `mode`, though both standard and adaptive strategies carry it. */
function retryModeOf(strategy: object): unknown {
  return (strategy as { mode?: unknown }).mode;
}

function sendS3Error(response: ServerResponse, status: number, code: string): 'answered' {
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
  return 'answered';
}

describe('S3Store over s3rver', () => {
  it('follows continuation tokens through every page: 10 keys at 3 a page take 4 ListObjectsV2 requests', async () => {
    const store = new S3Store({ client: s3.client, bucket: 'site', prefix: 'paged', pageSize: 3 });
    const keys = Array.from({ length: 10 }, (_, i) => `articles/${String(i).padStart(2, '0')}.html`);
    for (const key of keys) await store.put(key, key);
    expect(s3.count('PutObject')).toBe(10);
    s3.resetCounts();

    expect(await keysOf(store)).toEqual(keys);

    expect(s3.count('ListObjectsV2')).toBe(4);
    expect(s3.requests).toHaveLength(4);
    const tokens = s3.requests.map((request) =>
      new URL(request.path, s3.endpoint).searchParams.get('continuation-token'),
    );
    expect(tokens[0]).toBeNull();
    expect(tokens.slice(1).every((token) => typeof token === 'string' && token.length > 0)).toBe(true);
    expect(new Set(tokens.slice(1)).size).toBe(3);
  });

  it('reads without writing: get, head and list send zero PUTs and zero DELETEs', async () => {
    const store = new S3Store({ client: s3.client, bucket: 'site', prefix: 'readonly' });
    await store.put('feed.xml', '<rss/>');
    s3.resetCounts();
    await store.get('feed.xml');
    await store.head('feed.xml');
    await keysOf(store);
    expect(s3.requests.map((request) => request.kind)).toEqual(['GetObject', 'HeadObject', 'ListObjectsV2']);
    expect(s3.count('PutObject') + s3.count('DeleteObject')).toBe(0);
  });

  it('keeps stores with different prefixes in one bucket apart', async () => {
    const site = new S3Store({ client: s3.client, bucket: 'shared', prefix: 'site' });
    const state = new S3Store({ client: s3.client, bucket: 'shared', prefix: 'state' });
    // A prefix that is a string prefix of another must not see the other's keys.
    const sit = new S3Store({ client: s3.client, bucket: 'shared', prefix: 'sit' });
    const whole = new S3Store({ client: s3.client, bucket: 'shared' });
    await site.put('feed.xml', 'site feed');
    await state.put('feed.xml', 'state copy');
    await state.put('manifest.json', '{}');

    expect(Buffer.from((await site.get('feed.xml'))?.body ?? []).toString()).toBe('site feed');
    expect(Buffer.from((await state.get('feed.xml'))?.body ?? []).toString()).toBe('state copy');
    expect(await site.get('manifest.json')).toBeNull();
    expect(await sit.get('e/feed.xml')).toBeNull();
    expect(await keysOf(site)).toEqual(['feed.xml']);
    expect(await keysOf(state)).toEqual(['feed.xml', 'manifest.json']);
    expect(await keysOf(sit)).toEqual([]);
    expect(await keysOf(whole)).toEqual(['site/feed.xml', 'state/feed.xml', 'state/manifest.json']);

    await site.delete('feed.xml');
    expect(await state.get('feed.xml')).not.toBeNull();
  });

  it('joins keys under the prefix with single slashes whatever slashes the prefix was given with', async () => {
    const store = new S3Store({ client: s3.client, bucket: 'site', prefix: '/nested//deeper/' });
    expect(store.location).toBe('s3://site/nested/deeper');
    await store.put('articles/a.html', 'a');
    expect(s3.requests.at(-1)?.path.split('?')[0]).toBe('/site/nested/deeper/articles/a.html');
    expect(await keysOf(new S3Store({ client: s3.client, bucket: 'site', prefix: 'nested' }))).toEqual([
      'deeper/articles/a.html',
    ]);
  });

  it('names the bucket and operation when the bucket does not exist, without retrying', async () => {
    const store = new S3Store({ client: s3.client, bucket: 'no-such-bucket', prefix: 'site' });
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => store.get('feed.xml'), 'GetObject', 's3://no-such-bucket/site/feed.xml'],
      [() => store.put('feed.xml', 'x'), 'PutObject', 's3://no-such-bucket/site/feed.xml'],
      [() => store.delete('feed.xml'), 'DeleteObject', 's3://no-such-bucket/site/feed.xml'],
      [() => keysOf(store), 'ListObjectsV2', 's3://no-such-bucket/site/'],
    ];
    for (const [operate, operation, location] of cases) {
      s3.resetCounts();
      const error = await failureOf(operate());
      expect(error.operation).toBe(operation);
      expect(error.location).toBe(location);
      expect(error.message).toBe(`${operation} ${location}: bucket does not exist`);
      expect(error.retryable).toBe(false);
      expect(error.cause).toBeDefined();
      expect(s3.requests).toHaveLength(1);
    }
  });

  it('reports access denied as permanent after exactly one request', async () => {
    const stub = await startStubEndpoint((_, __, response) => sendS3Error(response, 403, 'AccessDenied'));
    const store = new S3Store({ client: createS3Client(stub.env), bucket: 'site' });
    const error = await failureOf(store.put('feed.xml', 'x'));
    expect(error.message).toBe('PutObject s3://site/feed.xml: access denied');
    expect(error.retryable).toBe(false);
    expect(stub.received()).toBe(1);
  });

  it('lets the SDK retry throttling with backoff, so a write succeeds once the server recovers', async () => {
    const stub = await startStubEndpoint((index, _, response) => {
      if (index <= 2) return sendS3Error(response, 503, 'SlowDown');
      return 'forward';
    });
    const store = new S3Store({ client: createS3Client(stub.env), bucket: 'site', prefix: 'throttled' });
    const { etag } = await store.put('feed.xml', 'survived');
    expect(stub.received()).toBe(3);
    expect((await store.head('feed.xml'))?.etag).toBe(etag);
  });

  it('gives a retryable error naming the attempts when 5xx persists past the retry budget', async () => {
    const stub = await startStubEndpoint((_, __, response) => sendS3Error(response, 500, 'InternalError'));
    const store = new S3Store({ client: createS3Client({ ...stub.env, AWS_MAX_ATTEMPTS: '3' }), bucket: 'site' });
    const error = await failureOf(store.get('feed.xml'));
    expect(error.message).toBe('GetObject s3://site/feed.xml: server error 500 (InternalError) after 3 attempts');
    expect(error.retryable).toBe(true);
    expect(stub.received()).toBe(3);
  });

  it('gives a retryable network error when the server is gone', async () => {
    const gone = await startS3Server(['site']);
    const env = gone.env;
    await gone.stop();
    const store = new S3Store({ client: createS3Client({ ...env, AWS_MAX_ATTEMPTS: '2' }), bucket: 'site' });
    const error = await failureOf(store.get('feed.xml'));
    expect(error.operation).toBe('GetObject');
    expect(error.location).toBe('s3://site/feed.xml');
    expect(error.message).toContain('network error (ECONNREFUSED)');
    expect(error.retryable).toBe(true);
  });
});

describe('createS3Client', () => {
  it('defaults the region to us-east-1 and uses path style for a custom endpoint', async () => {
    const client = createS3Client({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(await client.config.region()).toBe('us-east-1');
    expect(client.config.forcePathStyle).toBe(true);
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:9');
    expect(await client.config.maxAttempts()).toBe(4);
    expect(retryModeOf(await client.config.retryStrategy())).toBe('standard');
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    client.destroy();
  });

  it('prefers AWS_ENDPOINT_URL_S3 and honours the region and retry settings it is given', async () => {
    const client = createS3Client({
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:10',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:11',
      AWS_REGION: 'eu-west-3',
      AWS_RETRY_MODE: 'adaptive',
      AWS_MAX_ATTEMPTS: '7',
    });
    expect(String((await client.config.endpoint?.())?.port)).toBe('10');
    expect(await client.config.region()).toBe('eu-west-3');
    expect(retryModeOf(await client.config.retryStrategy())).toBe('adaptive');
    expect(await client.config.maxAttempts()).toBe(7);
    client.destroy();
  });

  it('keeps virtual-host addressing for real AWS endpoints', () => {
    const client = createS3Client({ AWS_REGION: 'us-west-2' });
    expect(client.config.forcePathStyle).toBeFalsy();
    client.destroy();
  });

  it.each([
    ['AWS_MAX_ATTEMPTS', '0'],
    ['AWS_MAX_ATTEMPTS', 'three'],
    ['AWS_RETRY_MODE', 'legacy'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => createS3Client({ [name]: value })).toThrow(ConfigError);
    expect(() => createS3Client({ [name]: value })).toThrow(name);
  });
});

describe('parseS3Url and openStore', () => {
  it.each([
    ['s3://site', { bucket: 'site', prefix: '' }],
    ['s3://site/', { bucket: 'site', prefix: '' }],
    ['s3://my.site-bucket/public', { bucket: 'my.site-bucket', prefix: 'public' }],
    ['s3://site/a/b/', { bucket: 'site', prefix: 'a/b' }],
    ['s3://site//a//b', { bucket: 'site', prefix: 'a/b' }],
  ])('parses %s', (spec, expected) => {
    expect(parseS3Url(spec)).toEqual(expected);
  });

  it.each(['public', './public', '/srv/www', 'C:\\site', 's3-bucket/dir'])('treats %s as a directory', (spec) => {
    expect(parseS3Url(spec)).toBeNull();
  });

  it.each(['s3://', 's3:/site', 's3://Site', 's3://a', 's3://bad_bucket/x'])('rejects the malformed %s', (spec) => {
    expect(() => parseS3Url(spec)).toThrow(UsageError);
  });

  it('opens a directory store resolved against the working directory', () => {
    const store = openStore('public', {}, '/srv/wirefeed');
    expect(store).toBeInstanceOf(FsStore);
    expect(store.location).toBe('/srv/wirefeed/public');
    expect(openStore('/abs/out', {}, '/srv/wirefeed').location).toBe('/abs/out');
  });

  it('opens an S3 store from the environment that reads and writes the server', async () => {
    const store = openStore('s3://site/opened/', s3.env, '/unused');
    expect(store).not.toBeInstanceOf(FsStore);
    expect(store.location).toBe('s3://site/opened');
    await store.put('index.html', '<h1>hi</h1>', { contentType: 'text/html; charset=utf-8' });
    expect((await store.get('index.html'))?.contentType).toBe('text/html; charset=utf-8');
    expect(s3.requests.map((request) => request.path.split('?')[0])).toEqual([
      '/site/opened/index.html',
      '/site/opened/index.html',
    ]);
  });
});
