/** `wirefeed deliver [--wait]` and `wirefeed deliveries dead | replay [ID…] | log [--subscriber ID]`. */
import { createHttpSender } from '../adapters/http-sender.ts';
import { openStore } from '../adapters/open-store.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { UsageError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { deliveryDeps, drainOutbox } from '../pipeline/deliver.ts';
import { parseArgs } from './args.ts';
import { DEFAULT_TARGETS } from './build-command.ts';
import type { Command } from './io.ts';
import { allowPrivateTargets } from './subscribers-command.ts';

/**
 * Sends every due delivery once; with `--wait`, keeps going (sleeping until retries fall due) until the outbox
 * is empty. Exit code 1 when a delivery went to the dead letters in this run.
 */
export const deliverCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs('deliver', argv, {
    state: { type: 'string' },
    wait: { type: 'boolean' },
    concurrency: { type: 'string' },
    'allow-private-targets': { type: 'boolean' },
  } as const);
  if (positionals.length > 0) throw new UsageError('deliver: takes no arguments');
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('deliver: --concurrency must be ≥ 1');
  const state = openStore(values.state ?? DEFAULT_TARGETS.state, io.env, io.cwd);
  const allowPrivate = allowPrivateTargets(values['allow-private-targets'], io);
  const summary = await drainOutbox(
    new OutboxQueue(state),
    deliveryDeps(state, createHttpSender({ allowPrivateTargets: allowPrivate })),
    { concurrency, waitForRetries: values.wait === true },
  );
  io.stdout(
    `wirefeed: webhooks: ${summary.delivered} delivered, ${summary.retried} to retry, ` +
      `${summary.dead} dead-lettered, ${summary.dropped} dropped\n`,
  );
  return summary.dead > 0 ? 1 : 0;
};

export const deliveriesCommand: Command = async (argv, io) => {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs(`deliveries ${action ?? ''}`.trim(), rest, {
    state: { type: 'string' },
    subscriber: { type: 'string' },
    json: { type: 'boolean' },
  } as const);
  const outbox = new OutboxQueue(openStore(values.state ?? DEFAULT_TARGETS.state, io.env, io.cwd));
  switch (action) {
    case 'dead': {
      if (positionals.length > 0) throw new UsageError('deliveries dead: takes no arguments');
      const dead = await outbox.listDead();
      if (values.json) {
        io.stdout(`${JSON.stringify(dead, null, 2)}\n`);
        return 0;
      }
      if (dead.length === 0) io.stdout('no dead letters\n');
      for (const { job, reason, deadAt } of dead) {
        io.stdout(
          `${job.id}  ${job.subscriberId}  ${job.event.type} ${job.event.id}  attempts=${job.attempts}  ` +
            `dead=${deadAt}  reason=${reason}  last=${job.lastStatus ?? '-'} ${job.lastError ?? ''}\n`,
        );
      }
      return 0;
    }
    case 'replay': {
      const replayed = await outbox.replay(positionals.length > 0 ? [...positionals] : undefined, systemClock.now());
      const missing = positionals.filter((id) => !replayed.includes(id));
      io.stdout(`re-queued ${replayed.length} deliver${replayed.length === 1 ? 'y' : 'ies'}\n`);
      for (const id of missing) io.stderr(`wirefeed: no dead letter ${id}\n`);
      return missing.length > 0 ? 1 : 0;
    }
    case 'log': {
      if (positionals.length > 0) throw new UsageError('deliveries log: takes no arguments');
      const attempts = await outbox.listAttempts(
        values.subscriber === undefined ? {} : { subscriberId: values.subscriber },
      );
      if (values.json) {
        io.stdout(`${JSON.stringify(attempts, null, 2)}\n`);
        return 0;
      }
      if (attempts.length === 0) io.stdout('no delivery attempts\n');
      for (const a of attempts) {
        io.stdout(
          `${a.time}  ${a.subscriberId}  ${a.eventType} ${a.eventId}  #${a.attempt}  ${a.outcome}  ` +
            `status=${a.status ?? '-'}  ${a.latencyMs} ms${a.error ? `  ${a.error}` : ''}\n`,
        );
      }
      return 0;
    }
    default:
      throw new UsageError('deliveries: expected dead | replay [ID…] | log [--subscriber ID]');
  }
};
