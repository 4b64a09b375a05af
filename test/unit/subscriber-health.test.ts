import { describe, expect, it } from 'vitest';
import { readPeriod } from '../../functions/core/env.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import {
  failingTooLong,
  formatPeriod,
  freshHealth,
  healthSignal,
  nextHealth,
  parsePeriod,
  SUCCESS_RECORD_INTERVAL_MS,
} from '../../functions/core/subscriber-health.ts';

const t0 = new Date('2026-05-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const failure = { kind: 'failure', status: 500, error: 'HTTP 500' } as const;
const success = { kind: 'success' } as const;

describe('nextHealth', () => {
  it('starts a streak at the first failure and keeps its start through later ones', () => {
    const first = nextHealth(freshHealth('sub_a'), failure, t0);
    const second = nextHealth(first ?? freshHealth('sub_a'), failure, at(1000));
    expect(second).toEqual({
      subscriberId: 'sub_a',
      consecutiveFailures: 2,
      failingSince: t0.toISOString(),
      lastFailure: at(1000).toISOString(),
      lastStatus: 500,
      lastError: 'HTTP 500',
    });
  });

  it('ends the streak on a success, keeping the last failure for the record', () => {
    const failing = nextHealth(freshHealth('sub_a'), failure, t0);
    const healed = nextHealth(failing ?? freshHealth('sub_a'), success, at(5000));
    expect(healed).toMatchObject({
      consecutiveFailures: 0,
      lastSuccess: at(5000).toISOString(),
      lastError: 'HTTP 500',
    });
    expect(healed?.failingSince).toBeUndefined();
  });

  it('writes a steady success at most once a minute', () => {
    const healthy = nextHealth(freshHealth('sub_a'), success, t0);
    expect(healthy).not.toBeNull();
    expect(nextHealth(healthy ?? freshHealth('sub_a'), success, at(SUCCESS_RECORD_INTERVAL_MS - 1))).toBeNull();
    expect(nextHealth(healthy ?? freshHealth('sub_a'), success, at(SUCCESS_RECORD_INTERVAL_MS))).toMatchObject({
      lastSuccess: at(SUCCESS_RECORD_INTERVAL_MS).toISOString(),
    });
  });
});

describe('healthSignal', () => {
  it('learns nothing from a job that was never sent', () => {
    expect(healthSignal({ kind: 'dead', reason: 'paused', status: null, error: 'subscriber paused' })).toEqual({
      kind: 'none',
    });
    expect(healthSignal({ kind: 'dead', reason: 'disabled', status: null, error: 'subscriber disabled' })).toEqual({
      kind: 'none',
    });
    expect(healthSignal({ kind: 'dropped', reason: 'removed', error: 'subscriber removed' })).toEqual({ kind: 'none' });
  });

  it('counts a 410, a refused target and an exhausted schedule as failures', () => {
    for (const reason of ['disabled', 'refused', 'private-target', 'expired'] as const) {
      const status = reason === 'disabled' ? 410 : null;
      expect(healthSignal({ kind: 'dead', reason, status, error: 'x' }).kind).toBe('failure');
    }
  });
});

describe('failingTooLong', () => {
  const failing = { ...freshHealth('sub_a'), consecutiveFailures: 3, failingSince: t0.toISOString() };
  it('is true from exactly the period on, never with no limit or no streak', () => {
    expect(failingTooLong(failing, at(5 * 86_400_000 - 1), 5 * 86_400_000)).toBe(false);
    expect(failingTooLong(failing, at(5 * 86_400_000), 5 * 86_400_000)).toBe(true);
    expect(failingTooLong(failing, at(50 * 86_400_000), null)).toBe(false);
    expect(failingTooLong(freshHealth('sub_a'), at(50 * 86_400_000), 1)).toBe(false);
  });
});

describe('periods', () => {
  it('reads 5d, 36h, 90m and off, and refuses anything else', () => {
    expect(parsePeriod('5d')).toBe(5 * 86_400_000);
    expect(parsePeriod(' 36H ')).toBe(36 * 3_600_000);
    expect(parsePeriod('90m')).toBe(90 * 60_000);
    expect(parsePeriod('off')).toBeNull();
    expect(parsePeriod('never')).toBeNull();
    for (const bad of ['', '5', '0d', '1.5d', '5 days', '-1h', '5w']) expect(parsePeriod(bad), bad).toBeUndefined();
    expect(formatPeriod(5 * 86_400_000)).toBe('5d');
    expect(formatPeriod(36 * 3_600_000)).toBe('36h');
    expect(formatPeriod(null)).toBe('off');
  });

  it('reads the variable with a default, and names it when it is wrong', () => {
    expect(readPeriod({}, 'WIREFEED_DISABLE_FAILING_AFTER', 7)).toBe(7);
    expect(readPeriod({ WIREFEED_DISABLE_FAILING_AFTER: 'off' }, 'WIREFEED_DISABLE_FAILING_AFTER', 7)).toBeNull();
    expect(() => readPeriod({ WIREFEED_DISABLE_FAILING_AFTER: '5 days' }, 'WIREFEED_DISABLE_FAILING_AFTER', 7)).toThrow(
      new ConfigError(
        'Environment variable WIREFEED_DISABLE_FAILING_AFTER must be a period such as 5d, 36h or 90m, or off, got "5 days"',
      ),
    );
  });
});
