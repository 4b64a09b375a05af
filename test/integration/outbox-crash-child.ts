// Drains the outbox of the state directory given as argument, slowly; the crash test kills it mid-way.
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { drainOutbox } from '../../functions/pipeline/deliver.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: outbox-crash-child STATE_DIR');
const state = new FsStore(stateDir);
await drainOutbox(
  new OutboxQueue(state),
  {
    subscribers: new SubscriberRepository(state),
    sender: createHttpSender({ allowPrivateTargets: true, timeoutMs: 5000 }),
    clock: systemClock,
    schedule: [5],
  },
  { concurrency: 2 },
);
