import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

let dir: string;
let receiver: Receiver;

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd: dir,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

async function addSubscriber(extra: string[] = []): Promise<{ id: string; secret: string; stdout: string }> {
  const { code, stdout } = await run(['subscribers', 'add', receiver.url, '--allow-private-targets', ...extra]);
  expect(code).toBe(0);
  const id = /^id\s+(\S+)$/m.exec(stdout)?.[1] ?? '';
  const secret = /^secret\s+(\S+)$/m.exec(stdout)?.[1] ?? '';
  return { id, secret, stdout };
}

const event: WebhookEvent = {
  id: 'evt_cli_1',
  type: 'article.published',
  timestamp: '2024-05-01T00:00:00.000Z',
  data: {
    id: 'a',
    title: 'A',
    summary: '',
    url: 'https://news.example.com/articles/a.html',
    published: '2024-05-01T00:00:00.000Z',
    updated: '2024-05-01T00:00:00.000Z',
    authors: [],
    category: null,
    feeds: { rss: '', atom: '', json: '', home: '' },
  },
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-cli-'));
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('wirefeed subscribers', () => {
  it('adds a subscriber under .wirefeed by default, printing its id and secret once', async () => {
    const { id, secret } = await addSubscriber(['--events', 'article.published,article.deleted']);
    expect(id).toMatch(/^sub_/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const stored = await new SubscriberRepository(new FsStore(join(dir, '.wirefeed'))).get(id);
    expect(stored).toMatchObject({
      url: receiver.url,
      events: ['article.published', 'article.deleted'],
      status: 'active',
    });
    expect(stored?.secrets[0]?.secret).toBe(secret);
  });

  it('lists subscribers with masked secrets only', async () => {
    const { id, secret } = await addSubscriber();
    const list = await run(['subscribers', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain(`whsec_…${secret.slice(-4)}`);
    expect(list.stdout).not.toContain(secret);
    expect(list.stdout).not.toContain(secret.slice(6, 30));
    const json = await run(['subscribers', 'list', '--json']);
    expect(JSON.parse(json.stdout)[0].secrets).toEqual([{ secret: `whsec_…${secret.slice(-4)}` }]);
  });

  it('rotates: prints the new secret once; test deliveries then verify with the old and the new secret', async () => {
    const { id, secret: oldSecret } = await addSubscriber();
    const rotated = await run(['subscribers', 'rotate', id]);
    expect(rotated.code).toBe(0);
    const newSecret = /^secret\s+(\S+)$/m.exec(rotated.stdout)?.[1] ?? '';
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.stdout).not.toContain(oldSecret);
    receiver.secrets = [oldSecret, newSecret];
    const test = await run(['subscribers', 'test', id, '--allow-private-targets']);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/→ 200 in/);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.verifiedBy).toEqual([0, 1]);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}')).toMatchObject({
      type: 'endpoint.test',
      data: { subscriberId: id },
    });
    expect(receiver.requests[0]?.headers['user-agent']).toMatch(/^wirefeed\/\d+\.\d+\.\d+/);
    expect((await run(['subscribers', 'list'])).stdout).not.toContain(newSecret);
  });

  it('test reports a failing endpoint with exit code 1', async () => {
    receiver.reply = () => ({ kind: 'status', status: 503, body: 'maintenance' });
    const { id } = await addSubscriber();
    const test = await run(['subscribers', 'test', id], { WIREFEED_ALLOW_PRIVATE_TARGETS: '1' });
    expect(test.code).toBe(1);
    expect(test.stdout).toMatch(/→ 503 in .*\nmaintenance/);
  });

  it('refuses a private target without the opt-in, with a clear error and nothing stored', async () => {
    const refused = await run(['subscribers', 'add', receiver.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused webhook target .*scheme http:/);
    const literal = await run(['subscribers', 'add', 'https://0x7f.1/hook']);
    expect(literal.stderr).toMatch(/127\.0\.0\.1 is loopback/);
    expect((await run(['subscribers', 'list'])).stdout).toBe('no subscribers\n');
  });

  it('removes a subscriber; unknown ids fail with 1 and bad usage with 2', async () => {
    const { id } = await addSubscriber();
    expect((await run(['subscribers', 'remove', id])).code).toBe(0);
    expect((await run(['subscribers', 'remove', id])).code).toBe(1);
    expect((await run(['subscribers', 'rotate', 'sub_nope'])).code).toBe(1);
    expect((await run(['subscribers', 'frobnicate'])).code).toBe(2);
    expect((await run(['subscribers', 'add'])).code).toBe(2);
    expect((await run(['subscribers', 'list', '--bogus'])).code).toBe(2);
    expect((await run(['subscribers', 'add', receiver.url, '--events', 'article.nope'])).code).toBe(2);
  });

  it('honours --state DIR', async () => {
    const { code } = await run(['subscribers', 'add', receiver.url, '--allow-private-targets', '--state', 'elsewhere']);
    expect(code).toBe(0);
    expect(await new SubscriberRepository(new FsStore(join(dir, 'elsewhere'))).list()).toHaveLength(1);
  });
});

