/**
 * Subscriber health as pure rules: how one attempt changes a subscriber's record of successes and failures, and when
 * a subscriber that keeps failing is disabled. The pipeline (pipeline/subscriber-health.ts) reads and writes it.
 */
import type { DeliveryOutcome, SubscriberHealth } from './delivery.ts';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

/** A subscriber failing continuously this long is disabled (Svix's default too). */
export const DEFAULT_DISABLE_AFTER_MS = 5 * DAY;

/**
 * On success the record is written only when it changes something an operator reads: the end of a failure streak, or
 * a last success more than this old. A subscriber that keeps succeeding costs at most one state write a minute.
 */
export const SUCCESS_RECORD_INTERVAL_MS = MINUTE;

/** What an attempt says about the endpoint: it answered 2xx, it failed, or it was never tried (nothing to learn). */
export type HealthSignal =
  | { readonly kind: 'success' }
  | { readonly kind: 'failure'; readonly status: number | null; readonly error: string }
  | { readonly kind: 'none' };

/**
 * The health signal of an outcome. A job that was not sent (its subscriber paused, disabled or removed) says nothing
 * about the endpoint; a target the SSRF guard refuses is a failure, since no delivery can reach it.
 */
export function healthSignal(outcome: DeliveryOutcome): HealthSignal {
  switch (outcome.kind) {
    case 'delivered':
      return { kind: 'success' };
    case 'dropped':
      return { kind: 'none' };
    case 'retry':
      return { kind: 'failure', status: outcome.status, error: outcome.error };
    case 'dead':
      if ((outcome.reason === 'disabled' || outcome.reason === 'paused') && outcome.status === null) {
        return { kind: 'none' };
      }
      return outcome.reason === 'unfinished' || outcome.reason === 'unreadable'
        ? { kind: 'none' }
        : { kind: 'failure', status: outcome.status, error: outcome.error };
  }
}

/** A subscriber with no recorded attempt yet. */
export function freshHealth(subscriberId: string): SubscriberHealth {
  return { subscriberId, consecutiveFailures: 0 };
}

/**
 * The record after `signal` at `now`, or null when it need not be written (a success that changes nothing an
 * operator reads; see SUCCESS_RECORD_INTERVAL_MS).
 */
export function nextHealth(health: SubscriberHealth, signal: HealthSignal, now: Date): SubscriberHealth | null {
  const at = now.toISOString();
  if (signal.kind === 'none') return null;
  if (signal.kind === 'success') {
    const recent =
      health.lastSuccess !== undefined && now.getTime() - Date.parse(health.lastSuccess) < SUCCESS_RECORD_INTERVAL_MS;
    if (health.failingSince === undefined && health.consecutiveFailures === 0 && recent) return null;
    const { failingSince: _ended, ...rest } = health;
    return { ...rest, consecutiveFailures: 0, lastSuccess: at };
  }
  return {
    ...health,
    consecutiveFailures: health.consecutiveFailures + 1,
    failingSince: health.failingSince ?? at,
    lastFailure: at,
    lastStatus: signal.status,
    lastError: signal.error,
  };
}

/**
 * True when the subscriber has failed continuously for `disableAfterMs` or longer at `now`: every attempt since
 * `failingSince` failed (a success ends the streak). `null` never disables.
 */
export function failingTooLong(health: SubscriberHealth, now: Date, disableAfterMs: number | null): boolean {
  if (disableAfterMs === null || health.failingSince === undefined) return false;
  return now.getTime() - Date.parse(health.failingSince) >= disableAfterMs;
}

/** The health after an operator re-enables or resumes the subscriber: the streak is forgiven, history kept. */
export function forgiven(health: SubscriberHealth): SubscriberHealth {
  const { failingSince: _forgiven, ...rest } = health;
  return { ...rest, consecutiveFailures: 0 };
}

const UNITS: Record<string, number> = { m: MINUTE, h: 60 * MINUTE, d: DAY };

/**
 * A period as operators write it: `5d`, `36h`, `90m` (whole numbers, one unit), or `off` / `never` for no limit.
 * @returns milliseconds, null for no limit, or undefined when `text` is not a period.
 */
export function parsePeriod(text: string): number | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === 'never') return null;
  const match = /^(\d{1,6})\s*([mhd])$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return amount === 0 ? undefined : amount * (UNITS[match[2] as string] as number);
}

/** `5d`, `36h`, `90m`: the shortest exact spelling of a period. */
export function formatPeriod(ms: number | null): string {
  if (ms === null) return 'off';
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % (60 * MINUTE) === 0) return `${ms / (60 * MINUTE)}h`;
  return `${Math.round(ms / MINUTE)}m`;
}
