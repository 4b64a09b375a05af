/**
 * What a failed HTTP attempt means for its job, for every kind of delivery job (webhooks and WebSub alike): one rule,
 * so a ping, a verification and a distribution retry and give up exactly as a webhook does. Pure.
 */
import type { DeliveryOutcome, SendResult } from './delivery.ts';
import { clampRetryAfter, nextDelay } from './retry-schedule.ts';

/** True when the attempt got a 2xx answer, read to the end. */
export function isSuccess(result: SendResult): boolean {
  return result.error === undefined && result.status !== null && result.status >= 200 && result.status < 300;
}

/** The attempt's failure in words: the transport error, or the status (saying that redirects are not followed). */
export function describeFailure(status: number | null, error: string | undefined): string {
  if (error !== undefined) return error;
  if (status !== null && status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
  return `HTTP ${status}`;
}

/**
 * The outcome of an attempt that did not succeed, after `attemptsBefore` earlier attempts: a URL the SSRF guard
 * refuses is dead at once; otherwise the job is retried after the schedule's next delay (429 and 503 wait at least
 * their `Retry-After`, clamped to [schedule step, 12 h]) until the schedule runs out, then it is dead (`expired`).
 */
export function failedAttemptOutcome(
  result: SendResult,
  attemptsBefore: number,
  schedule: readonly number[],
  random: () => number,
): Extract<DeliveryOutcome, { kind: 'retry' | 'dead' }> {
  const { status } = result;
  const error = describeFailure(status, result.error);
  if (result.refused !== undefined) {
    return { kind: 'dead', reason: result.refused === 'private-target' ? 'private-target' : 'refused', status, error };
  }
  const scheduled = nextDelay(attemptsBefore + 1, schedule, random);
  if (scheduled === null) return { kind: 'dead', reason: 'expired', status, error };
  const honoursRetryAfter = (status === 429 || status === 503) && result.retryAfterMs !== undefined;
  const delayMs = honoursRetryAfter ? clampRetryAfter(result.retryAfterMs ?? 0, scheduled) : scheduled;
  return { kind: 'retry', delayMs, status, error };
}
