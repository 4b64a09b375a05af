/**
 * `wirefeed status [--state DIR|s3://…] [--queue URL] [--json]`: whether the last publish worked, what is rejected,
 * what deliveries wait or are dead (by subscriber), how each subscriber is doing; exit code 1 when something needs a
 * person (README, "Status"), so it can run from cron or CI.
 */
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { printable, printableJson } from '../core/display.ts';
import type { ObjectStore } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';
import {
  type Attention,
  attentionOf,
  type DeliveriesView,
  NEAR_EXPIRY_MS,
  OVERDUE_MS,
  type StatusReport,
  statusExitCode,
} from '../core/status.ts';
import { outboxDeliveries, readStatus } from '../pipeline/status.ts';
import { type CommandSpec, parseCommand } from './args.ts';
import type { CliIo, Command } from './io.ts';
import { DEFAULT_TARGETS, JSON_OPTION, openTarget, QUEUE_OPTION, STATE_OPTION } from './options.ts';

export const STATUS_SPEC = {
  name: 'status',
  summary:
    'Says whether the last publish worked (when, counts, rejected files), what deliveries are pending or dead by\n' +
    'subscriber, and how each subscriber is doing; reads only, locally or against S3 state (--state s3://…) and,\n' +
    'with --queue, the DeliveryQueue in AWS. Exit codes: 0 all well, 1 something needs attention (listed) or the\n' +
    'state could not be read, 2 usage error, 3 nothing was ever published with this state.',
  options: { ...STATE_OPTION, ...QUEUE_OPTION, ...JSON_OPTION },
} as const satisfies CommandSpec;

/** SQS's counts of the DeliveryQueue and its DLQ: no per-subscriber view without receiving every message. */
async function queueDeliveries(queue: string, io: CliIo): Promise<DeliveriesView> {
  const { createSqsClient, queueCounts, resolveDeliveryQueues } = await import('../adapters/sqs-dead-letters.ts');
  const client = createSqsClient(io.env);
  const queues = await resolveDeliveryQueues(client, queue);
  const [live, dead] = await Promise.all([
    queueCounts(client, queues.queueUrl),
    queueCounts(client, queues.deadLetterQueueUrl),
  ]);
  return {
    source: 'queue',
    pending: live.visible + live.inFlight + live.delayed,
    due: live.visible,
    // SQS does not say how long a message has been due; the queue's age-of-oldest-message alarm watches that.
    overdue: 0,
    dead: dead.visible + dead.inFlight,
    bySubscriber: {},
  };
}

