/**
 * Delivery of every queued job (webhooks, and WebSub pings, verifications, denials and distributions): one attempt,
 * the one place that settles what follows it (`settle`), and the outbox drain. The SQS handler and the local outbox both go through `deliverJob`, each with its own JobLedger.
 */
import { failedAttemptOutcome, isSuccess } from '../core/attempt-outcome.ts';
import {
  type DeadLetter,
  type DeliveryAttempt,
  type DeliveryJob,
  type DeliveryOutcome,
  isWebhookJob,
  type JobLedger,
  jobSummary,
  type Outbox,
  type WebhookJob,
  type WebhookSender,
} from '../core/delivery.ts';
import { eventBody } from '../core/events.ts';
import { type Clock, type ObjectStore, systemClock } from '../core/ports.ts';
import { DEFAULT_SCHEDULE_MS } from '../core/retry-schedule.ts';
import { signWebhook } from '../core/sign.ts';
import { HealthKeeper, type HealthNote, type HealthPolicy } from './subscriber-health.ts';
import { SubscriberRepository, signingSecrets } from './subscribers.ts';
import { attemptWebSub, type WebSubDeliveryDeps, webSubDeliveryDeps } from './websub/deliver.ts';

export interface DeliveryDeps {
  readonly subscribers: SubscriberRepository;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly schedule: readonly number[];
  readonly random?: () => number;
  /** Subscriber health bookkeeping; without it, one with the default policy and nobody to notify. */
  readonly health?: HealthKeeper;
  /** The hub's state (and the output root, to distribute), for WebSub jobs. */
  readonly websub?: WebSubDeliveryDeps;
}

export interface DeliveryDepsOptions extends Partial<HealthPolicy> {
  /** Sees each subscriber disabled by the bookkeeping, and each failure of the bookkeeping itself. */
  readonly onHealthNote?: (note: HealthNote) => void;
  /** The output root, which WebSub distributions read their topics from. */
  readonly output?: ObjectStore;
}

/**
 * The delivery dependencies every entry point runs with (the deliver and dev commands, the DeliveryFunction):
 * subscribers and the hub's subscriptions in `state`, the system clock, the default retry schedule, and health
 * bookkeeping with the given policy (`notify` is the delivery queue operator events go to); the caller picks the
 * sender, and names the output root WebSub distributions read their topics from.
 */
export function deliveryDeps(
  state: ObjectStore,
  sender: WebhookSender,
  options: DeliveryDepsOptions = {},
): DeliveryDeps {
  const subscribers = new SubscriberRepository(state);
  const { onHealthNote, output, ...policy } = options;
  const health = new HealthKeeper(subscribers, policy, onHealthNote);
  const websub = webSubDeliveryDeps(state, output);
  return { subscribers, sender, clock: systemClock, schedule: DEFAULT_SCHEDULE_MS, health, websub };
}

const defaultKeepers = new WeakMap<SubscriberRepository, HealthKeeper>();

function healthKeeper(deps: DeliveryDeps): HealthKeeper {
  if (deps.health !== undefined) return deps.health;
  let keeper = defaultKeepers.get(deps.subscribers);
  if (keeper === undefined) {
    keeper = new HealthKeeper(deps.subscribers);
    defaultKeepers.set(deps.subscribers, keeper);
  }
  return keeper;
}

/** An attempt's outcome with what the attempt log records about it. */
export interface AttemptReport {
  readonly outcome: DeliveryOutcome;
  readonly started: Date;
  readonly status: number | null;
  readonly latencyMs: number;
  /** The SSRF guard refused the target, before connecting or at connect time (for the SsrfRefusals metric). */
  readonly ssrfRefused?: boolean;
}

/**
 * One delivery attempt of `job` (which has had `job.attempts` attempts before this one). Signs with the
 * subscriber's valid secrets at the clock's time; `webhook-id` is the event id on every attempt.
 * A paused or disabled subscriber's job is dead at once, unsent. 2xx delivers; 410 is dead (settle's health
 * bookkeeping disables the subscriber); 429/503 wait at least their `Retry-After` (clamped to
 * [schedule step, 12 h]); a URL the SSRF guard refuses is dead at once; everything else, 3xx included, retries
 * until the schedule runs out.
 */
