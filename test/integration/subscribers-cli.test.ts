import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { runCli } from '../helpers/cli.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

let dir: string;
let receiver: Receiver;

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv, dir, env);
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
    tags: [],
    version: 1,
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

  it('keeps subscriber records, which hold the secrets, owner-only: 0600 files in a 0700 directory', async () => {
    await mkdir(join(dir, '.wirefeed', 'subscribers'), { recursive: true, mode: 0o755 });
    await chmod(join(dir, '.wirefeed', 'subscribers'), 0o755); // as earlier versions left it
    const { id } = await addSubscriber();
    expect((await run(['subscribers', 'rotate', id])).code).toBe(0);
    await addSubscriber(['--force']);
    const folder = join(dir, '.wirefeed', 'subscribers');
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const files = await readdir(folder);
    expect(files).toHaveLength(2);
    for (const file of files) expect((await stat(join(folder, file))).mode & 0o777, file).toBe(0o600);
  });

  it('prints what a receiver sent with its control characters escaped, never raw', async () => {
    receiver.reply = () => ({
      kind: 'status',
      status: 500,
      body: 'down\x1b[2J\x1b]0;owned\x07\r\u009b31m\u202etxet\nsecond line',
    });
    const { id } = await addSubscriber();
    const test = await run(['subscribers', 'test', id, '--allow-private-targets']);
    expect(test.code).toBe(1);
    expect(test.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(test.stdout).toContain('down\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x9b31m\\u202etxet\nsecond line\n');
  });

  it('escapes control characters in stored URLs, reasons and errors when listing them', async () => {
    const { id } = await addSubscriber();
    const file = join(dir, '.wirefeed', 'subscribers', `${id}.json`);
    const stored = await new SubscriberRepository(new FsStore(join(dir, '.wirefeed'))).get(id);
    await writeFile(
      file,
      JSON.stringify({
        ...stored,
        url: 'https://user:pa/ss@hooks.example.com/\x1b[31min',
        status: 'disabled',
        disabledReason: '410 \x1b[5mGone',
      }),
    );
    const list = await run(['subscribers', 'list']);
    expect(list.stdout).toContain('disabled (410 \\x1b[5mGone)  https://***@hooks.example.com/\\x1b[31min');
    expect(list.stdout).not.toMatch(/\x1b|pa\/ss/);
    const json = await run(['subscribers', 'list', '--json']);
    expect(json.stdout).not.toMatch(/\x1b|pa\/ss/);
    expect(JSON.parse(json.stdout)[0].disabledReason).toBe('410 \x1b[5mGone');
  });

  it('honours --state DIR', async () => {
    const { code } = await run(['subscribers', 'add', receiver.url, '--allow-private-targets', '--state', 'elsewhere']);
    expect(code).toBe(0);
    expect(await new SubscriberRepository(new FsStore(join(dir, 'elsewhere'))).list()).toHaveLength(1);
  });
});

