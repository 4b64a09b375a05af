import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { UnsafeTargetError } from '../../functions/core/errors.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { systemClock } from '../../functions/core/ports.ts';
import type { ResolvedAddress, ResolveHost } from '../../functions/core/ssrf.ts';
import { attemptDelivery } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** A scripted DNS: each name answers from its list of answers in turn (the last one repeats), and counts lookups. */
function scriptedDns(answers: Record<string, ResolvedAddress[][]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const script = answers[hostname] ?? [];
    const answer = script[Math.min(calls.filter((h) => h === hostname).length - 1, script.length - 1)];
    if (!answer) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { calls });
}

let receiver: Receiver;
let dir: string;
beforeAll(async () => {
  receiver = await startReceiver();
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-ssrf-'));
});
afterAll(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the HTTP sender refuses unsafe targets before any connection', () => {
  it('refuses the loopback receiver itself by every URL spelling, and the receiver accepts no connection', async () => {
    const dns = scriptedDns({});
    const sender = createHttpSender({ allowPrivateTargets: false, resolve: dns });
    const port = receiver.port;
    const before = receiver.connections;
    const urls = [
      receiver.url,
      `https://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `https://2130706433:${port}/`,
      `https://0177.0.0.1:${port}/`,
      `https://0x7f.1:${port}/`,
      `https://127.1:${port}/`,
      `https://[::ffff:127.0.0.1]:${port}/`,
      'https://2130706433/',
      'https://0177.0.0.1/',
      'https://0x7f.1/',
      'https://127.1/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'https://169.254.169.254/latest/meta-data/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://10.0.0.1/',
      'https://100.64.0.1/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
      'https://224.0.0.1/',
      'https://0.0.0.0/',
      'https://localhost/',
    ];
    for (const url of urls) {
      const result = await sender.send(url, {}, '{}');
      expect(result, url).toMatchObject({ status: null, refused: expect.stringMatching(/^(unsafe|private-target)$/) });
      expect(result.error, url).toMatch(/^refused webhook target /);
    }
    expect(dns.calls).toEqual([]);
    expect(receiver.connections).toBe(before);
  });

  it('reaches the receiver when local development allows it (so the zero counts above mean something)', async () => {
    const dns = scriptedDns({ 'hooks.example.test': [[v4('127.0.0.1')]] });
    const sender = createHttpSender({ allowPrivateTargets: true, resolve: dns });
    const before = receiver.requests.length;
    const result = await sender.send(`http://hooks.example.test:${receiver.port}/hooks`, {}, '{}');
    expect(result.status).toBe(200);
    expect(receiver.requests.length).toBe(before + 1);
    expect(dns.calls).toEqual(['hooks.example.test']);
  });

  it('checks every resolved address at connect time: one metadata address among them refuses the connection', async () => {
    const dns = scriptedDns({
      'mixed.example.test': [[v4('127.0.0.1'), v4('169.254.169.254')]],
      'mapped.example.test': [[v6('::ffff:169.254.169.254'), v4('127.0.0.1')]],
    });
    const sender = createHttpSender({ allowPrivateTargets: true, resolve: dns });
    const before = receiver.connections;
    for (const host of ['mixed.example.test', 'mapped.example.test']) {
      const result = await sender.send(`http://${host}:${receiver.port}/hooks`, {}, '{}');
      expect(result.status).toBeNull();
      expect(result.error).toMatch(/resolves to .*169\.254\.169\.254, cloud metadata address/);
    }
    expect(receiver.connections).toBe(before);
  });

  it('refuses a host name that resolves to loopback, in the lookup rather than at connect', async () => {
    const dns = scriptedDns({
      'rebind.example.test': [[v4('127.0.0.1')]],
      'mixed.example.test': [[v4('8.8.8.8'), v4('10.1.2.3')]],
      'v6.example.test': [[v6('::1')]],
    });
    const sender = createHttpSender({ allowPrivateTargets: false, resolve: dns });
    const expected: Record<string, RegExp> = {
      'rebind.example.test': /resolves to 127\.0\.0\.1, loopback/,
      'mixed.example.test': /resolves to 10\.1\.2\.3, private/,
      'v6.example.test': /resolves to ::1, loopback/,
    };
    for (const [host, reason] of Object.entries(expected)) {
      const result = await sender.send(`https://${host}/hooks`, {}, '{}');
      expect(result.status).toBeNull();
      expect(result.error).toMatch(reason);
      expect(result.error).not.toMatch(/ECONNREFUSED/);
      expect(result.refused).toBeUndefined();
    }
    expect(dns.calls).toEqual(Object.keys(expected));
  });
});

describe('subscribers and DNS rebinding', () => {
  it('refuses at add time a URL whose host resolves to a private address, with a clear error', async () => {
    const dns = scriptedDns({ 'internal.example.test': [[v4('10.0.0.5')]] });
    const repository = new SubscriberRepository(new FsStore(dir), { resolve: dns });
    await expect(
      repository.add('https://internal.example.test/hook', { allowPrivateTargets: false, now: new Date() }),
    ).rejects.toThrow(/resolves to 10\.0\.0\.5, private/);
    await expect(
      repository.add('https://0x7f.1/hook', { allowPrivateTargets: false, now: new Date() }),
    ).rejects.toBeInstanceOf(UnsafeTargetError);
    expect(await repository.list()).toEqual([]);
  });

  it('refuses at delivery a host that resolved to a public address when added and to loopback now', async () => {
    const dns = scriptedDns({ 'rebind.example.test': [[v4('93.184.215.14')], [v4('127.0.0.1')]] });
    const repository = new SubscriberRepository(new FsStore(dir), { resolve: dns });
    const subscriber = await repository.add('https://rebind.example.test/hook', {
      allowPrivateTargets: false,
      now: new Date(),
    });
    const [job] = fanOut(
      [
        {
          id: 'evt_rebind',
          type: 'feed.updated',
          timestamp: '2024-05-01T00:00:00.000Z',
          data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [], updated: [], deleted: [] },
        },
      ],
      [subscriber],
      new Date(),
    );
    if (!job) throw new Error('no job');
    const outcome = await attemptDelivery(job, {
      subscribers: repository,
      sender: createHttpSender({ allowPrivateTargets: false, resolve: dns }),
      clock: systemClock,
      schedule: [5],
    });
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
    if (outcome.kind === 'retry') expect(outcome.error).toMatch(/resolves to 127\.0\.0\.1, loopback/);
    expect(dns.calls).toEqual(['rebind.example.test', 'rebind.example.test']);
  });

  it('dead-letters at once a stored URL the guard refuses outright (no retry can fix a scheme or an IP literal)', async () => {
    const store = new FsStore(dir);
    const repository = new SubscriberRepository(store);
    const subscriber = await repository.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
    const [job] = fanOut(
      [
        {
          id: 'evt_literal',
          type: 'feed.updated',
          timestamp: '2024-05-01T00:00:00.000Z',
          data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [], updated: [], deleted: [] },
        },
      ],
      [subscriber],
      new Date(),
    );
    const before = receiver.connections;
    const outcome = await attemptDelivery(job as NonNullable<typeof job>, {
      subscribers: repository,
      sender: createHttpSender({ allowPrivateTargets: false }),
      clock: systemClock,
      schedule: [5],
    });
    expect(outcome).toMatchObject({ kind: 'dead', reason: 'private-target', status: null });
    expect(receiver.connections).toBe(before);
  });
});
