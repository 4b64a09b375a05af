/**
 * `wirefeed deliver [--wait]` and `wirefeed deliveries pending | retry ID | dead | replay [ID…] | log`: the local
 * outbox, or with `--queue` the DeliveryQueue and its DLQ in AWS.
 */
import { createHttpSender } from '../adapters/http-sender.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import {
  type DeadLetter,
  type DeadLetterReason,
  type DeadLetterSelection,
  type DeliveryJob,
  jobSummary,
} from '../core/delivery.ts';
import { displayUrl, printable, printableJson } from '../core/display.ts';
import { UsageError, WirefeedError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';
import {
  attemptRecord,
  type DeliveryDeps,
  type DrainResult,
  type DrainWait,
  deliverJob,
  deliveryDeps,
  drainOutbox,
} from '../pipeline/deliver.ts';
import type { HealthNote } from '../pipeline/subscriber-health.ts';
import { type CommandGroup, type CommandSpec, type OptionSpec, parseCommand, pickAction } from './args.ts';
import { type CliIo, type Command, printList } from './io.ts';
import {
  ALLOW_PRIVATE_OPTION,
  allowPrivateTargets,
  DEFAULT_TARGETS,
  DISABLE_AFTER_OPTION,
  disableAfter,
  JSON_OPTION,
  openDeadLetters,
  openTarget,
  parseSince,
  QUEUE_OPTION,
  SINCE_OPTION,
  STATE_OPTION,
} from './options.ts';

/** Where `deliver` reads the published feeds that WebSub distributions send. */
const OUT_OPTION = {
  out: {
    type: 'string',
    value: 'DIR|s3://BUCKET[/PREFIX]',
    description: 'published files, which WebSub distributions send (default public)',
  },
} as const satisfies Record<string, OptionSpec>;

/** Dead letters listed one by one after a drain; the rest are counted (all of them: `wirefeed deliveries dead`). */
const SHOWN_DEAD_LETTERS = 10;

/** What to do about each kind of dead letter, printed once per kind after a drain. */
const REMEDIES: Record<DeadLetterReason, string> = {
  'private-target':
    'the target is local (loopback/private, http: or a port): for development, run with --allow-private-targets ' +
    'or WIREFEED_ALLOW_PRIVATE_TARGETS=1, then `wirefeed deliveries replay`',
  expired: 'every scheduled attempt failed: `wirefeed deliveries replay` tries again once the endpoint is fixed',
  disabled:
    'the subscriber is disabled (410 Gone, or failing too long): `wirefeed subscribers enable ID --replay` once it is fixed',
  paused: 'the subscriber is paused: `wirefeed subscribers resume ID` delivers these',
  unfinished: 'no attempt finished (the function crashed or timed out): `wirefeed deliveries replay --queue URL`',
  refused: 'the SSRF guard refuses this URL outright: remove the subscriber and subscribe a public https URL',
  unreadable: 'the queued message is not a delivery job',
};

export const DELIVER_SPEC = {
  name: 'deliver',
  summary:
    "Sends every due delivery (webhooks, WebSub pings, the hub's verifications and distributions) once; with\n" +
    '--wait, keeps going, sleeping until retries fall due, until the outbox is empty (the retry schedule spans\n' +
    'about 27 hours). Exit code 1 when a delivery was dead-lettered.',
  options: {
    ...STATE_OPTION,
    ...OUT_OPTION,
    wait: { type: 'boolean', description: 'wait for retries until nothing is pending, saying what it waits for' },
    concurrency: { type: 'string', value: 'N', description: 'deliveries in flight at once (default 8)' },
    ...DISABLE_AFTER_OPTION,
    ...ALLOW_PRIVATE_OPTION,
  },
} as const satisfies CommandSpec;

/** One line about what health bookkeeping did: a subscriber disabled, or the bookkeeping itself failing. */
export function describeHealthNote(note: HealthNote): string {
  if (note.kind === 'error') {
    const reason = note.error instanceof Error ? note.error.message : String(note.error);
    return `wirefeed: health of ${note.subscriberId} not recorded (the delivery itself is settled): ${printable(reason)}\n`;
  }
  const told = note.notified === 1 ? '1 operator subscriber told' : `${note.notified} operator subscribers told`;
  return (
    `wirefeed: subscriber ${note.subscriber.id} disabled: ${printable(note.subscriber.disabledReason ?? '')}; ${told}; ` +
    `once fixed: wirefeed subscribers enable ${note.subscriber.id} --replay\n`
  );
}

/**
 * The delivery dependencies of the deliver and dev commands: health bookkeeping with the configured disable period,
 * `endpoint.disabled` queued in the outbox, notes printed on stderr, and the output root (`--out`) WebSub
 * distributions send their topics from.
 */
export function localDeliveryDeps(
  command: string,
  state: ObjectStore,
  values: {
    'allow-private-targets'?: boolean | undefined;
    'disable-after'?: string | undefined;
    out?: string | undefined;
  },
  io: CliIo,
): DeliveryDeps {
  const sender = createHttpSender({ allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'], io) });
  return deliveryDeps(state, sender, {
    output: openTarget('--out', values.out ?? DEFAULT_TARGETS.out, io),
    disableAfterMs: disableAfter(command, values['disable-after'], io),
    notify: new OutboxQueue(state),
    onHealthNote: (note) => io.stderr(describeHealthNote(note)),
  });
}

/** `5 s`, `4 min 59 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
}

/** `<subscriber>  <event type> <event id>` for a webhook; the hub subscription (or hub), kind and id for WebSub. */
function describeJob(job: DeliveryJob): string {
  const { party, type, ref } = jobSummary(job);
  return `${displayUrl(party)}  ${type} ${ref}`;
}

/** `<event type> <event id> to <subscriber>` (the WebSub job kind and id, to the subscription or hub). */
function describeNext(job: DeliveryJob): string {
  const { party, type, ref } = jobSummary(job);
  return `${type} ${ref} to ${displayUrl(party)}`;
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
    .map(({ job, reason }) => `  dead-lettered  ${describeJob(job)}  ${reason}: ${printable(job.lastError ?? '')}`);
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
    `next ${describeNext(next)}, attempt ${next.attempts + 1}, due ${next.notBefore}` +
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
  const deps = localDeliveryDeps('deliver', state, values, io);
  const outbox = new OutboxQueue(state);
  const wait = values.wait === true;
  if (wait) {
    const pending = (await outbox.pending()).length;
    io.stderr(
      `wirefeed: ${pending} pending deliver${pending === 1 ? 'y' : 'ies'}; sending and retrying until none is left\n`,
    );
  }
  const summary = await drainOutbox(outbox, deps, {
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

const SELECT_OPTIONS = {
  subscriber: { type: 'string', value: 'ID', description: 'only those of this subscriber' },
  ...SINCE_OPTION,
} as const;

export const DELIVERIES: CommandGroup = {
  name: 'deliveries',
  summary:
    'Shows, retries and replays deliveries: the local outbox in --state, or with --queue the DeliveryQueue and\n' +
    'its DeliveryDLQ in AWS.',
  actions: {
    pending: {
      name: 'deliveries pending',
      summary:
        'Lists the deliveries waiting, due now or scheduled for a retry, soonest first. With --queue, the counts\n' +
        'SQS keeps (it shows no message without receiving it).',
      options: {
        ...STATE_OPTION,
        subscriber: SELECT_OPTIONS.subscriber,
        ...QUEUE_OPTION,
        ...JSON_OPTION,
      },
    },
    retry: {
      name: 'deliveries retry',
      args: 'ID',
      positionals: { min: 1, max: 1 },
      summary:
        'Attempts one waiting delivery now, without waiting for its retry time, and settles it as usual.\n' +
        'Exit code 1 unless it was delivered.',
      options: { ...STATE_OPTION, ...DISABLE_AFTER_OPTION, ...ALLOW_PRIVATE_OPTION },
    },
    dead: {
      name: 'deliveries dead',
      summary:
        'Lists the dead letters: jobs given up, with their reason and last error. With --queue, reads the\n' +
        'DeliveryDLQ without removing anything (messages are hidden for at most 2 minutes while it reads).',
      options: { ...STATE_OPTION, ...QUEUE_OPTION, ...SELECT_OPTIONS, ...JSON_OPTION },
    },
    replay: {
      name: 'deliveries replay',
      args: '[ID...]',
      positionals: { min: 0, max: Number.POSITIVE_INFINITY },
      summary:
        'Delivers dead letters again (all, the job ids given, or those selected), oldest first, with a fresh\n' +
        'schedule and their original webhook-id. With --queue, sends each to the DeliveryQueue, then deletes it\n' +
        'from the DeliveryDLQ.',
      options: { ...STATE_OPTION, ...QUEUE_OPTION, ...SELECT_OPTIONS },
    },
    log: {
      name: 'deliveries log',
      summary: 'Lists every recorded attempt of the local outbox, oldest first.',
      options: {
        ...STATE_OPTION,
        subscriber: { type: 'string', value: 'ID', description: 'only the attempts for this subscriber' },
        ...JSON_OPTION,
      },
    },
  } satisfies Record<string, CommandSpec>,
};

type Values = Record<string, string | boolean | undefined>;
type Action = (values: Values, args: string[], io: CliIo) => Promise<number>;

function localOutbox(values: Values, io: CliIo): OutboxQueue {
  return new OutboxQueue(openTarget('--state', (values.state as string | undefined) ?? DEFAULT_TARGETS.state, io));
}

/** The selection `--subscriber`, `--since` and job ids make. */
export function selection(command: string, values: Values, ids: readonly string[] = []): DeadLetterSelection {
  const since = parseSince(command, values.since as string | undefined, systemClock.now());
  return {
    ...(ids.length > 0 ? { jobIds: ids } : {}),
    ...(values.subscriber === undefined ? {} : { subscriberId: values.subscriber as string }),
    ...(since === undefined ? {} : { since }),
  };
}

function jobLine(job: DeliveryJob, now: Date): string {
  const due = Date.parse(job.notBefore) <= now.getTime() ? 'due' : `scheduled ${job.notBefore}`;
  const last = job.lastError === undefined ? '' : `  last=${job.lastStatus ?? '-'} ${printable(job.lastError)}`;
  return `${job.id}  ${describeJob(job)}  attempts=${job.attempts}  ${due}${last}`;
}

const pending: Action = async (values, _args, io) => {
  if (values.queue !== undefined) {
    const { createSqsClient, queueCounts, resolveDeliveryQueues } = await import('../adapters/sqs-dead-letters.ts');
    const client = createSqsClient(io.env);
    const queues = await resolveDeliveryQueues(client, values.queue as string);
    const [queue, dead] = await Promise.all([
      queueCounts(client, queues.queueUrl),
      queueCounts(client, queues.deadLetterQueueUrl),
    ]);
    const counts = { queue: queues.queueUrl, due: queue.visible, inFlight: queue.inFlight, delayed: queue.delayed };
    if (values.json) io.stdout(`${printableJson({ ...counts, dead: dead.visible + dead.inFlight })}\n`);
    else {
      io.stdout(
        `${queue.visible} due, ${queue.inFlight} in flight or waiting to retry, ${queue.delayed} delayed; ` +
          `${dead.visible + dead.inFlight} dead (SQS counts, about a minute behind)\n`,
      );
    }
    return 0;
  }
  const now = systemClock.now();
  const subscriber = values.subscriber as string | undefined;
  const jobs = (await localOutbox(values, io).pending()).filter(
    (job) => subscriber === undefined || jobSummary(job).party === subscriber,
  );
  return printList(io, jobs, { json: values.json, none: 'no pending deliveries', line: (job) => jobLine(job, now) });
};

const retry: Action = async (values, [id], io) => {
  const state = openTarget('--state', (values.state as string | undefined) ?? DEFAULT_TARGETS.state, io);
  const outbox = new OutboxQueue(state);
  const deps = localDeliveryDeps('deliveries retry', state, values, io);
  const job = await outbox.retryNow(id as string, deps.clock.now());
  if (job === null) {
    const dead = (await outbox.list({ jobIds: [id as string] })).letters.length > 0;
    throw new WirefeedError(
      `no pending delivery ${id}${dead ? ' (it is a dead letter: wirefeed deliveries replay ID)' : ''}`,
    );
  }
  const settled = await deliverJob(job, deps, outbox, (report) => outbox.recordAttempt(attemptRecord(job, report)));
  const { outcome } = settled;
  const what =
    outcome.kind === 'delivered'
      ? `delivered (${outcome.status}) in ${outcome.latencyMs} ms`
      : outcome.kind === 'retry'
        ? `failed (${printable(outcome.error)}); next attempt in ${formatDuration(outcome.delayMs)}`
        : outcome.kind === 'dead'
          ? `dead-lettered, ${outcome.reason}: ${printable(outcome.error)}`
          : `dropped: ${outcome.error}`;
  io.stdout(`${job.id}  ${describeNext(job)}: ${what}\n`);
  return outcome.kind === 'delivered' ? 0 : 1;
};

function letterLine({ job, reason, deadAt }: DeadLetter): string {
  return (
    `${job.id}  ${describeJob(job)}  attempts=${job.attempts}  ` +
    `dead=${deadAt}  reason=${reason}  last=${job.lastStatus ?? '-'} ${printable(job.lastError ?? '')}`
  );
}

const dead: Action = async (values, _args, io) => {
  const box = await openDeadLetters(values as { queue?: string; state?: string }, io);
  const { letters, unreadable } = await box.list(selection('deliveries dead', values));
  if (values.json) {
    io.stdout(`${printableJson(unreadable.length > 0 ? { letters, unreadable } : letters, 2)}\n`);
    return 0;
  }
  printList(io, letters, { json: false, none: 'no dead letters', line: letterLine });
  for (const message of unreadable) {
    io.stdout(
      `unreadable message ${printable(message.messageId)}: ${printable(message.error)}: ${printable(message.body)}\n`,
    );
  }
  return 0;
};

const replay: Action = async (values, ids, io) => {
  const box = await openDeadLetters(values as { queue?: string; state?: string }, io);
  const replayed = await box.replay(selection('deliveries replay', values, ids), systemClock.now());
  const found = new Set(replayed.map((letter) => letter.job.id));
  const missing = ids.filter((id) => !found.has(id));
  io.stdout(
    `re-queued ${replayed.length} deliver${replayed.length === 1 ? 'y' : 'ies'}, each with its original webhook-id\n`,
  );
  for (const id of missing) io.stderr(`wirefeed: no dead letter ${printable(id)} in ${printable(box.location)}\n`);
  return missing.length > 0 ? 1 : 0;
};

const log: Action = async (values, _args, io) => {
  const subscriber = values.subscriber as string | undefined;
  const attempts = await localOutbox(values, io).listAttempts(
    subscriber === undefined ? {} : { subscriberId: subscriber },
  );
  return printList(io, attempts, {
    json: values.json,
    none: 'no delivery attempts',
    line: (a) =>
      `${a.time}  ${a.subscriberId}  ${a.eventType} ${a.eventId}  #${a.attempt}  ${a.outcome}  ` +
      `status=${a.status ?? '-'}  ${a.latencyMs} ms${a.error ? `  ${printable(a.error)}` : ''}`,
  });
};

const ACTIONS: Record<string, Action> = { pending, retry, dead, replay, log };

export const deliveriesCommand: Command = async (argv, io) => {
  const { action, rest } = pickAction(DELIVERIES, argv);
  const { values, positionals } = parseCommand(DELIVERIES.actions[action] as CommandSpec, rest);
  if (values.queue !== undefined && values.state !== undefined) {
    throw new UsageError(`deliveries ${action}: --queue and --state name two different places; give one`);
  }
  return (ACTIONS[action] as Action)(values, positionals, io);
};
