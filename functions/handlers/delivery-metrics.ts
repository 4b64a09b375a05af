/**
 * What one settled delivery attempt counts for in the DeliveryFunction's metrics (metric-names.ts): succeeded with its
 * latency, retried by what went wrong, dead by why it stopped, and SSRF refusals.
 */
import { type DeliveryJob, isWebhookJob } from '../core/delivery.ts';
import type { AttemptReport } from '../pipeline/deliver.ts';
import { DEAD_REASON, DELIVERY_METRICS, RETRY_REASON } from './metric-names.ts';
import type { DataPoint } from './telemetry.ts';

const TIMEOUT = /^timeout after|not complete after/;

/** The data points of one attempt of `job`, settled at `now`. */
export function deliveryDataPoints(job: DeliveryJob, report: AttemptReport, now: Date): DataPoint[] {
  const { outcome } = report;
  const points: DataPoint[] = [];
  if (report.ssrfRefused) points.push({ metric: DELIVERY_METRICS.ssrfRefusals, value: 1 });
  switch (outcome.kind) {
    case 'delivered': {
      // From the event a webhook announces; WebSub jobs carry no event time, so only their count is kept.
      const since = isWebhookJob(job) ? Date.parse(job.event.timestamp) : Number.NaN;
      points.push({ metric: DELIVERY_METRICS.deliveriesSucceeded, value: 1 });
      if (!Number.isNaN(since)) {
        points.push({ metric: DELIVERY_METRICS.deliveryLatency, value: Math.max(0, now.getTime() - since) });
      }
      break;
    }
    case 'retry': {
      const reason = TIMEOUT.test(outcome.error)
        ? RETRY_REASON.timeout
        : outcome.status === null
          ? RETRY_REASON.network
          : RETRY_REASON.status;
      points.push({ metric: DELIVERY_METRICS.deliveriesRetried, value: 1, reason });
      break;
    }
    case 'dead': {
      const reason =
        outcome.reason === 'expired'
          ? DEAD_REASON.exhausted
          : outcome.reason === 'disabled' && outcome.status === 410
            ? DEAD_REASON.gone
            : outcome.reason === 'disabled' || outcome.reason === 'paused'
              ? DEAD_REASON.disabled
              : DEAD_REASON.permanent;
      points.push({ metric: DELIVERY_METRICS.deliveriesDead, value: 1, reason });
      break;
    }
    case 'dropped':
      // A WebSub job dropped is the hub's ordinary course (a verification declined, a lease ended, an unsubscribe),
      // not a delivery lost.
      if (isWebhookJob(job))
        points.push({ metric: DELIVERY_METRICS.deliveriesDead, value: 1, reason: DEAD_REASON.disabled });
      break;
  }
  return points;
}
