import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { LeaseLostError, WriterBusyError } from '../../functions/core/errors.ts';
import { LOCK_KEY } from '../../functions/core/state-keys.ts';
import { WriterLease } from '../../functions/pipeline/publish/lock.ts';
import { ManualClock } from '../helpers/workspace.ts';

let dir: string;
let store: FsStore;
let clock: ManualClock;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-lease-'));
  store = new FsStore(dir);
  clock = new ManualClock();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alive = new Set<number>([100, 200]);
const as = (pid: number, host = 'laptop', leaseMs = 60_000) => ({
  clock,
  host,
  pid,
  leaseMs,
  isAlive: (p: number) => alive.has(p),
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (caught: unknown) => caught,
  );
}

describe('the writer lease on a directory store', () => {
  it('refuses a second writer while the first holds the lease, naming the holder', async () => {
    const first = await WriterLease.acquire(store, as(100));
    const error = await failureOf(WriterLease.acquire(store, as(200)));
    expect(error).toBeInstanceOf(WriterBusyError);
    expect((error as Error).message).toMatch(/pid 100 on laptop/);
    expect((error as Error).message).toContain(dir);
    await first.release();
    const second = await WriterLease.acquire(store, as(200));
    await second.release();
    expect(await store.head(LOCK_KEY)).toBeNull();
  });

  it('takes over at once from a holder that died on the same host', async () => {
    await WriterLease.acquire(store, as(300)); // pid 300 is not running
    const taker = await WriterLease.acquire(store, as(100));
    expect(JSON.parse(await readFile(join(dir, LOCK_KEY), 'utf8')).holder).toEqual({ host: 'laptop', pid: 100 });
    await taker.release();
  });

  it('waits for the lease of a holder on another host to expire, then takes over', async () => {
    await WriterLease.acquire(store, as(999, 'lambda-1'));
    clock.advance(59_000);
    expect(await failureOf(WriterLease.acquire(store, as(100)))).toBeInstanceOf(WriterBusyError);
    clock.advance(2_000);
    const taker = await WriterLease.acquire(store, as(100));
    await taker.release();
  });

  it('keeps a renewing holder, and tells a holder whose lease was taken over that it lost it', async () => {
    const holder = await WriterLease.acquire(store, as(999, 'lambda-1'));
    clock.advance(20_000);
    await holder.renewIfDue(); // more than half left: nothing written
    clock.advance(20_000);
    await holder.renewIfDue();
    expect(holder.expires.toISOString()).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    clock.advance(50_000);
    expect(await failureOf(WriterLease.acquire(store, as(100)))).toBeInstanceOf(WriterBusyError);

    clock.advance(20_000); // expired: a stalled holder
    const taker = await WriterLease.acquire(store, as(100));
    expect(await failureOf(holder.renew())).toBeInstanceOf(LeaseLostError);
    // Releasing a lost lease leaves the new holder's alone.
    await holder.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_KEY), 'utf8')).holder.pid).toBe(100);
    await taker.release();
  });

  it('takes over a lock file that is not a lease wirefeed wrote', async () => {
    await writeFile(join(dir, LOCK_KEY), '{"trunc');
    const lease = await WriterLease.acquire(store, as(100));
    await lease.release();
  });
});
