/** When a failed webhook delivery is tried again. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays after the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about 27.5 hours. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

/** The longest wait a `Retry-After` header may ask for (also the SQS visibility ceiling). */
export const MAX_RETRY_AFTER_MS = 12 * HOUR;

export const JITTER = 0.2;

/**
 * The delay before the next attempt, after `attemptsMade` attempts have failed, with ±20% jitter so
 * that a burst of failures does not retry in lockstep.
 * @param random returns a number in [0, 1); injected so the schedule is deterministic in tests.
 * @returns milliseconds, or null when the schedule is exhausted (the job goes to the dead letters).
 */
export function nextDelay(attemptsMade: number, schedule: readonly number[], random: () => number): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) throw new RangeError(`attemptsMade: ${attemptsMade}`);
  if (attemptsMade === 0) return 0;
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  const factor = 1 - JITTER + 2 * JITTER * Math.min(Math.max(random(), 0), 1);
  return Math.round(base * factor);
}

/**
 * The delay a `Retry-After` asks for, clamped to at least the schedule's own delay (a receiver cannot make
 * us retry faster) and at most 12 hours.
 */
export function clampRetryAfter(retryAfterMs: number, scheduledMs: number): number {
  return Math.min(Math.max(retryAfterMs, scheduledMs), Math.max(MAX_RETRY_AFTER_MS, scheduledMs));
}

/** How many attempts a job gets in all: the first try plus one per schedule step. */
export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}
