/** Delivery of webhook jobs: one attempt (shared by the local outbox and the SQS handler) and the outbox drain. */

import type { DeliveryAttempt, DeliveryJob, WebhookSender } from '../core/delivery.ts';
import { eventBody } from '../core/events.ts';
import type { Clock } from '../core/ports.ts';
import { clampRetryAfter, nextDelay } from '../core/retry-schedule.ts';
import { signWebhook } from '../core/sign.ts';
import { type SubscriberRepository, signingSecrets } from './subscribers.ts';

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number; latencyMs: number }
  | { kind: 'retry'; delayMs: number; status: number | null; error: string }
  | { kind: 'dead'; status: number | null; error: string }
  /** Not sent: the subscriber was removed or is disabled (e.g. after a 410). */
  | { kind: 'dropped'; reason: string };

export interface DeliveryDeps {
  subscribers: SubscriberRepository;
  sender: WebhookSender;
  clock: Clock;
  schedule: readonly number[];
  random?: () => number;
  userAgent?: string;
}

/** What the last attempt looked like, for the attempt log (set by `attemptDelivery` via `onAttempt`). */
interface AttemptDetails {
  status: number | null;
  latencyMs: number;
  started: Date;
}

function describeFailure(status: number | null, error: string | undefined): string {
  if (error !== undefined) return error;
  if (status !== null && status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
  return `HTTP ${status}`;
}

/**
 * One delivery attempt of `job` (which has had `job.attempts` attempts before this one). Signs with the
 * subscriber's valid secrets at the clock's time; `webhook-id` is the event id on every attempt.
 * 2xx delivers; 410 disables the subscriber; 429/503 wait at least their `Retry-After` (clamped to
 * [schedule step, 12 h]); everything else, 3xx included, retries until the schedule runs out.
 */
export async function attemptDelivery(job: DeliveryJob, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  return (await attemptWithDetails(job, deps)).outcome;
}

async function attemptWithDetails(
  job: DeliveryJob,
  deps: DeliveryDeps,
): Promise<{ outcome: DeliveryOutcome; details: AttemptDetails }> {
  const started = deps.clock.now();
  const details: AttemptDetails = { status: null, latencyMs: 0, started };
  const subscriber = await deps.subscribers.get(job.subscriberId);
  if (!subscriber) return { outcome: { kind: 'dropped', reason: 'subscriber removed' }, details };
  if (subscriber.status !== 'active') {
    const reason = `subscriber disabled${subscriber.disabledReason ? `: ${subscriber.disabledReason}` : ''}`;
    return { outcome: { kind: 'dropped', reason }, details };
  }

  const body = eventBody(job.event);
  const headers: Record<string, string> = {
    ...signWebhook({
      id: job.event.id,
      timestamp: Math.floor(started.getTime() / 1000),
      body,
      secrets: signingSecrets(subscriber, started),
    }),
    'content-type': 'application/json',
    ...(deps.userAgent ? { 'user-agent': deps.userAgent } : {}),
  };
  const result = await deps.sender.send(subscriber.url, headers, body);
  details.status = result.status;
  details.latencyMs = result.latencyMs;
  const { status } = result;

  if (result.error === undefined && status !== null && status >= 200 && status < 300) {
    return { outcome: { kind: 'delivered', status, latencyMs: result.latencyMs }, details };
  }
  if (status === 410 && result.error === undefined) {
    const reason = `410 Gone at ${started.toISOString()}`;
    await deps.subscribers.disable(subscriber.id, reason);
    return { outcome: { kind: 'dropped', reason: `subscriber disabled: ${reason}` }, details };
  }
  const error = describeFailure(status, result.error);
  if (result.refused !== undefined) return { outcome: { kind: 'dead', status, error }, details };
  const scheduled = nextDelay(job.attempts + 1, deps.schedule, deps.random ?? Math.random);
  if (scheduled === null) return { outcome: { kind: 'dead', status, error }, details };
  const honoursRetryAfter = (status === 429 || status === 503) && result.retryAfterMs !== undefined;
  const delayMs = honoursRetryAfter ? clampRetryAfter(result.retryAfterMs ?? 0, scheduled) : scheduled;
  return { outcome: { kind: 'retry', delayMs, status, error }, details };
}

/** What the drain needs of the local outbox (the adapter in functions/adapters/outbox-queue.ts). */
export interface DrainableOutbox {
  due(now: Date): Promise<DeliveryJob[]>;
  pending(): Promise<DeliveryJob[]>;
  complete(job: DeliveryJob): Promise<void>;
  reschedule(job: DeliveryJob, notBefore: Date, lastStatus: number | null, lastError: string): Promise<void>;
  deadLetter(job: DeliveryJob, lastStatus: number | null, lastError: string, now?: Date): Promise<void>;
  recordAttempt(record: DeliveryAttempt): Promise<void>;
}

export interface DrainResult {
  delivered: number;
  retried: number;
  dead: number;
  dropped: number;
}

export interface DrainOptions {
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** How many times due jobs are fetched and attempted (default 1; with `waitForRetries`, until empty). */
  maxRounds?: number;
  /** Sleep until retries fall due and keep going until the outbox is empty (or `maxRounds` is reached). */
  waitForRetries?: boolean;
  /** Injected so tests with a fake clock can advance it instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Attempts every due job in the outbox. Each attempt is recorded before its job is removed, rescheduled or
 * dead-lettered, and a job is removed only after a 2xx — so a crash anywhere means the job is attempted again.
 * Jobs of a disabled subscriber go to the dead letters (replayable once it is re-enabled); jobs of a removed
 * subscriber are recorded as dropped and forgotten.
 */
export async function drainOutbox(
  outbox: DrainableOutbox,
  deps: DeliveryDeps,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxRounds = options.maxRounds ?? (options.waitForRetries ? Number.POSITIVE_INFINITY : 1);
  const sleep = options.sleep ?? realSleep;
  const totals: DrainResult = { delivered: 0, retried: 0, dead: 0, dropped: 0 };

  const handle = async (job: DeliveryJob): Promise<void> => {
    const { outcome, details } = await attemptWithDetails(job, deps);
    const record: DeliveryAttempt = {
      jobId: job.id,
      eventId: job.event.id,
      eventType: job.event.type,
      subscriberId: job.subscriberId,
      attempt: job.attempts + 1,
      time: details.started.toISOString(),
      status: details.status,
      latencyMs: details.latencyMs,
      outcome: outcome.kind,
      ...(outcome.kind === 'delivered' ? {} : { error: outcome.kind === 'dropped' ? outcome.reason : outcome.error }),
    };
    await outbox.recordAttempt(record);
    switch (outcome.kind) {
      case 'delivered':
        await outbox.complete(job);
        totals.delivered++;
        break;
      case 'retry':
        await outbox.reschedule(
          job,
          new Date(deps.clock.now().getTime() + outcome.delayMs),
          outcome.status,
          outcome.error,
        );
        totals.retried++;
        break;
      case 'dead':
        await outbox.deadLetter(job, outcome.status, outcome.error, deps.clock.now());
        totals.dead++;
        break;
      case 'dropped':
        if (outcome.reason === 'subscriber removed') await outbox.complete(job);
        else await outbox.deadLetter(job, null, outcome.reason, deps.clock.now());
        totals.dropped++;
        break;
    }
  };

  for (let round = 0; round < maxRounds; round++) {
    const due = await outbox.due(deps.clock.now());
    if (due.length === 0) {
      if (!options.waitForRetries) break;
      const next = (await outbox.pending())[0];
      if (!next) break;
      await sleep(Math.max(0, Date.parse(next.notBefore) - deps.clock.now().getTime()));
      continue;
    }
    await runPool(due, concurrency, handle);
  }
  return totals;
}

/** Runs `work` over `items` with at most `concurrency` in flight; rethrows the first failure after all settle. */
async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
