// Publishes DIR/content into DIR/public with state in DIR/.wirefeed, like `wirefeed build`, and kills itself
// with SIGKILL just before its Nth write (put or delete, output and state stores counted together), so a
// crash test can stop a real build at a point the build itself defines rather than at a time.
import { join } from 'node:path';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import type { ObjectStore, PutOptions } from '../../functions/core/ports.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { publish } from '../../functions/pipeline/publish.ts';

const [dir, killAt] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: publish-kill-child DIR [KILL_BEFORE_WRITE_N]');
const limit = killAt === undefined ? Number.POSITIVE_INFINITY : Number(killAt);
let writes = 0;

function beforeWrite(): void {
  writes += 1;
  if (writes >= limit) process.kill(process.pid, 'SIGKILL');
}

/** The directory store, dying before the Nth write it is asked for. */
function killing(inner: ObjectStore): ObjectStore {
  return {
    location: inner.location,
    get: (key) => inner.get(key),
    head: (key) => inner.head(key),
    list: (prefix) => inner.list(prefix),
    put: (key: string, body: Uint8Array | string, options?: PutOptions) => {
      beforeWrite();
      return inner.put(key, body, options);
    },
    delete: (key, options) => {
      beforeWrite();
      return inner.delete(key, options);
    },
  };
}

const state = killing(new FsStore(join(dir, '.wirefeed')));
await publish({
  content: new FsStore(join(dir, 'content')),
  output: killing(new FsStore(join(dir, 'public'))),
  state,
  queue: new OutboxQueue(state),
  clock: systemClock,
});
// The total lets the test choose kill points across the whole build.
process.stdout.write(`${JSON.stringify({ writes })}\n`);
