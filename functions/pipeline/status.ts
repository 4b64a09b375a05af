/**
 * `wirefeed status`'s reading of a state store (docs/ARCHITECTURE.md, "Status"): the last finished publish and the
 * latest failure, a run in progress, rejected sources, subscribers with their health. Read-only — it takes no lease
 * and writes nothing — and the same on a directory and on S3. Deliveries come from the caller (the local outbox, or
 * the SQS queues in AWS), already summarized.
 */
import { type DeadLetter, type DeliveryJob, jobSummary } from '../core/delivery.ts';
import { maskCredentials } from '../core/display.ts';
import type { ObjectStore } from '../core/ports.ts';
import { LAST_FAILURE_KEY } from '../core/state-keys.ts';
import { type DeliveriesView, hubViewOf, OVERDUE_MS, type PublishFailure, type StatusReport } from '../core/status.ts';
import { Journal } from './publish/journal.ts';
import { describeLease } from './publish/lock.ts';
import { SourceIndex } from './publish/source-index.ts';
import { JSON_TYPE, parseStateJson, textOf } from './publish/state.ts';
import { SubscriberRepository } from './subscribers.ts';
import { HubSubscriptions } from './websub/subscriptions.ts';

/**
 * Records a failed publish for `wirefeed status`. Best effort: when the state store is what failed, this fails too,
 * and the publish's own error is what the caller reports.
 */
export async function recordFailure(state: ObjectStore, now: Date, error: unknown): Promise<void> {
  const failure: PublishFailure = {
    at: now.toISOString(),
    errorName: error instanceof Error ? error.name : 'Error',
    error: error instanceof Error ? error.message : String(error),
  };
  await state.put(LAST_FAILURE_KEY, `${JSON.stringify(failure)}\n`, JSON_TYPE).catch(() => undefined);
}

/** Forgets a recorded failure after a run that succeeded without writing the root record: one HEAD, else nothing. */
export async function clearFailure(state: ObjectStore): Promise<void> {
  if ((await state.head(LAST_FAILURE_KEY)) !== null) await state.delete(LAST_FAILURE_KEY);
}

async function readFailure(state: ObjectStore): Promise<PublishFailure | null> {
  const object = await state.get(LAST_FAILURE_KEY);
  if (object === null) return null;
  const value = parseStateJson(state, LAST_FAILURE_KEY, textOf(object.body), 'publish failure record') as
    | Partial<PublishFailure>
    | null
    | undefined;
  if (typeof value?.at !== 'string' || typeof value.error !== 'string') return null;
  return { at: value.at, errorName: String(value.errorName ?? 'Error'), error: value.error };
}

/**
 * Deliveries of the local outbox by subscriber (a WebSub job by its party: the hub subscription, or the pinged hub):
 * pending (due, overdue) and dead letters by reason.
 */
export function outboxDeliveries(
  pending: readonly DeliveryJob[],
  dead: readonly DeadLetter[],
  now: Date,
): DeliveriesView {
  const bySubscriber: Record<string, { pending: number; dead: number; deadReasons: Record<string, number> }> = {};
  const of = (id: string) => {
    bySubscriber[id] ??= { pending: 0, dead: 0, deadReasons: {} };
    return bySubscriber[id];
  };
  let due = 0;
  let overdue = 0;
  for (const job of pending) {
    of(jobSummary(job).party).pending++;
    const late = now.getTime() - Date.parse(job.notBefore);
    if (late >= 0) due++;
    if (late > OVERDUE_MS) overdue++;
  }
  for (const letter of dead) {
    const entry = of(jobSummary(letter.job).party);
    entry.dead++;
    entry.deadReasons[letter.reason] = (entry.deadReasons[letter.reason] ?? 0) + 1;
  }
  return { source: 'outbox', pending: pending.length, due, overdue, dead: dead.length, bySubscriber };
}

/** Reads everything `wirefeed status` reports from the state store, at `now`. */
export async function readStatus(state: ObjectStore, deliveries: DeliveriesView, now: Date): Promise<StatusReport> {
  const problems: { key: string; reason: string }[] = [];
  const [head, failure, lease] = await Promise.all([
    new Journal(state).read(),
    readFailure(state),
    describeLease(state, now),
  ]);
  const last = head?.last ?? null;
  const index = new SourceIndex(state);
  await index.loadAll();
  const rejected: { file: string; reason: string }[] = [];
  for (const [file, entry] of index.entries())
    if (entry.error !== undefined) rejected.push({ file, reason: entry.error });
  rejected.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const repository = new SubscriberRepository(state);
  let subscribers: StatusReport['subscribers'] = [];
  try {
    subscribers = await Promise.all(
      (await repository.list()).map(async (subscriber) => {
        const health = await repository.health(subscriber.id);
        return {
          id: subscriber.id,
          url: maskCredentials(subscriber.url),
          status: subscriber.status,
          ...(subscriber.disabledReason === undefined ? {} : { disabledReason: subscriber.disabledReason }),
          consecutiveFailures: health.consecutiveFailures,
          ...(health.failingSince === undefined ? {} : { failingSince: health.failingSince }),
          ...(health.lastSuccess === undefined ? {} : { lastSuccess: health.lastSuccess }),
          ...(health.lastError === undefined ? {} : { lastError: health.lastError }),
        };
      }),
    );
  } catch (error) {
    problems.push({ key: 'subscribers/', reason: error instanceof Error ? error.message : String(error) });
  }

  const { subscriptions, unreadable } = await new HubSubscriptions(state).list();
  for (const record of unreadable) {
    const prefix = `${state.location}/`;
    problems.push({
      key: record.location.startsWith(prefix) ? record.location.slice(prefix.length) : record.location,
      reason: record.reason,
    });
  }

  const run = head?.run ?? null;
  return {
    state: state.location,
    last,
    // A failure followed by a finished run is history, not news.
    failure: failure !== null && (last === null || failure.at > last.finished) ? failure : null,
    running:
      run === null ? null : { run: run.id, started: run.started, phase: run.phase, leaseHeld: lease?.valid === true },
    rejected,
    deliveries,
    subscribers,
    hub: hubViewOf(subscriptions, now),
    problems,
  };
}
