import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createS3Client, S3Store } from '../../functions/adapters/s3-store.ts';
import { PreconditionFailedError } from '../../functions/core/errors.ts';

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (caught: unknown) => caught,
  );
}

describe('directory store: conditional writes', () => {
  let dir: string;
  let store: FsStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wirefeed-conditional-'));
    store = new FsStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates with ifNoneMatch "*" only when the key is free, and leaves the existing bytes otherwise', async () => {
    await store.put('lock.json', 'first', { ifNoneMatch: '*' });
    const error = await failureOf(store.put('lock.json', 'second', { ifNoneMatch: '*' }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).retryable).toBe(false);
    expect(await readFile(join(dir, 'lock.json'), 'utf8')).toBe('first');
  });

  it('replaces with ifMatch only the version it names', async () => {
    const { etag } = await store.put('lock.json', 'v1');
    await store.put('lock.json', 'v2', { ifMatch: etag });
    expect(await readFile(join(dir, 'lock.json'), 'utf8')).toBe('v2');
    // v1's ETag no longer names the stored version.
    expect(await failureOf(store.put('lock.json', 'v3', { ifMatch: etag }))).toBeInstanceOf(PreconditionFailedError);
    expect(await readFile(join(dir, 'lock.json'), 'utf8')).toBe('v2');
    expect(await failureOf(store.put('absent.json', 'x', { ifMatch: etag }))).toBeInstanceOf(PreconditionFailedError);
    expect(await store.head('absent.json')).toBeNull();
  });

  it('deletes with ifMatch only the version it names', async () => {
    const first = await store.put('lock.json', 'mine');
    const theirs = await store.put('lock.json', 'theirs');
    expect(await failureOf(store.delete('lock.json', { ifMatch: first.etag }))).toBeInstanceOf(PreconditionFailedError);
    expect(await readFile(join(dir, 'lock.json'), 'utf8')).toBe('theirs');
    await store.delete('lock.json', { ifMatch: theirs.etag });
    expect(await store.head('lock.json')).toBeNull();
    expect(await failureOf(store.delete('lock.json', { ifMatch: theirs.etag }))).toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('lets exactly one of many processes racing to create the same key win', async () => {
    const script = `
      const { FsStore } = await import(${JSON.stringify(new URL('../../functions/adapters/fs-store.ts', import.meta.url).href)});
      const store = new FsStore(process.argv[1]);
      try {
        await store.put('lock.json', process.argv[2], { ifNoneMatch: '*' });
        process.stdout.write('won');
      } catch (error) {
        process.stdout.write(error.constructor.name);
      }
    `;
    const racers = Array.from(
      { length: 6 },
      (_, i) =>
        new Promise<string>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', '--input-type=module', '-e', script, dir, `racer-${i}`],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
          });
          child.on('exit', () => resolve(out));
        }),
    );
    const outcomes = await Promise.all(racers);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'PreconditionFailedError')).toHaveLength(5);
    const winner = outcomes.indexOf('won');
    expect(await readFile(join(dir, 'lock.json'), 'utf8')).toBe(`racer-${winner}`);
  }, 30_000);
});

describe('directory store: revisions and links', () => {
  let dir: string;
  let store: FsStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wirefeed-revision-'));
    store = new FsStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const revisionOf = async (key: string) => {
    for await (const info of store.list('')) if (info.key === key) return info.revision;
    return undefined;
  };

  it('gives a new revision for a same-size edit whose modification time is put back', async () => {
    const path = join(dir, 'a.txt');
    // As `rsync -t`, `cp -p` or an archive extraction would leave it: the same size and modification time.
    const restored = new Date('2026-01-01T00:00:00.000Z');
    await writeFile(path, 'same size A');
    await utimes(path, restored, restored);
    const before = await lstat(path);
    const first = await revisionOf('a.txt');
    expect(await revisionOf('a.txt')).toBe(first);
    await writeFile(path, 'same size B');
    await utimes(path, restored, restored);
    expect((await lstat(path)).mtimeMs).toBe(before.mtimeMs);
    expect(await revisionOf('a.txt')).not.toBe(first);
    expect((await store.head('a.txt'))?.revision).toBe(await revisionOf('a.txt'));
  });

  it('lists a symbolic link as unreadable and never reads through it', async () => {
    await mkdir(join(dir, 'articles'));
    const outside = join(dir, 'secret.txt');
    await writeFile(outside, 'not for publishing');
    await symlink(outside, join(dir, 'articles', 'link.md'));
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'x.md'), 'x');
    await symlink(join(dir, 'elsewhere'), join(dir, 'articles', 'linked-dir'));
    const listed = [];
    for await (const info of store.list('articles/')) listed.push(info);
    expect(listed.map((info) => [info.key, info.unreadable])).toEqual([
      ['articles/link.md', expect.stringMatching(/symbolic link/)],
      ['articles/linked-dir', expect.stringMatching(/symbolic link/)],
    ]);
    const got = await store.get('articles/link.md');
    expect(got?.unreadable).toMatch(/symbolic link/);
    expect(got?.body.byteLength).toBe(0);
    expect((await store.head('articles/link.md'))?.unreadable).toMatch(/symbolic link/);
  });
});

describe('S3 store: the conditional requests it sends', () => {
  let server: Server;
  let endpoint: string;
  const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
      request.resume();
      request.on('end', () => {
        if (status === 200 || status === 204) {
          response.writeHead(status, { etag: '"0123456789abcdef0123456789abcdef"' });
          response.end();
          return;
        }
        const code = status === 412 ? 'PreconditionFailed' : 'ConditionalRequestConflict';
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>x</Message></Error>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    status = 200;
  });

  const store = () =>
    new S3Store({
      client: createS3Client({
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_MAX_ATTEMPTS: '1',
      }),
      bucket: 'state',
      prefix: 'wf',
    });

  it('sends If-None-Match: * for a create and If-Match for a replace or a delete', async () => {
    await store().put('lock.json', '{}', { ifNoneMatch: '*' });
    await store().put('lock.json', '{}', { ifMatch: '"abc"' });
    status = 204;
    await store().delete('lock.json', { ifMatch: '"abc"' });
    expect(
      seen.map((r) => [r.method, r.path.split('?')[0], r.headers['if-none-match'], r.headers['if-match']]),
    ).toEqual([
      ['PUT', '/state/wf/lock.json', '*', undefined],
      ['PUT', '/state/wf/lock.json', undefined, '"abc"'],
      ['DELETE', '/state/wf/lock.json', undefined, '"abc"'],
    ]);
  });

  it('sends no condition on a plain write', async () => {
    await store().put('feed.xml', '<rss/>');
    expect(seen[0]?.headers['if-none-match']).toBeUndefined();
    expect(seen[0]?.headers['if-match']).toBeUndefined();
  });

  it.each([412, 409])('turns a %i answer into a PreconditionFailedError naming the object', async (code) => {
    status = code;
    const put = await failureOf(store().put('lock.json', '{}', { ifNoneMatch: '*' }));
    expect(put).toBeInstanceOf(PreconditionFailedError);
    expect((put as PreconditionFailedError).message).toMatch(/^PutObject s3:\/\/state\/wf\/lock\.json: precondition/);
    const deleted = await failureOf(store().delete('lock.json', { ifMatch: '"abc"' }));
    expect(deleted).toBeInstanceOf(PreconditionFailedError);
  });
});