describe('wirefeed deliver and deliveries', () => {
  it('deliver --wait says what it waits for and how far it got, then delivers the retry', async () => {
    receiver.reply = ({ n }) => (n === 1 ? { kind: 'status', status: 503 } : { kind: 'status', status: 200 });
    await addSubscriber();
    const state = new FsStore(join(dir, '.wirefeed'));
    await new OutboxQueue(state).enqueue(fanOut([event], await new SubscriberRepository(state).list(), new Date()));
    // The first retry of the real schedule comes 5 s (± 20 %) after the failure.
    const result = await run(['deliver', '--wait', '--allow-private-targets']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('wirefeed: webhooks: 1 delivered, 1 to retry, 0 dead-lettered, 0 dropped\n');
    const progress = result.stderr.split('\n');
    expect(progress[0]).toBe('wirefeed: 1 pending delivery; sending and retrying until none is left');
    expect(progress[1]).toBe('wirefeed: so far: 0 delivered, 1 to retry, 0 dead-lettered, 0 dropped');
    expect(progress[2]).toMatch(
      /^wirefeed: waiting [4-6] s for 1 pending delivery: next article\.published evt_cli_1 to sub_\S+, attempt 2, due \S+Z; last: HTTP 503 \(Ctrl-C stops; they stay queued\)$/,
    );
    expect(progress[3]).toBe('wirefeed: so far: 1 delivered, 1 to retry, 0 dead-lettered, 0 dropped');
    expect(receiver.requests.map((request) => request.status)).toEqual([503, 200]);
  });

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
      expect((await run(['deliveries', 'replay'])).stdout).toBe(
        're-queued 2 deliveries, each with its original webhook-id\n',
      );

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

describe('managing subscribers and deliveries', () => {
  it('refuses the same URL twice, however spelled, unless --force', async () => {
    const { id } = await addSubscriber();
    const again = await run(['subscribers', 'add', receiver.url, '--allow-private-targets']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `wirefeed: ${receiver.url} is already subscribed as ${id} (--force subscribes it again)\n`,
    );
    const upper = await run([
      'subscribers',
      'add',
      receiver.url.replace('http://', 'HTTP://'),
      '--allow-private-targets',
    ]);
    expect(upper.stderr).toContain(`already subscribed as ${id}`);
    expect((await addSubscriber(['--force'])).id).not.toBe(id);
  });

  it('updates URL, events and description keeping the id and the secret', async () => {
    const { id, secret } = await addSubscriber();
    const other = await startReceiver();
    try {
      const updated = await run([
        'subscribers',
        'update',
        id,
        '--url',
        other.url,
        '--events',
        'article.deleted',
        '--description',
        'Newsdesk CMS',
        '--allow-private-targets',
      ]);
      expect(updated.code).toBe(0);
      expect(updated.stdout).toContain('(id and secrets unchanged)');
      const stored = await new SubscriberRepository(new FsStore(join(dir, '.wirefeed'))).get(id);
      expect(stored).toMatchObject({ id, url: other.url, events: ['article.deleted'], description: 'Newsdesk CMS' });
      expect(stored?.secrets.map((s) => s.secret)).toEqual([secret]);
      expect((await run(['subscribers', 'update', id])).code).toBe(2);
      const unknown = await run(['subscribers', 'update', id, '--events', 'article.publish']);
      expect(unknown.stderr).toContain('subscribers update: unknown event type "article.publish"');
    } finally {
      await other.close();
    }
  });

  it('changes a subscriber’s topics with update --topics, and clears them with --topics all', async () => {
    const { id, secret } = await addSubscriber(['--topics', 'tag:energy']);
    const repo = new SubscriberRepository(new FsStore(join(dir, '.wirefeed')));
    expect((await repo.get(id))?.topics).toEqual(['tag:energy']);

    const updated = await run(['subscribers', 'update', id, '--topics', 'Tag:Markets, category:Politique Étrangère']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('topics=category:politique-etrangere,tag:markets');
    const stored = await repo.get(id);
    expect(stored?.topics).toEqual(['category:politique-etrangere', 'tag:markets']);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([secret]);

    const bad = await run(['subscribers', 'update', id, '--topics', 'tag:markets,colour:red']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--topics: "colour:red" is not a topic');
    expect((await repo.get(id))?.topics).toEqual(['category:politique-etrangere', 'tag:markets']);

    const cleared = await run(['subscribers', 'update', id, '--topics', 'all']);
    expect(cleared.stdout).toContain('topics=all');
    expect((await repo.get(id))?.topics).toBeUndefined();
    expect(
      fanOut([event], [(await repo.get(id)) as NonNullable<Awaited<ReturnType<typeof repo.get>>>], new Date()),
    ).toHaveLength(1);
  });

  it('expires the previous secret now, after a rotation or with it', async () => {
    const { id } = await addSubscriber();
    expect((await run(['subscribers', 'expire-previous', id])).stderr).toContain('has no previous secret');
    const rotated = await run(['subscribers', 'rotate', id]);
    const current = /^secret\s+(\S+)$/m.exec(rotated.stdout)?.[1];
    const repo = new SubscriberRepository(new FsStore(join(dir, '.wirefeed')));
    expect((await repo.get(id))?.secrets).toHaveLength(2);
    const expired = await run(['subscribers', 'expire-previous', id]);
    expect(expired.stdout).toBe(`${id}: 1 previous secret expired now; only the current one signs\n`);
    expect((await repo.get(id))?.secrets.map((s) => s.secret)).toEqual([current]);

    const leaked = await run(['subscribers', 'rotate', id, '--expire-previous']);
    expect(leaked.stdout).toContain('the previous one stopped signing now');
    const secrets = (await repo.get(id))?.secrets ?? [];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.secret).not.toBe(current);
  });

  it('adds an operator endpoint that receives endpoint.disabled and no content events', async () => {
    const add = await run(['subscribers', 'add', receiver.url, '--operator', '--allow-private-targets', '--json']);
    const { id } = JSON.parse(add.stdout) as { id: string };
    const stored = await new SubscriberRepository(new FsStore(join(dir, '.wirefeed'))).get(id);
    expect(stored?.events).toEqual(['endpoint.disabled']);
    expect(fanOut([event], stored ? [stored] : [], new Date())).toEqual([]);
  });

  it('lists pending deliveries and retries one now, settling it as usual', async () => {
    receiver.reply = () => ({ kind: 'status', status: 500 });
    const { id } = await addSubscriber();
    const state = new FsStore(join(dir, '.wirefeed'));
    const outbox = new OutboxQueue(state);
    const [job] = fanOut([event], await new SubscriberRepository(state).list(), new Date());
    await outbox.enqueue(job ? [job] : []);
    expect((await run(['deliveries', 'pending'])).stdout).toMatch(
      new RegExp(`^${job?.id}  ${id}  article.published evt_cli_1  attempts=0  due\\n$`),
    );
    const first = await run(['deliveries', 'retry', job?.id ?? '', '--allow-private-targets']);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/failed \(HTTP 500\); next attempt in [4-6] s\n$/);
    const scheduled = await run(['deliveries', 'pending', '--json']);
    expect(JSON.parse(scheduled.stdout)).toMatchObject([{ id: job?.id, attempts: 1, lastError: 'HTTP 500' }]);
    expect((await run(['deliveries', 'pending'])).stdout).toMatch(/attempts=1 {2}scheduled \S+Z {2}last=500 HTTP 500/);

    receiver.reply = () => ({ kind: 'status', status: 200 });
    const second = await run(['deliveries', 'retry', job?.id ?? '', '--allow-private-targets']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toMatch(/delivered \(200\)/);
    expect(receiver.requests.map((r) => r.webhookId)).toEqual(['evt_cli_1', 'evt_cli_1']);
    expect((await run(['deliveries', 'pending'])).stdout).toBe('no pending deliveries\n');
    expect((await run(['deliveries', 'retry', job?.id ?? ''])).stderr).toBe(
      `wirefeed: no pending delivery ${job?.id}\n`,
    );
    const health = await new SubscriberRepository(state).health(id);
    expect(health).toMatchObject({ consecutiveFailures: 0 });
    expect((await run(['subscribers', 'list'])).stdout).toMatch(/healthy, last success \S+Z/);
  });
});
