import { describe, expect, it } from 'vitest';
import type { DeliveryJob, DeliveryOutcome } from '../../functions/core/delivery.ts';
import { deliveryDataPoints } from '../../functions/handlers/delivery-metrics.ts';
import { DELIVERY_METRICS } from '../../functions/handlers/metric-names.ts';

const job: DeliveryJob = {
  id: 'job_1',
  subscriberId: 'sub_a',
  event: {
    id: 'evt_1',
    type: 'feed.updated',
    timestamp: '2026-05-01T00:00:00.000Z',
    data: { feeds: { rss: '', atom: '', json: '', home: '' }, published: [], updated: [], deleted: [] },
  },
  attempts: 0,
  notBefore: '2026-05-01T00:00:00.000Z',
};
const now = new Date('2026-05-01T00:00:02.500Z');
const points = (outcome: DeliveryOutcome, ssrfRefused = false) =>
  deliveryDataPoints(
    job,
    { outcome, started: now, status: null, latencyMs: 0, ...(ssrfRefused ? { ssrfRefused } : {}) },
    now,
  ).map((p) => [p.metric.name, p.value, p.reason]);

describe('deliveryDataPoints', () => {
  it('counts a success and its latency from the event, retries included', () => {
    expect(points({ kind: 'delivered', status: 200, latencyMs: 12 })).toEqual([
      [DELIVERY_METRICS.deliveriesSucceeded.name, 1, undefined],
      [DELIVERY_METRICS.deliveryLatency.name, 2500, undefined],
    ]);
  });

  it('names what went wrong with a retried attempt', () => {
    const retry = (status: number | null, error: string) => points({ kind: 'retry', delayMs: 5000, status, error });
    expect(retry(503, 'HTTP 503')).toEqual([[DELIVERY_METRICS.deliveriesRetried.name, 1, 'status']]);
    expect(retry(null, 'timeout after 10000 ms')).toEqual([[DELIVERY_METRICS.deliveriesRetried.name, 1, 'timeout']]);
    expect(retry(200, 'response not complete after 10000 ms')[0]?.[2]).toBe('timeout');
    expect(retry(null, 'ECONNREFUSED: connect ECONNREFUSED')[0]?.[2]).toBe('network');
  });

  it('names why a job stopped, and counts SSRF refusals', () => {
    const dead = (reason: 'expired' | 'disabled' | 'paused' | 'refused', status: number | null) =>
      points({ kind: 'dead', reason, status, error: 'x' }, reason === 'refused');
    expect(dead('expired', 500)).toEqual([[DELIVERY_METRICS.deliveriesDead.name, 1, 'exhausted']]);
    expect(dead('disabled', 410)).toEqual([[DELIVERY_METRICS.deliveriesDead.name, 1, 'gone']]);
    expect(dead('disabled', null)).toEqual([[DELIVERY_METRICS.deliveriesDead.name, 1, 'disabled']]);
    expect(dead('paused', null)).toEqual([[DELIVERY_METRICS.deliveriesDead.name, 1, 'disabled']]);
    expect(dead('refused', null)).toEqual([
      [DELIVERY_METRICS.ssrfRefusals.name, 1, undefined],
      [DELIVERY_METRICS.deliveriesDead.name, 1, 'permanent'],
    ]);
    expect(points({ kind: 'dropped', reason: 'removed', error: 'subscriber removed' })).toEqual([
      [DELIVERY_METRICS.deliveriesDead.name, 1, 'disabled'],
    ]);
  });

  it('counts a WebSub job dropped in the ordinary course of the hub (lease ended, declined) as nothing lost', () => {
    const distribution: DeliveryJob = {
      kind: 'websub.distribute',
      id: 'job_2',
      subscriptionId: 'hsub_a',
      topic: 'https://news.example.com/feed.xml',
      path: 'feed.xml',
      hub: 'https://news.example.com/hub',
      eventId: 'evt_1',
      attempts: 0,
      notBefore: '2026-05-01T00:00:00.000Z',
    };
    const dropped = (outcome: DeliveryOutcome) =>
      deliveryDataPoints(distribution, { outcome, started: now, status: null, latencyMs: 0 }, now);
    expect(dropped({ kind: 'dropped', reason: 'lease-expired', error: 'lease ended' })).toEqual([]);
    expect(dropped({ kind: 'dropped', reason: 'declined', error: 'challenge not echoed' })).toEqual([]);
  });
});
