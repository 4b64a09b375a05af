/** `wirefeed deliver [--wait]` and `wirefeed deliveries dead | replay [ID…] | log [--subscriber ID]`. */
import { createHttpSender } from '../adapters/http-sender.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import type { DeadLetter, DeadLetterReason } from '../core/delivery.ts';
import { printable } from '../core/display.ts';
import { UsageError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { type DrainResult, type DrainWait, deliveryDeps, drainOutbox } from '../pipeline/deliver.ts';
import { type CommandGroup, type CommandSpec, parseCommand, pickAction } from './args.ts';
import { type CliIo, type Command, printList } from './io.ts';
import {
  ALLOW_PRIVATE_OPTION,
  allowPrivateTargets,
  DEFAULT_TARGETS,
  JSON_OPTION,
  openTarget,
  STATE_OPTION,
} from './options.ts';

/** Dead letters listed one by one after a drain; the rest are counted (all of them: `wirefeed deliveries dead`). */
const SHOWN_DEAD_LETTERS = 10;

/** What to do about each kind of dead letter, printed once per kind after a drain. */
const REMEDIES: Record<DeadLetterReason, string> = {
  'private-target':
    'the target is local (loopback/private, http: or a port): for development, run with --allow-private-targets ' +
    'or WIREFEED_ALLOW_PRIVATE_TARGETS=1, then `wirefeed deliveries replay`',
  expired: 'every scheduled attempt failed: `wirefeed deliveries replay` tries again once the endpoint is fixed',
  disabled: 'the subscriber is disabled (it answered 410 Gone): remove it, or subscribe the endpoint again',
  refused: 'the SSRF guard refuses this URL outright: remove the subscriber and subscribe a public https URL',
  unreadable: 'the queued message is not a delivery job',
};

export const DELIVER_SPEC = {
  name: 'deliver',
  summary:
    'Sends every due webhook delivery once; with --wait, keeps going, sleeping until retries fall due, until\n' +
    'the outbox is empty (the retry schedule spans about 27 hours). Exit code 1 when a delivery was dead-lettered.',
  options: {
    ...STATE_OPTION,
    wait: { type: 'boolean', description: 'wait for retries until nothing is pending, saying what it waits for' },
    concurrency: { type: 'string', value: 'N', description: 'deliveries in flight at once (default 8)' },
    ...ALLOW_PRIVATE_OPTION,
  },
} as const satisfies CommandSpec;

/** `5 s`, `4 min 59 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
}

/** The summary line of a drain. */
export function describeDrain(summary: DrainResult): string {
  return (
    `wirefeed: webhooks: ${summary.delivered} delivered, ${summary.retried} to retry, ` +
    `${summary.dead} dead-lettered, ${summary.dropped} dropped\n`
  );
}

/** One line per dead letter (up to a few), then what to do about each kind of reason. */
export function describeDeadLetters(letters: readonly DeadLetter[]): string {
  const lines = letters
    .slice(0, SHOWN_DEAD_LETTERS)
    .map(
      ({ job, reason }) =>
        `  dead-lettered  ${job.subscriberId}  ${job.event.type} ${job.event.id}  ${reason}: ${printable(job.lastError ?? '')}`,
    );
  if (letters.length > SHOWN_DEAD_LETTERS) {
    lines.push(`  … and ${letters.length - SHOWN_DEAD_LETTERS} more (see wirefeed deliveries dead)`);
  }
  for (const reason of new Set(letters.map((letter) => letter.reason))) lines.push(`  ${reason}: ${REMEDIES[reason]}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function describeWait(wait: DrainWait): string {
  const { next } = wait;
  const last = next.lastError === undefined ? '' : `; last: ${printable(next.lastError)}`;
  return (
    `wirefeed: waiting ${formatDuration(wait.ms)} for ${wait.pending} pending deliver${wait.pending === 1 ? 'y' : 'ies'}: ` +
    `next ${next.event.type} ${next.event.id} to ${next.subscriberId}, attempt ${next.attempts + 1}, due ${next.notBefore}` +
    `${last} (Ctrl-C stops; they stay queued)\n`
  );
}

/**
 * Sends every due delivery once; with `--wait`, keeps going (sleeping until retries fall due) until the outbox
 * is empty, saying on stderr what it waits for. Exit code 1 when a delivery went to the dead letters in this run.
 */
export const deliverCommand: Command = async (argv, io) => {
  const { values } = parseCommand(DELIVER_SPEC, argv);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError('deliver: --concurrency must be a whole number ≥ 1');
  }
  const state = openTarget('--state', values.state ?? DEFAULT_TARGETS.state, io);
  const sender = createHttpSender({ allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'], io) });
  const outbox = new OutboxQueue(state);
  const wait = values.wait === true;
  if (wait) {
    const pending = (await outbox.pending()).length;
    io.stderr(
      `wirefeed: ${pending} pending deliver${pending === 1 ? 'y' : 'ies'}; sending and retrying until none is left\n`,
    );
  }
  const summary = await drainOutbox(outbox, deliveryDeps(state, sender), {
    concurrency,
    waitForRetries: wait,
    ...(wait
      ? {
          onWait: (next: DrainWait) => io.stderr(describeWait(next)),
          onRound: (totals: DrainResult) => io.stderr(describeDrain(totals).replace('webhooks:', 'so far:')),
        }
      : {}),
  });
  io.stdout(describeDrain(summary) + describeDeadLetters(summary.deadLetters));
  return summary.dead > 0 ? 1 : 0;
};

export const DELIVERIES: CommandGroup = {
  name: 'deliveries',
  summary: 'Shows and replays the local outbox: dead letters and the log of every attempt.',
  actions: {
    dead: {
      name: 'deliveries dead',
      summary: 'Lists the dead letters: jobs given up, with their reason and last error.',
      options: { ...STATE_OPTION, ...JSON_OPTION },
    },
    replay: {
      name: 'deliveries replay',
      args: '[ID...]',
      positionals: { min: 0, max: Number.POSITIVE_INFINITY },
      summary: 'Puts dead letters (all, or the job ids given) back in the outbox with a fresh schedule.',
      options: STATE_OPTION,
    },
    log: {
      name: 'deliveries log',
      summary: 'Lists every recorded attempt, oldest first.',
      options: {
        ...STATE_OPTION,
        subscriber: { type: 'string', value: 'ID', description: 'only the attempts for this subscriber' },
        ...JSON_OPTION,
      },
    },
  } satisfies Record<string, CommandSpec>,
};

type Action = (outbox: OutboxQueue, values: Record<string, unknown>, args: string[], io: CliIo) => Promise<number>;

const dead: Action = async (outbox, values, _args, io) =>
  printList(io, await outbox.listDead(), {
    json: values.json,
    none: 'no dead letters',
    line: ({ job, reason, deadAt }) =>
      `${job.id}  ${job.subscriberId}  ${job.event.type} ${job.event.id}  attempts=${job.attempts}  ` +
      `dead=${deadAt}  reason=${reason}  last=${job.lastStatus ?? '-'} ${printable(job.lastError ?? '')}`,
  });

const replay: Action = async (outbox, _values, ids, io) => {
  const replayed = await outbox.replay(ids.length > 0 ? ids : undefined, systemClock.now());
  const missing = ids.filter((id) => !replayed.includes(id));
  io.stdout(`re-queued ${replayed.length} deliver${replayed.length === 1 ? 'y' : 'ies'}\n`);
  for (const id of missing) io.stderr(`wirefeed: no dead letter ${printable(id)}\n`);
  return missing.length > 0 ? 1 : 0;
};

const log: Action = async (outbox, values, _args, io) => {
  const subscriber = values.subscriber as string | undefined;
  const attempts = await outbox.listAttempts(subscriber === undefined ? {} : { subscriberId: subscriber });
  return printList(io, attempts, {
    json: values.json,
    none: 'no delivery attempts',
    line: (a) =>
      `${a.time}  ${a.subscriberId}  ${a.eventType} ${a.eventId}  #${a.attempt}  ${a.outcome}  ` +
      `status=${a.status ?? '-'}  ${a.latencyMs} ms${a.error ? `  ${printable(a.error)}` : ''}`,
  });
};

const ACTIONS: Record<string, Action> = { dead, replay, log };

export const deliveriesCommand: Command = async (argv, io) => {
  const { action, rest } = pickAction(DELIVERIES, argv);
  const { values, positionals } = parseCommand(DELIVERIES.actions[action] as CommandSpec, rest);
  const state = (values.state as string | undefined) ?? DEFAULT_TARGETS.state;
  return (ACTIONS[action] as Action)(new OutboxQueue(openTarget('--state', state, io)), values, positionals, io);
};