async function localDeliveries(state: ObjectStore, now: Date): Promise<DeliveriesView> {
  const outbox = new OutboxQueue(state);
  const [pending, dead] = await Promise.all([outbox.pending(), outbox.listDead()]);
  return outboxDeliveries(pending, dead, now);
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Topics listed by name in the terminal view; the JSON view lists them all. */
const HUB_TOPIC_LINES = 20;

/** The hub's subscriptions: count per topic, and leases near their end. */
function describeHub(hub: StatusReport['hub']): string[] {
  const expired = hub.expired > 0 ? `, ${hub.expired} expired (removed at the next feed change)` : '';
  const lines = [`hub          ${count(hub.live, 'live subscription')}${expired}`];
  for (const { topic, subscriptions } of hub.byTopic.slice(0, HUB_TOPIC_LINES)) {
    lines.push(`  ${printable(`${subscriptions}  ${topic}`)}`);
  }
  if (hub.byTopic.length > HUB_TOPIC_LINES) {
    lines.push(`  … ${count(hub.byTopic.length - HUB_TOPIC_LINES, 'more topic')} (--json lists every one)`);
  }
  if (hub.expiringSoon.length > 0) {
    lines.push(`  ${count(hub.expiringSoon.length, 'lease')} ending within ${NEAR_EXPIRY_MS / 3_600_000} h:`);
    for (const s of hub.expiringSoon.slice(0, HUB_TOPIC_LINES)) {
      lines.push(`    ${printable(`${s.id}  ${s.topic}  callback=${s.callbackHost}  expires=${s.expires}`)}`);
    }
  }
  return lines;
}

/** The report as lines for a terminal. */
export function describeStatus(report: StatusReport, attention: readonly Attention[]): string {
  const lines = [`state        ${printable(report.state)}`];
  const { last, running, failure, deliveries } = report;
  if (last === null) lines.push('last publish none recorded');
  else {
    const seconds = Math.max(0, (Date.parse(last.finished) - Date.parse(last.started)) / 1000);
    lines.push(
      `last publish ${last.finished} (run ${printable(last.run)}, ${seconds.toFixed(1)} s): ${count(last.articles, 'article')}; ` +
        `${last.published} published, ${last.updated} updated, ${last.deleted} deleted; ` +
        `${count(last.filesWritten, 'file')} written, ${last.filesDeleted} deleted`,
    );
  }
  if (failure !== null) lines.push(`last failure ${failure.at}: ${printable(failure.error)}`);
  if (running !== null) {
    lines.push(
      running.leaseHeld
        ? `publishing   run ${printable(running.run)} since ${running.started} (phase ${running.phase})`
        : `unfinished   run ${printable(running.run)} since ${running.started} (phase ${running.phase}); the next publish continues it`,
    );
  }
  lines.push(`rejected     ${report.rejected.length}`);
  for (const { file, reason } of report.rejected) lines.push(`  ${printable(`${file}: ${reason}`)}`);
  const sqs = deliveries.source === 'queue' ? ' (SQS counts, about a minute behind)' : '';
  lines.push(
    `deliveries   ${deliveries.pending} pending (${deliveries.due} due), ${deliveries.dead} dead${sqs}` +
      (deliveries.overdue > 0 ? `; ${deliveries.overdue} due for over ${OVERDUE_MS / 3_600_000} h` : ''),
  );
  for (const [id, entry] of Object.entries(deliveries.bySubscriber).sort(([a], [b]) => a.localeCompare(b))) {
    const reasons = Object.entries(entry.deadReasons)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    lines.push(`  ${printable(id)}  ${entry.pending} pending, ${entry.dead} dead${reasons ? ` (${reasons})` : ''}`);
  }
  lines.push(`subscribers  ${report.subscribers.length}`);
  for (const s of report.subscribers) {
    const status = s.status === 'disabled' && s.disabledReason ? `disabled (${s.disabledReason})` : s.status;
    const success = s.lastSuccess ? `last success ${s.lastSuccess}` : 'no success yet';
    const health =
      s.failingSince !== undefined
        ? `failing: ${s.consecutiveFailures} in a row since ${s.failingSince}, ${success}`
        : s.lastSuccess
          ? `healthy, ${success}`
          : 'no deliveries yet';
    lines.push(`  ${printable(`${s.id}  ${status}  ${s.url}  ${health}`)}`);
  }
  lines.push(...describeHub(report.hub));
  if (attention.length === 0)
    lines.push(last === null && running === null ? 'attention    nothing published yet' : 'ok');
  else {
    lines.push(`attention    ${attention.length}`);
    for (const item of attention) lines.push(`  ${printable(item.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

export const statusCommand: Command = async (argv, io) => {
  const { values } = parseCommand(STATUS_SPEC, argv);
  const state = openTarget('--state', values.state ?? DEFAULT_TARGETS.state, io);
  const now = systemClock.now();
  const deliveries =
    values.queue === undefined ? await localDeliveries(state, now) : await queueDeliveries(values.queue, io);
  const report = await readStatus(state, deliveries, now);
  const attention = attentionOf(report, now);
  const exit = statusExitCode(report, attention);
  if (values.json) io.stdout(`${printableJson({ ...report, attention, exitCode: exit }, 2)}\n`);
  else io.stdout(describeStatus(report, attention));
  return exit;
};
