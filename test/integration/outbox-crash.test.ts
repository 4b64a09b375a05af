import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { DeliveryJob } from '../../functions/core/delivery.ts';
import type { WebhookEvent } from '../../functions/core/events.ts';
import { fanOut } from '../../functions/core/fan-out.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { type DeliveryDeps, drainOutbox } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

const JOBS = 30;
let dir: string;
let receiver: Receiver;
let state: FsStore;
let subscribers: SubscriberRepository;

function events(count: number): WebhookEvent[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `evt_crash_${n}`,
    type: 'feed.updated',
    timestamp: '2024-05-01T00:00:00.000Z',
    data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [`a${n}`], updated: [], deleted: [] },
  }));
}

function deps(): DeliveryDeps {
  return {
    subscribers,
    sender: createHttpSender({ allowPrivateTargets: true, timeoutMs: 5000 }),
    clock: systemClock,
    schedule: [5],
  };
}

async function seed(): Promise<WebhookEvent[]> {
  const subscriber = await subscribers.add(receiver.url, { allowPrivateTargets: true, now: new Date() });
  receiver.secrets = [subscriber.secrets[0]?.secret ?? ''];
  const list = events(JOBS);
  await new OutboxQueue(state).enqueue(fanOut(list, [subscriber], new Date()));
  return list;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-crash-'));
  state = new FsStore(dir);
  subscribers = new SubscriberRepository(state);
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** An outbox whose `complete` fails, as if the process died right after the receiver answered 2xx. */
class CrashAfterSendOutbox extends OutboxQueue {
  override async complete(_job: DeliveryJob): Promise<void> {
    throw new Error('crashed before the job was removed');
  }
}

it('redelivers with the same webhook-id every job whose success was not recorded before a crash', async () => {
  const list = await seed();
  await expect(drainOutbox(new CrashAfterSendOutbox(state), deps())).rejects.toThrow(/crashed/);
  expect(receiver.requests).toHaveLength(JOBS);
  expect(await new OutboxQueue(state).pending()).toHaveLength(JOBS);

  const totals = await drainOutbox(new OutboxQueue(state), deps());
  expect(totals).toEqual({ delivered: JOBS, retried: 0, dead: 0, dropped: 0, deadLetters: [] });
  expect(await new OutboxQueue(state).pending()).toEqual([]);
  for (const event of list) {
    const copies = receiver.requests.filter((r) => r.webhookId === event.id);
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect(copy.verifiedBy).toEqual([0]);
  }
});

it('delivers after a restart what a drain killed mid-way left pending: nothing lost', async () => {
  const list = await seed();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./outbox-crash-child.ts', import.meta.url)), dir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  // Answer slowly, and kill the drain while the 10th request is in flight: it was sent, its outcome never recorded.
  receiver.reply = ({ n }) => {
    if (n === 10) child.kill('SIGKILL');
    return { kind: 'status', status: 200, delayMs: 20 };
  };
  const how = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000))]);
  expect(how, stderr).toBe('SIGKILL');
  const seenBeforeRestart = receiver.requests.length;
  const pendingAfterCrash = (await new OutboxQueue(state).pending()).length;
  expect(seenBeforeRestart).toBeGreaterThanOrEqual(10);
  expect(seenBeforeRestart).toBeLessThan(JOBS);
  expect(pendingAfterCrash).toBeGreaterThan(JOBS - seenBeforeRestart);

  receiver.reply = () => ({ kind: 'status', status: 200 });
  await drainOutbox(new OutboxQueue(state), deps());
  expect(await new OutboxQueue(state).pending()).toEqual([]);
  const received = new Set(receiver.requests.map((r) => r.webhookId));
  expect(list.filter((event) => !received.has(event.id))).toEqual([]);
  // Duplicates are exactly the jobs that were sent but not yet recorded when the process died.
  const duplicates = receiver.requests.length - JOBS;
  expect(duplicates).toBe(pendingAfterCrash - (JOBS - seenBeforeRestart));
  expect(duplicates).toBeGreaterThanOrEqual(1);
  expect(duplicates).toBeLessThanOrEqual(2);
});
