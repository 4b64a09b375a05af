/**
 * `wirefeed status` as an operator runs it: against a directory state and against S3 state on s3rver, after real
 * builds, real deliveries to loopback receivers and a real failed publish; its exit codes are what a cron job sees.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { systemClock } from '../../functions/core/ports.ts';
import type { StatusReport } from '../../functions/core/status.ts';
import { subscriptionId } from '../../functions/core/websub/subscription.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { HubSubscriptions } from '../../functions/pipeline/websub/subscriptions.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';
import { type FakeSqs, startFakeSqs } from '../infra/fake-sqs.ts';

type Status = StatusReport & { attention: { kind: string; message: string }[]; exitCode: number };

async function cli(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env,
    cwd,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('wirefeed status, directory state', () => {
  let ws: Workspace;
  const dirs = () => ['--content', ws.contentDir, '--out', ws.outDir, '--state', ws.stateDir];
  const status = async (extra: string[] = []) => {
    const result = await cli(['status', '--state', ws.stateDir, '--json', ...extra], ws.root);
    const report = JSON.parse(result.out) as Status;
    expect(report.exitCode).toBe(result.code);
    return { code: result.code, report };
  };

  beforeEach(async () => {
    ws = await Workspace.create();
  });
  afterEach(async () => {
    await ws.dispose();
  });

  it('exits 3 when the state holds no publish, 0 after a clean build, with the run’s counts', async () => {
    const empty = await status();
    expect(empty.code).toBe(3);
    expect(empty.report.last).toBeNull();
    const text = await cli(['status', '--state', ws.stateDir], ws.root);
    expect(text.code).toBe(3);
    expect(text.out).toContain('nothing published yet');

    await ws.write('a.md', markdownArticle('A', 'Body a.', { date: '2026-01-01' }));
    await ws.write('b.md', markdownArticle('B', 'Body b.', { date: '2026-01-02' }));
    expect((await cli(['build', ...dirs()], ws.root)).code).toBe(0);
    const { code, report } = await status();
    expect(code).toBe(0);
    expect(report.attention).toEqual([]);
    expect(report.last).toMatchObject({ articles: 2, published: 2, updated: 0, deleted: 0, feedUpdated: 1 });
    expect(report.last?.filesWritten).toBeGreaterThanOrEqual(6);
    expect(Date.parse(report.last?.finished ?? '')).toBeGreaterThanOrEqual(Date.parse(report.last?.started ?? ''));
    expect(report.failure).toBeNull();
    expect(report.running).toBeNull();
    const lines = await cli(['status', '--state', ws.stateDir], ws.root);
    expect(lines.out).toMatch(/^last publish .*2 articles; 2 published, 0 updated, 0 deleted/m);
    expect(lines.out.trimEnd().split('\n').at(-1)).toBe('ok');

    // An edit: the last publish is the edit's run.
    await ws.write('a.md', markdownArticle('A', 'Body a, revised.', { date: '2026-01-01' }));
    await cli(['build', ...dirs()], ws.root);
    expect((await status()).report.last).toMatchObject({ articles: 2, published: 0, updated: 1 });
  });

  it('exits 1 and lists the rejected files; fixing them brings it back to 0', async () => {
    await ws.write('good.md', markdownArticle('Good', 'Fine.'));
    await ws.write('broken.md', '---\ntitle: never closed\n');
    expect((await cli(['build', ...dirs()], ws.root)).code).toBe(1);
    const { code, report } = await status();
    expect(code).toBe(1);
    expect(report.rejected).toEqual([{ file: 'articles/broken.md', reason: expect.stringContaining('never closed') }]);
    expect(report.attention.map((a) => a.kind)).toEqual(['rejected']);
    const text = await cli(['status', '--state', ws.stateDir], ws.root);
    expect(text.out).toContain('  articles/broken.md: ');

    await ws.remove('broken.md');
    await cli(['build', ...dirs()], ws.root);
    expect((await status()).code).toBe(0);
  });

  it('reports a failed publish until a run succeeds, and a run left unfinished by a failed write', async () => {
    await ws.write('a.md', markdownArticle('A', 'Body.'));
    await cli(['build', ...dirs()], ws.root);
    const site = await ws.outputFiles();
    expect(Object.keys(site)).toContain('feed.xml');

    await writeFile(join(ws.contentDir, 'site.json'), '{"title": ');
    expect((await cli(['build', ...dirs()], ws.root)).code).toBe(1);
    const failed = await status();
    expect(failed.code).toBe(1);
    expect(failed.report.failure).toMatchObject({
      errorName: 'ConfigError',
      error: expect.stringContaining('site.json'),
    });
    expect(failed.report.attention[0]?.kind).toBe('publish-failed');

    // The same site.json again: nothing to publish, and that run succeeding clears the failure.
    await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify(TEST_SITE));
    expect((await cli(['build', ...dirs()], ws.root)).code).toBe(0);
    expect((await status()).report.failure).toBeNull();

    // A write fails mid-run: the run stays in the journal, nobody holds the lease, the failure is recorded.
    await ws.write('b.md', markdownArticle('B', 'Body b.'));
    const state = new FaultyStore(new FsStore(ws.stateDir), { failOnWrite: 3 });
    await expect(publish({ ...ws.stores({ state }), clock: systemClock })).rejects.toThrow(/injected fault on write 3/);
    const interrupted = await status();
    expect(interrupted.report.running).toMatchObject({ leaseHeld: false, phase: expect.any(String) });
    expect(interrupted.report.failure?.error).toContain('injected fault on write 3');
    expect(interrupted.code).toBe(1);
    const text = await cli(['status', '--state', ws.stateDir], ws.root);
    expect(text.out).toMatch(/^unfinished {3}run .* the next publish continues it$/m);

    await cli(['build', ...dirs()], ws.root);
    const after = await status();
    expect(after.report.running).toBeNull();
    expect(after.report.failure).toBeNull();
    expect(after.code).toBe(0);
  });

  it('lists the hub’s subscriptions next to the subscribers: count per topic, leases near expiry, a damaged record', async () => {
    await ws.write('a.md', markdownArticle('A', 'Body.', { date: '2025-06-01' }));
    expect((await cli(['build', ...dirs()], ws.root)).code).toBe(0);
    const hub = new HubSubscriptions(new FsStore(ws.stateDir));
    const now = Date.now();
    const subscribe = async (topic: string, callback: string, leaseMs: number) => {
      await hub.put({
        id: subscriptionId(topic, callback),
        topic,
        callback,
        leaseSeconds: 864_000,
        created: new Date(now - 3_600_000).toISOString(),
        verified: new Date(now - 3_600_000).toISOString(),
        expires: new Date(now + leaseMs).toISOString(),
      });
      return subscriptionId(topic, callback);
    };
    const site = TEST_SITE.siteUrl;
    await subscribe(`${site}/feed.xml`, 'https://one.example/cb', 9 * 86_400_000);
    await subscribe(`${site}/tags/markets/feed.xml`, 'https://two.example/cb', 9 * 86_400_000);
    const soon = await subscribe(`${site}/tags/markets/feed.xml`, 'https://three.example/cb?key=k', 3_600_000);
    await subscribe(`${site}/atom.xml`, 'https://gone.example/cb', -60_000);

    const { code, report } = await status();
    expect(code).toBe(0);
    expect(report.hub).toMatchObject({
      live: 3,
      expired: 1,
      byTopic: [
        { topic: `${site}/tags/markets/feed.xml`, subscriptions: 2 },
        { topic: `${site}/feed.xml`, subscriptions: 1 },
      ],
    });
    expect(report.hub.expiringSoon).toEqual([
      { id: soon, topic: `${site}/tags/markets/feed.xml`, callbackHost: 'three.example', expires: expect.any(String) },
    ]);
    const text = await cli(['status', '--state', ws.stateDir], ws.root);
    expect(text.out).toContain('hub          3 live subscriptions, 1 expired (removed at the next feed change)\n');
    expect(text.out).toContain(`  2  ${site}/tags/markets/feed.xml\n  1  ${site}/feed.xml\n`);
    expect(text.out).toMatch(
      new RegExp(`1 lease ending within 24 h:\\n    ${soon}  .*callback=three\\.example  expires=`),
    );
    expect(text.out).not.toContain('key=k');

    await writeFile(join(ws.stateDir, 'websub/subscriptions/ws_damaged.json'), '{"id": ');
    const damaged = await status();
    expect(damaged.code).toBe(1);
    expect(damaged.report.attention.map((a) => a.message)).toEqual([
      expect.stringMatching(/^websub\/subscriptions\/ws_damaged\.json: /),
    ]);
  });

  describe('with subscribers', () => {
    let ok: Receiver;
    let failing: Receiver;
    beforeEach(async () => {
      [ok, failing] = await Promise.all([
        startReceiver(),
        startReceiver({ reply: () => ({ kind: 'status', status: 500 }) }),
      ]);
    });
    afterEach(async () => {
      await Promise.all([ok.close(), failing.close()]);
    });

    it('counts pending and dead deliveries by subscriber and names failing subscribers', async () => {
      const add = async (url: string) => {
        const { out } = await cli(
          ['subscribers', 'add', url, '--state', ws.stateDir, '--allow-private-targets', '--json'],
          ws.root,
        );
        return (JSON.parse(out) as { id: string }).id;
      };
      const good = await add(ok.url);
      const bad = await add(failing.url);
      await ws.write('a.md', markdownArticle('A', 'Body.'));
      await cli(['build', ...dirs()], ws.root);
      const queued = await status();
      // article.published and feed.updated for each subscriber, all due: nothing sent yet.
      expect(queued.report.deliveries).toMatchObject({ source: 'outbox', pending: 4, due: 4, overdue: 0, dead: 0 });
      expect(queued.report.deliveries.bySubscriber[good]).toEqual({ pending: 2, dead: 0, deadReasons: {} });
      expect(queued.code).toBe(0);

      await cli(['deliver', '--state', ws.stateDir, '--allow-private-targets'], ws.root);
      const afterDeliver = await status();
      expect(afterDeliver.report.deliveries.bySubscriber[good]).toBeUndefined();
      expect(afterDeliver.report.deliveries.bySubscriber[bad]).toEqual({ pending: 2, dead: 0, deadReasons: {} });
      expect(afterDeliver.report.deliveries.due).toBe(0);
      const failingView = afterDeliver.report.subscribers.find((s) => s.id === bad);
      expect(failingView).toMatchObject({ status: 'active', consecutiveFailures: 2, lastError: 'HTTP 500' });
      expect(afterDeliver.report.subscribers.find((s) => s.id === good)?.lastSuccess).toEqual(expect.any(String));
      expect(afterDeliver.report.attention.map((a) => a.kind)).toEqual(['subscriber-failing']);
      expect(afterDeliver.code).toBe(1);

      // Without --allow-private-targets the guard dead-letters the failing subscriber's jobs as private-target.
      await cli(['deliveries', 'retry', (await pendingIds(ws))[0] as string, '--state', ws.stateDir], ws.root);
      const dead = await status();
      expect(dead.report.deliveries.bySubscriber[bad]).toEqual({
        pending: 1,
        dead: 1,
        deadReasons: { 'private-target': 1 },
      });
      expect(dead.report.attention.map((a) => a.kind)).toContain('dead-letters');
      const text = await cli(['status', '--state', ws.stateDir], ws.root);
      expect(text.out).toContain(`  ${bad}  1 pending, 1 dead (private-target 1)`);
      expect(text.code).toBe(1);
    });
  });
});

async function pendingIds(ws: Workspace): Promise<string[]> {
  const { out } = await cli(['deliveries', 'pending', '--state', ws.stateDir, '--json'], ws.root);
  return (JSON.parse(out) as { id: string }[]).map((job) => job.id);
}

describe('wirefeed status, S3 state on s3rver', () => {
  let s3: S3TestServer;
  let sqs: FakeSqs;
  let ws: Workspace;
  beforeAll(async () => {
    [s3, sqs] = await Promise.all([startS3Server(['site', 'state']), startFakeSqs()]);
    ws = await Workspace.create();
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), sqs?.stop(), ws?.dispose()]);
  });

  it('reads the same report from the state bucket, without writing to it, and counts the AWS queues with --queue', async () => {
    const env = { AWS_REGION: 'us-east-1', ...s3.env, AWS_ENDPOINT_URL_SQS: sqs.endpoint };
    const status = async (extra: string[] = []) => {
      const result = await cli(['status', '--state', 's3://state/wirefeed', '--json', ...extra], ws.root, env);
      expect(result.err).toBe('');
      return { code: result.code, report: JSON.parse(result.out) as Status };
    };
    expect((await status()).code).toBe(3);

    await ws.write('a.md', markdownArticle('A', 'Body.'));
    await ws.write('bad.txt', '');
    const build = ['build', '--content', ws.contentDir, '--out', 's3://site', '--state', 's3://state/wirefeed'];
    expect((await cli(build, ws.root, env)).code).toBe(1);
    s3.resetCounts();
    const first = await status();
    expect(first.code).toBe(1);
    expect(first.report.state).toBe('s3://state/wirefeed');
    expect(first.report.last).toMatchObject({ articles: 1, published: 1 });
    expect(first.report.rejected.map((r) => r.file)).toEqual(['articles/bad.txt']);
    expect(s3.count('PutObject') + s3.count('DeleteObject') + s3.count('DeleteObjects')).toBe(0);

    await ws.remove('bad.txt');
    expect((await cli(build, ws.root, env)).code).toBe(0);
    expect((await status()).code).toBe(0);

    // In AWS the deliveries are in SQS: counts of the DeliveryQueue and its DLQ, found from either URL.
    const queue = sqs.createQueue('Status-DeliveryQueue', { deadLetterQueue: 'Status-DeliveryDLQ' });
    sqs.createQueue('Status-DeliveryDLQ');
    const quiet = await status(['--queue', queue]);
    expect(quiet.report.deliveries).toMatchObject({ source: 'queue', pending: 0, dead: 0 });
    expect(quiet.code).toBe(0);
    const { SendMessageCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('Status-DeliveryDLQ'), MessageBody: '{}' }));
    await client.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{}' }));
    const loud = await status(['--queue', sqs.queueUrl('Status-DeliveryDLQ')]);
    expect(loud.report.deliveries).toMatchObject({ source: 'queue', pending: 1, due: 1, dead: 1 });
    expect(loud.report.attention.map((a) => a.kind)).toEqual(['dead-letters']);
    expect(loud.code).toBe(1);
    client.destroy();
  });
});