export async function attemptDelivery(job: DeliveryJob, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  return (await attempt(job, deps)).outcome;
}

/** One attempt of any job: webhooks here, WebSub requests in pipeline/websub/deliver.ts. */
function attempt(job: DeliveryJob, deps: DeliveryDeps): Promise<AttemptReport> {
  return isWebhookJob(job) ? attemptWebhook(job, deps) : attemptWebSub(job, deps);
}

async function attemptWebhook(job: WebhookJob, deps: DeliveryDeps): Promise<AttemptReport> {
  const started = deps.clock.now();
  const unsent = (outcome: DeliveryOutcome): AttemptReport => ({ outcome, started, status: null, latencyMs: 0 });
  const subscriber = await deps.subscribers.get(job.subscriberId);
  if (!subscriber) return unsent({ kind: 'dropped', reason: 'removed', error: 'subscriber removed' });
  if (subscriber.status === 'paused') {
    return unsent({
      kind: 'dead',
      reason: 'paused',
      status: null,
      error: `subscriber paused at ${subscriber.pausedAt}`,
    });
  }
  if (subscriber.status !== 'active') {
    const error = `subscriber disabled${subscriber.disabledReason ? `: ${subscriber.disabledReason}` : ''}`;
    return unsent({ kind: 'dead', reason: 'disabled', status: null, error });
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
  };
  const result = await deps.sender.send(subscriber.url, headers, body);
  const { status } = result;
  const report = (outcome: DeliveryOutcome): AttemptReport => ({
    outcome,
    started,
    status,
    latencyMs: result.latencyMs,
    ...(result.refused !== undefined || result.refusedAddress === true ? { ssrfRefused: true } : {}),
  });

  if (isSuccess(result)) return report({ kind: 'delivered', status: status as number, latencyMs: result.latencyMs });
  if (status === 410 && result.error === undefined) {
    const error = `subscriber disabled: 410 Gone at ${started.toISOString()}`;
    return report({ kind: 'dead', reason: 'disabled', status, error });
  }
  return report(failedAttemptOutcome(result, job.attempts, deps.schedule, deps.random ?? Math.random));
}

/** The job after a failed attempt: one more attempt counted, with how it went. */
function attempted(job: DeliveryJob, outcome: { status: number | null; error: string }): DeliveryJob {
  return { ...job, attempts: job.attempts + 1, lastStatus: outcome.status, lastError: outcome.error };
}

/**
 * Records what follows an attempt of any kind of job, in the one place that decides it: delivered or dropped
 * (nothing left to do: the subscriber or hub subscription was removed, a verification was declined, a lease ended)
 * completes the job; a retry keeps it, one attempt more, until `now` + the delay; anything else makes it a
 * dead letter with its typed reason — a paused or disabled subscriber's jobs included, so they can be replayed once
 * it is active again. Then the subscriber's health is brought up to date (`health`, which may disable it); that
 * bookkeeping never throws, so a job is never sent again because of it.
 */
export async function settle(
  job: DeliveryJob,
  outcome: DeliveryOutcome,
  ledger: JobLedger,
  now: Date,
  health?: HealthKeeper,
): Promise<DeadLetter | null> {
  const letter = await settleJob(job, outcome, ledger, now);
  // Health is a webhook subscriber's; a hub subscription's last distribution is recorded by its attempt.
  if (isWebhookJob(job)) await health?.record(job, outcome, now);
  return letter;
}

async function settleJob(
  job: DeliveryJob,
  outcome: DeliveryOutcome,
  ledger: JobLedger,
  now: Date,
): Promise<DeadLetter | null> {
  switch (outcome.kind) {
    case 'delivered':
    case 'dropped':
      await ledger.complete(job);
      return null;
    case 'retry':
      await ledger.retryAt(attempted(job, outcome), new Date(now.getTime() + outcome.delayMs));
      return null;
    case 'dead': {
      const letter: DeadLetter = { job: attempted(job, outcome), reason: outcome.reason, deadAt: now.toISOString() };
      await ledger.deadLetter(letter);
      return letter;
    }
  }
}

