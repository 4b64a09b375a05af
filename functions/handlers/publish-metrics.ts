/**
 * What one publish call counts for in the PublishFunction's metrics (metric-names.ts): the articles it announced
 * published, updated and deleted, the sources it rejected, the output files it wrote or deleted, and its duration.
 */
import type { PublishResult } from '../pipeline/publish.ts';
import { PUBLISH_METRICS } from './metric-names.ts';
import type { DataPoint } from './telemetry.ts';

/** The data points of a publish call that returned `result` after `durationMs`. */
export function publishDataPoints(result: PublishResult, durationMs: number): DataPoint[] {
  const count = (type: string) => result.events.filter((event) => event.type === type).length;
  return [
    { metric: PUBLISH_METRICS.articlesPublished, value: count('article.published') },
    { metric: PUBLISH_METRICS.articlesUpdated, value: count('article.updated') },
    { metric: PUBLISH_METRICS.articlesDeleted, value: count('article.deleted') },
    { metric: PUBLISH_METRICS.articlesRejected, value: result.rejected.length },
    { metric: PUBLISH_METRICS.filesWritten, value: result.written.length + result.deleted.length },
    { metric: PUBLISH_METRICS.runDuration, value: durationMs },
  ];
}

/** The data point of a publish call that threw after `durationMs`: only its duration, since it counted nothing. */
export function failedPublishDataPoints(durationMs: number): DataPoint[] {
  return [{ metric: PUBLISH_METRICS.runDuration, value: durationMs }];
}