describe('wirefeed deliver and deliveries', () => {
  it('delivers pending jobs, dead-letters a 410, lists, logs and replays them, never printing a secret', async () => {
    const ok = await addSubscriber();
    const goneReceiver = await startReceiver({ reply: () => ({ kind: 'status', status: 410 }) });
    try {
      const gone = await run(['subscribers', 'add', goneReceiver.url, '--allow-private-targets']);
      const goneId = /^id\s+(\S+)$/m.exec(gone.stdout)?.[1] ?? '';
      const state = new FsStore(join(dir, '.wirefeed'));
      const all = await new SubscriberRepository(state).list();
      await new OutboxQueue(state).enqueue(fanOut([event], all, new Date()));

      const refused = await run(['deliver']);
      expect(refused.stdout).toMatch(/0 delivered, 0 to retry, 2 dead-lettered/);
      expect(refused.code).toBe(1);
      expect(receiver.requests).toHaveLength(0);
      expect((await run(['deliveries', 'replay'])).stdout).toBe('re-queued 2 deliveries\n');

      const delivered = await run(['deliver', '--allow-private-targets']);
      expect(delivered.stdout).toMatch(/1 delivered, 0 to retry, 1 dead-lettered, 0 dropped/);
      expect(receiver.requests.map((r) => r.webhookId)).toEqual(['evt_cli_1']);
      expect(receiver.requests[0]?.headers['user-agent']).toMatch(/^wirefeed\//);

      const dead = await run(['deliveries', 'dead']);
      expect(dead.stdout).toContain(goneId);
      expect(dead.stdout).toMatch(/subscriber disabled: 410 Gone/);
      expect((await run(['subscribers', 'list'])).stdout).toMatch(/disabled \(410 Gone/);

      const log = await run(['deliveries', 'log', '--subscriber', ok.id]);
      expect(log.stdout.trim().split('\n')).toHaveLength(2);
      expect(log.stdout).toMatch(/#1 {2}dead {2}status=- .*refused/);
      expect(log.stdout).toMatch(/#1 {2}delivered {2}status=200/);

      const replay = await run(['deliveries', 'replay', 'job_missing']);
      expect(replay.code).toBe(1);
      expect(replay.stderr).toMatch(/no dead letter job_missing/);

      for (const output of [dead.stdout, log.stdout, (await run(['deliveries', 'log'])).stdout]) {
        expect(output).not.toContain(ok.secret);
        expect(output).not.toMatch(/whsec_[A-Za-z0-9+/]{20}/);
      }
      expect((await run(['deliveries', 'bogus'])).code).toBe(2);
    } finally {
      await goneReceiver.close();
    }
  });
});
