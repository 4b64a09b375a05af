import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { StoreError } from '../../functions/core/errors.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';

let dir: string;
let inner: FsStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-wrappers-'));
  inner = new FsStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keysOf(store: { list(prefix: string): AsyncIterable<{ key: string }> }): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list('')) keys.push(info.key);
  return keys;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (caught: unknown) => caught,
  );
}

describe('CountingStore', () => {
  it('counts each operation once per call and passes results through unchanged', async () => {
    const store = new CountingStore(inner);
    expect(store.location).toBe(dir);
    const { etag } = await store.put('a.txt', 'a');
    await store.put('b/c.txt', 'c');
    expect((await store.get('a.txt'))?.etag).toBe(etag);
    expect(await store.head('missing.txt')).toBeNull();
    expect(await keysOf(store)).toEqual(['a.txt', 'b/c.txt']);
    await store.delete('a.txt');
    await store.delete('a.txt');
    expect(store.counts).toEqual({ get: 1, head: 1, put: 2, delete: 2, list: 1 });
    expect(await keysOf(inner)).toEqual(['b/c.txt']);
  });

  it('counts calls that fail, and starts again from zero after reset', async () => {
    const store = new CountingStore(inner);
    expect(await failureOf(store.put('../escape', 'x'))).toBeInstanceOf(StoreError);
    expect(store.counts.put).toBe(1);
    store.reset();
    expect(store.counts).toEqual({ get: 0, head: 0, put: 0, delete: 0, list: 0 });
  });
});

describe('FaultyStore', () => {
  it('fails only the Nth write with a retryable StoreError and leaves the object as it was', async () => {
    await inner.put('feed.xml', 'old');
    const store = new FaultyStore(inner, { failOnWrite: 2 });
    await store.put('a.html', 'a');
    const error = await failureOf(store.put('feed.xml', 'new'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(true);
    expect((error as StoreError).operation).toBe('PutObject');
    expect(Buffer.from((await inner.get('feed.xml'))?.body ?? []).toString()).toBe('old');
    await store.put('b.html', 'b');
    await store.delete('a.html');
    expect(store.writes).toBe(4);
    expect(await keysOf(inner)).toEqual(['b.html', 'feed.xml']);
  });

  it('counts deletes as writes and fails a delete when its turn comes', async () => {
    await inner.put('gone.html', 'x');
    const store = new FaultyStore(inner, { failOnWrite: 1 });
    const error = await failureOf(store.delete('gone.html'));
    expect((error as StoreError).operation).toBe('DeleteObject');
    expect(await inner.head('gone.html')).not.toBeNull();
  });

  it('keeps failing every write from the Nth on when sticky, while reads still work', async () => {
    const store = new FaultyStore(inner, { failOnWrite: 2, sticky: true });
    await store.put('first.txt', '1');
    for (const key of ['second.txt', 'third.txt']) {
      expect(await failureOf(store.put(key, 'x'))).toBeInstanceOf(StoreError);
    }
    expect(await failureOf(store.delete('first.txt'))).toBeInstanceOf(StoreError);
    expect(store.writes).toBe(4);
    expect(Buffer.from((await store.get('first.txt'))?.body ?? []).toString()).toBe('1');
    expect(await keysOf(store)).toEqual(['first.txt']);
  });

  it('never fails when N is beyond the writes made', async () => {
    const store = new FaultyStore(inner, { failOnWrite: 100 });
    for (let i = 0; i < 5; i += 1) await store.put(`k${i}.txt`, String(i));
    expect(store.writes).toBe(5);
    expect(await keysOf(inner)).toHaveLength(5);
  });
});