/** The attempt-log record of one attempt. */
export function attemptRecord(job: DeliveryJob, report: AttemptReport): DeliveryAttempt {
  const { outcome } = report;
  const { party, type, ref } = jobSummary(job);
  return {
    jobId: job.id,
    eventId: ref,
    eventType: type,
    subscriberId: party,
    attempt: job.attempts + 1,
    time: report.started.toISOString(),
    status: report.status,
    latencyMs: report.latencyMs,
    outcome: outcome.kind,
    ...(outcome.kind === 'delivered' ? {} : { error: outcome.error }),
    ...(outcome.kind === 'dead' || outcome.kind === 'dropped' ? { reason: outcome.reason } : {}),
  };
}

/**
 * Attempts `job` once and settles it in `ledger`. `beforeSettle` sees the attempt first (the outbox records it in
 * its attempt log there, so an attempt is logged before its job changes and a crash in between re-sends, never
 * loses).
 */
export async function deliverJob(
  job: DeliveryJob,
  deps: DeliveryDeps,
  ledger: JobLedger,
  beforeSettle?: (report: AttemptReport) => Promise<void>,
): Promise<AttemptReport & { readonly deadLetter: DeadLetter | null }> {
  const report = await attempt(job, deps);
  await beforeSettle?.(report);
  return { ...report, deadLetter: await settle(job, report.outcome, ledger, deps.clock.now(), healthKeeper(deps)) };
}

export interface DrainResult {
  delivered: number;
  retried: number;
  dead: number;
  dropped: number;
  /** The jobs this drain dead-lettered, with their reasons, in the order they were settled. */
  deadLetters: DeadLetter[];
}

/** What `drainOutbox` is about to wait for, with `waitForRetries`. */
export interface DrainWait {
  readonly ms: number;
  /** The job that falls due first. */
  readonly next: DeliveryJob;
  /** Jobs still waiting. */
  readonly pending: number;
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
  /** Called after each round of attempts, with the totals so far. */
  onRound?: (totals: DrainResult) => void;
  /** Called before each sleep of `waitForRetries`. */
  onWait?: (wait: DrainWait) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Attempts every due job in the outbox. Each attempt is recorded before its job is settled, and a job is removed
 * only after a 2xx (or once its subscriber is gone) — so a crash anywhere means the job is attempted again.
 */
export async function drainOutbox(
  outbox: Outbox,
  deps: DeliveryDeps,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxRounds = options.maxRounds ?? (options.waitForRetries ? Number.POSITIVE_INFINITY : 1);
  const sleep = options.sleep ?? realSleep;
  const totals: DrainResult = { delivered: 0, retried: 0, dead: 0, dropped: 0, deadLetters: [] };
  const count: Record<DeliveryOutcome['kind'], 'delivered' | 'retried' | 'dead' | 'dropped'> = {
    delivered: 'delivered',
    retry: 'retried',
    dead: 'dead',
    dropped: 'dropped',
  };

  const handle = async (job: DeliveryJob): Promise<void> => {
    const settled = await deliverJob(job, deps, outbox, (report) => outbox.recordAttempt(attemptRecord(job, report)));
    totals[count[settled.outcome.kind]]++;
    if (settled.deadLetter !== null) totals.deadLetters.push(settled.deadLetter);
  };

  for (let round = 0; round < maxRounds; round++) {
    const due = await outbox.due(deps.clock.now());
    if (due.length === 0) {
      if (!options.waitForRetries) break;
      const pending = await outbox.pending();
      const next = pending[0];
      if (!next) break;
      const ms = Math.max(0, Date.parse(next.notBefore) - deps.clock.now().getTime());
      options.onWait?.({ ms, next, pending: pending.length });
      await sleep(ms);
      continue;
    }
    await runPool(due, concurrency, handle);
    options.onRound?.(totals);
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
